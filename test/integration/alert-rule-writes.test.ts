// Alert rule writes through REST and GraphQL on both paths: the same stored values, the
// corrections (422 for bad values, reported ignored keys), the audit of every change, idempotency
// keys, authorisation, concurrent writers, and what a failed write answers and leaves behind.
import { asc, sql } from 'drizzle-orm';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { alertRuleChanges, alertRules } from '../../src/db/schema.js';
import { AlertRepository } from '../../src/repositories/alert-repository.js';
import { ALERT_TOKENS, alertApp, call, resetAlerts } from '../helpers/alerts.js';
import { gql } from '../helpers/app.js';
import { describeEachDb } from '../helpers/db.js';

const RULES = '/api/v1/alerts/rules';
const minimal = (name = 'r') =>
  JSON.stringify({
    name,
    rule_type: 'event_count',
    conditions: { event_type: 'SKIP_DRYING', threshold: 2, window_seconds: 30 },
  });

describeEachDb('alert rule writes', (db) => {
  const cleanups: string[] = [];
  const exec = (text: string) => db().db.execute(sql.raw(text));
  beforeEach(async () => {
    await resetAlerts(db());
  });
  afterEach(async () => {
    for (const statement of cleanups.splice(0)) await exec(statement);
  });
  const rules = () => db().db.select().from(alertRules).orderBy(asc(alertRules.id));
  const changes = () => db().db.select().from(alertRuleChanges).orderBy(asc(alertRuleChanges.id));

  it('stores the same defaults on both paths', async () => {
    const legacy = await call(alertApp(db(), { percent: 0 }), 'POST', RULES, minimal('a'));
    const domain = await call(alertApp(db(), { percent: 100 }), 'POST', RULES, minimal('b'));
    expect([legacy.text, domain.text]).toEqual(['{"ok":true,"id":1}', '{"ok":true,"id":2}']);
    expect([legacy.headers.get('x-rollout-path'), domain.headers.get('x-rollout-path')]).toEqual([
      'legacy',
      'domain',
    ]);
    const [a, b] = await rules();
    const strip = ({ id: _, name: __, ...rest }: typeof alertRules.$inferSelect) => rest;
    expect(strip(a!)).toEqual(strip(b!));
    expect(a).toMatchObject({
      cameraId: null,
      notificationChannels: [],
      recipients: [],
      enabled: true,
      priority: 'medium',
      createdAt: '2026-11-29 10:00:00',
    });
  });

  it.each([
    ['a wrong type', '{"enabled": "yes"}', 'bool_type', '["body","enabled"]'],
    ['a name too long', `{"name": "${'x'.repeat(101)}"}`, 'string_too_long', '["body","name"]'],
    ['a null name', '{"name": null}', 'string_type', '["body","name"]'],
    ['an unknown priority', '{"priority": "urgent"}', 'enum', '["body","priority"]'],
    [
      'conditions that are not an object',
      '{"conditions": "x"}',
      'dict_type',
      '["body","conditions"]',
    ],
    [
      'a fractional threshold',
      '{"conditions": {"event_type": "A", "threshold": 1.5, "window_seconds": 5}}',
      'int_from_float',
      '["body","conditions","threshold"]',
    ],
    [
      'an unknown condition',
      '{"conditions": {"event_type": "A", "threshold": 1, "window_seconds": 5, "x": 1}}',
      'extra_forbidden',
      '["body","conditions","x"]',
    ],
    [
      'an unknown channel',
      '{"notification_channels": ["sms"]}',
      'union_tag_invalid',
      '["body","notification_channels",0]',
    ],
    [
      'a webhook without url',
      '{"notification_channels": [{"type": "webhook"}]}',
      'missing',
      '["body","notification_channels",0,"url"]',
    ],
    [
      'a violation type the table lacks',
      '{"rule_type": "violation_count"}',
      'value_error',
      '["body","conditions","event_type"]',
    ],
  ])(
    'refuses %s with a FastAPI 422 on both paths, storing nothing',
    async (_, patch, type, loc) => {
      await call(alertApp(db()), 'POST', RULES, minimal());
      const before = await rules();
      for (const percent of [0, 100]) {
        const app = alertApp(db(), { percent });
        for (const [method, path, body] of [
          ['PUT', `${RULES}/1`, patch],
          ['POST', RULES, JSON.stringify({ ...JSON.parse(minimal()), ...JSON.parse(patch) })],
        ] as const) {
          const answer = await call(app, method, path, body);
          expect(answer.status).toBe(422);
          const detail = JSON.parse(answer.text).detail;
          expect(detail).toContainEqual(expect.objectContaining({ type, loc: JSON.parse(loc) }));
        }
      }
      expect(await rules()).toEqual(before);
    },
  );

  it('applies the known keys of a PUT and reports the others in X-Ignored-Keys', async () => {
    await call(alertApp(db()), 'POST', RULES, minimal());
    for (const percent of [0, 100]) {
      const answer = await call(
        alertApp(db(), { percent }),
        'PUT',
        `${RULES}/1`,
        '{"id": 77, "enabeld": false, "名字": 1, "priority": "high"}',
      );
      expect([answer.status, answer.text]).toEqual([200, '{"ok":true}']);
      expect(answer.headers.get('x-ignored-keys')).toBe('id, enabeld, %E5%90%8D%E5%AD%97');
    }
    expect(await rules()).toMatchObject([{ id: 1, enabled: true, priority: 'high' }]);
    const quiet = await call(alertApp(db()), 'PUT', `${RULES}/1`, '{"priority": "low"}');
    expect(quiet.headers.get('x-ignored-keys')).toBeNull();
  });

  it('audits every change with who, when, how, and the values before and after', async () => {
    const tokens = [ALERT_TOKENS.writer];
    const writer = { authorization: `Bearer ${ALERT_TOKENS.writer.token}` };
    await call(alertApp(db(), { tokens, percent: 100 }), 'POST', RULES, minimal(), {
      ...writer,
      'x-request-id': 'req-create',
    });
    await call(alertApp(db(), { tokens, percent: 0 }), 'PUT', `${RULES}/1`, '{"enabled": false}', {
      ...writer,
      'x-request-id': 'req-update',
    });
    await exec("update alert_rules set name = 'by hand' where id = 1");
    const rows = await changes();
    expect(rows).toMatchObject([
      {
        action: 'create',
        changedBy: 'rules-admin',
        path: 'domain',
        requestId: 'req-create',
        before: null,
      },
      { action: 'update', changedBy: 'rules-admin', path: 'legacy', requestId: 'req-update' },
      { action: 'update', path: 'sql', requestId: null },
    ]);
    expect(rows[0]!.changedAt).toEqual(new Date('2026-11-29T10:00:00Z'));
    expect(rows[1]!.before).toMatchObject({ enabled: true });
    expect(rows[1]!.after).toMatchObject({ enabled: false, updated_by: 'rules-admin' });
    expect(rows[2]!.changedBy).toBeTruthy();
    expect(await rules()).toMatchObject([{ createdBy: 'rules-admin', updatedBy: 'rules-admin' }]);
  });

  it('needs a token with alerts:write once tokens are configured', async () => {
    const tokens = [ALERT_TOKENS.writer, ALERT_TOKENS.reader];
    const app = alertApp(db(), { tokens });
    const none = await call(app, 'POST', RULES, minimal());
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toMatch(/^Bearer/);
    const other = await call(app, 'PUT', `${RULES}/1`, '{}', {
      authorization: `Bearer ${ALERT_TOKENS.reader.token}`,
    });
    expect(other.status).toBe(403);
    expect(await rules()).toEqual([]);
  });

  it('answers a repeated idempotency key with the first answer, and a reused one with 409', async () => {
    for (const percent of [0, 100]) {
      await resetAlerts(db());
      const app = alertApp(db(), { percent });
      const key = { 'idempotency-key': `k-${percent}` };
      const first = await call(app, 'POST', RULES, minimal(), key);
      const again = await call(app, 'POST', RULES, minimal(), key);
      expect([first.text, again.text]).toEqual(['{"ok":true,"id":1}', '{"ok":true,"id":1}']);
      const other = await call(app, 'POST', RULES, minimal('other'), key);
      expect(other.status).toBe(409);
      expect(await rules()).toHaveLength(1);
    }
  });

  it('answers GraphQL writes with typed results', async () => {
    const app = alertApp(db());
    const create = await gql(
      app,
      `mutation { createAlertRule(input: { name: "g", ruleType: VIOLATION_COUNT, conditions: { eventType: "no_hairnet", threshold: 2, windowSeconds: 60 }, notificationChannels: [{ type: WEBHOOK, url: "http://127.0.0.1:9/h", retries: 1 }], priority: CRITICAL }) {
        __typename ... on AlertRuleSaved { replayed rule { id ruleType priority enabled conditions { eventType threshold windowSeconds cooldownSeconds } notificationChannels { type url retries timeoutMs } recipients createdBy } } } }`,
    );
    expect(create.body.data.createAlertRule).toEqual({
      __typename: 'AlertRuleSaved',
      replayed: false,
      rule: {
        id: '1',
        ruleType: 'VIOLATION_COUNT',
        priority: 'CRITICAL',
        enabled: true,
        conditions: {
          eventType: 'no_hairnet',
          threshold: 2,
          windowSeconds: 60,
          cooldownSeconds: 0,
        },
        notificationChannels: [
          { type: 'WEBHOOK', url: 'http://127.0.0.1:9/h', retries: 1, timeoutMs: null },
        ],
        recipients: [],
        createdBy: null,
      },
    });
    const results = await gql(
      app,
      `mutation { missing: updateAlertRule(id: "42", input: { enabled: false }) { __typename ... on AlertRuleNotFound { id message } }
        bad: updateAlertRule(id: "1", input: { name: "", conditions: { eventType: "x", threshold: 0, windowSeconds: 1 } }) { __typename ... on InvalidAlertRuleInput { issues { path type } } } }`,
    );
    expect(results.body.data).toEqual({
      missing: {
        __typename: 'AlertRuleNotFound',
        id: '42',
        message: 'Alert rule 42 does not exist',
      },
      bad: {
        __typename: 'InvalidAlertRuleInput',
        issues: [
          { path: ['name'], type: 'string_too_short' },
          { path: ['conditions', 'threshold'], type: 'greater_than_equal' },
        ],
      },
    });
  });

  it('serialises concurrent changes of one rule: each audit row starts where the previous ended', async () => {
    await call(alertApp(db()), 'POST', RULES, minimal());
    const app = alertApp(db());
    const answers = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        call(app, 'PUT', `${RULES}/1`, JSON.stringify({ recipients: [`r${i}`] })),
      ),
    );
    expect(answers.map((a) => a.status)).toEqual(Array(8).fill(200));
    const rows = (await changes()).slice(1);
    expect(rows).toHaveLength(8);
    for (let i = 1; i < rows.length; i++) {
      expect((rows[i]!.before as { recipients: string[] }).recipients).toEqual(
        (rows[i - 1]!.after as { recipients: string[] }).recipients,
      );
    }
  });

  it('creates one rule for concurrent requests with the same idempotency key', async () => {
    const app = alertApp(db());
    const answers = await Promise.all(
      Array.from({ length: 6 }, () =>
        call(app, 'POST', RULES, minimal(), { 'idempotency-key': 'same' }),
      ),
    );
    // The requests that lost the race rolled back, but PostgreSQL does not give back the ids
    // their inserts drew: the one rule's id is not always 1. Every caller gets that one id.
    const stored = await rules();
    expect(stored).toHaveLength(1);
    expect(new Set(answers.map((a) => `${a.status} ${a.text}`))).toEqual(
      new Set([`200 {"ok":true,"id":${stored[0]!.id}}`]),
    );
  });

  /** A deferred trigger on the audit rows of one path: runs `body` at COMMIT. */
  async function atCommit(name: string, path: string, body: string) {
    await exec(
      `create or replace function ${name}() returns trigger language plpgsql as $$ begin ${body}; return null; end $$`,
    );
    await exec(
      `create constraint trigger ${name} after insert on alert_rule_changes deferrable initially deferred for each row when (new.path = '${path}') execute function ${name}()`,
    );
    cleanups.push(`drop trigger ${name} on alert_rule_changes`, `drop function ${name}()`);
  }

  it('falls back to legacy, visibly, only after the domain transaction rolled back', async () => {
    const domain = new AlertRepository(db().db, async () => {
      throw new Error('injected failure after the INSERT');
    });
    const app = alertApp(db(), { services: { alertRuleWrites: { domain } } });
    const answer = await call(app, 'POST', RULES, minimal());
    expect(answer.status).toBe(200);
    expect(answer.headers.get('x-rollout-path')).toBe('legacy');
    expect(answer.headers.get('x-rollout-fallback')).toBe('error');
    expect(await rules()).toHaveLength(1);
    expect((await changes()).map((c) => c.path)).toEqual(['legacy']);
  });

  it('falls back to legacy when the server refuses the domain COMMIT', async () => {
    await call(alertApp(db()), 'POST', RULES, minimal());
    await atCommit('ar_refuse_commit', 'domain', "raise exception 'refused at commit'");
    const answer = await call(alertApp(db()), 'PUT', `${RULES}/1`, '{"priority": "critical"}');
    expect([answer.status, answer.headers.get('x-rollout-fallback')]).toEqual([200, 'error']);
    expect(await rules()).toMatchObject([{ priority: 'critical' }]);
  });

  it('answers 503 without a second attempt when the connection fails during COMMIT', async () => {
    await call(alertApp(db()), 'POST', RULES, minimal());
    await atCommit(
      'ar_lost_commit',
      'domain',
      "raise exception 'connection failure' using errcode = '08006'",
    );
    const app = alertApp(db());
    const answer = await call(app, 'PUT', `${RULES}/1`, '{"priority": "critical"}');
    expect(answer.status).toBe(503);
    expect(JSON.parse(answer.text).detail).toMatch(/may or may not have been applied/);
    expect(answer.headers.get('x-rollout-fallback')).toBeNull();
    expect(await rules()).toMatchObject([{ priority: 'medium' }]);
  });

  it('answers 503 and changes nothing when both paths are refused', async () => {
    await exec(
      "create or replace function ar_refuse() returns trigger language plpgsql as $$ begin raise exception 'maintenance'; end $$",
    );
    await exec(
      'create trigger ar_refuse before insert on alert_rules for each row execute function ar_refuse()',
    );
    cleanups.push('drop trigger ar_refuse on alert_rules', 'drop function ar_refuse()');
    const answer = await call(alertApp(db()), 'POST', RULES, minimal());
    expect(answer.status).toBe(503);
    expect(JSON.parse(answer.text).detail).toMatch(/nothing was applied/);
    expect(await rules()).toEqual([]);
  });
});
