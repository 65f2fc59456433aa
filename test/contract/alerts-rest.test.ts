// The old alert endpoints, case by case, over the same rows on the legacy path (0 %), the domain
// path (100 %) and a mixed rollout (50 %, callers spread over both paths by their sticky key):
// status, content type and the exact body bytes, which must not depend on the path. Writes are
// checked for what they store too, and a refused write for storing nothing.
import { sql } from 'drizzle-orm';
import { beforeEach, describe, expect, it } from 'vitest';
import { H, listing, R, seedAlertRows } from '../fixtures/alert-rows.js';
import { alertApp, call } from '../helpers/alerts.js';
import { describeEachDb } from '../helpers/db.js';

const HIST = '/api/v1/alerts/history-db';
const RULES = '/api/v1/alerts/rules';

const entry = (type: string, loc: string, input: string, msg: string, ctx?: string) =>
  `{"type":"${type}","loc":${loc},"msg":"${msg}","input":${input}${ctx ? `,"ctx":${ctx}` : ''}}`;
const detail = (...entries: string[]) => `{"detail":[${entries.join(',')}]}`;
const INT = 'Input should be a valid integer, unable to parse string as an integer';
const BOOL = 'Input should be a valid boolean, unable to interpret input';
const intParsing = (name: string, input: string, where = 'query') =>
  entry('int_parsing', `["${where}","${name}"]`, JSON.stringify(input), INT);
const ge = (name: string, input: string, where = 'query') =>
  entry(
    'greater_than_equal',
    `["${where}","${name}"]`,
    `"${input}"`,
    'Input should be greater than or equal to 1',
    '{"ge":1}',
  );
const le = (input: string) =>
  entry(
    'less_than_equal',
    '["query","limit"]',
    `"${input}"`,
    'Input should be less than or equal to 1000',
    '{"le":1000}',
  );
const boolParsing = (name: string, input: string) =>
  entry('bool_parsing', `["query","${name}"]`, JSON.stringify(input), BOOL);

/** [method, url, body, status, exact body] — reads, and writes refused before they change anything. */
const CASES: [string, string, string | undefined, number, string][] = [
  ['GET', HIST, undefined, 200, listing(H.tie, H.nulls, H.monitor, H.numbers, H.emptyCamera)],
  ['GET', `${HIST}?limit=2`, undefined, 200, listing(H.tie, H.nulls)],
  ['GET', `${HIST}?limit=%2B1`, undefined, 200, listing(H.tie)],
  ['GET', `${HIST}?limit=1.0`, undefined, 200, listing(H.tie)],
  [
    'GET',
    `${HIST}?limit=1000`,
    undefined,
    200,
    listing(H.tie, H.nulls, H.monitor, H.numbers, H.emptyCamera),
  ],
  ['GET', `${HIST}?camera_id=system`, undefined, 200, listing(H.monitor)],
  ['GET', `${HIST}?camera_id=cam0`, undefined, 200, listing(H.nulls, H.numbers)],
  ['GET', `${HIST}?camera_id=cam9`, undefined, 200, listing()],
  ['GET', `${HIST}?alert_type=event_count&camera_id=cam1`, undefined, 200, listing(H.tie)],
  ['GET', `${HIST}?alert_type=EVENT_COUNT`, undefined, 200, listing()],
  // Correction: an empty filter is no filter (the old service matched the empty string).
  ['GET', `${HIST}?camera_id=&limit=2`, undefined, 200, listing(H.tie, H.nulls)],
  ['GET', `${HIST}?force_domain=no&limit=1`, undefined, 200, listing(H.tie)],
  ['GET', `${HIST}?unknown=1&limit=1&limit=2`, undefined, 200, listing(H.tie, H.nulls)],
  ['GET', `${HIST}?limit=0`, undefined, 422, detail(ge('limit', '0'))],
  ['GET', `${HIST}?limit=1001`, undefined, 422, detail(le('1001'))],
  ['GET', `${HIST}?limit=abc`, undefined, 422, detail(intParsing('limit', 'abc'))],
  ['GET', `${HIST}?limit=1.5`, undefined, 422, detail(intParsing('limit', '1.5'))],
  ['GET', `${HIST}?limit=`, undefined, 422, detail(intParsing('limit', ''))],
  [
    'GET',
    `${HIST}?limit=0&force_domain=maybe`,
    undefined,
    422,
    detail(ge('limit', '0'), boolParsing('force_domain', 'maybe')),
  ],
  ['GET', RULES, undefined, 200, listing(R.bare, R.off, R.seedB, R.seedA)],
  ['GET', `${RULES}?enabled=true`, undefined, 200, listing(R.seedB, R.seedA)],
  ['GET', `${RULES}?enabled=OFF`, undefined, 200, listing(R.off)],
  ['GET', `${RULES}?camera_id=cam3`, undefined, 200, listing(R.bare)],
  ['GET', `${RULES}?camera_id=cam3&enabled=1`, undefined, 200, listing()],
  ['GET', `${RULES}?camera_id=`, undefined, 200, listing(R.bare, R.off, R.seedB, R.seedA)],
  ['GET', `${RULES}?enabled=`, undefined, 422, detail(boolParsing('enabled', ''))],
  [
    'GET',
    `${RULES}?enabled=2&force_domain=x`,
    undefined,
    422,
    detail(boolParsing('enabled', '2'), boolParsing('force_domain', 'x')),
  ],
  ['POST', RULES, undefined, 422, detail(entry('missing', '["body"]', 'null', 'Field required'))],
  ['POST', RULES, 'null', 422, detail(entry('missing', '["body"]', 'null', 'Field required'))],
  [
    'POST',
    RULES,
    '[1, 2.0]',
    422,
    detail(entry('dict_type', '["body"]', '[1,2.0]', 'Input should be a valid dictionary')),
  ],
  [
    'POST',
    RULES,
    '"规则"',
    422,
    detail(entry('dict_type', '["body"]', '"规则"', 'Input should be a valid dictionary')),
  ],
  [
    'POST',
    RULES,
    '{bad',
    422,
    '{"detail":[{"type":"json_invalid","loc":["body",1],"msg":"JSON decode error","input":{},"ctx":{"error":"Expecting property name enclosed in double quotes"}}]}',
  ],
  [
    'POST',
    RULES,
    '{"name": ',
    422,
    '{"detail":[{"type":"json_invalid","loc":["body",9],"msg":"JSON decode error","input":{},"ctx":{"error":"Expecting value"}}]}',
  ],
  [
    'POST',
    RULES,
    '{} x',
    422,
    '{"detail":[{"type":"json_invalid","loc":["body",3],"msg":"JSON decode error","input":{},"ctx":{"error":"Extra data"}}]}',
  ],
  [
    'POST',
    `${RULES}?force_domain=maybe`,
    undefined,
    422,
    detail(
      boolParsing('force_domain', 'maybe'),
      entry('missing', '["body"]', 'null', 'Field required'),
    ),
  ],
  ['POST', RULES, '{}', 400, '{"detail":"缺少必填字段: name"}'],
  ['POST', RULES, '{"name": "x", "conditions": {}}', 400, '{"detail":"缺少必填字段: rule_type"}'],
  [
    'POST',
    RULES,
    '{"name": null, "rule_type": null}',
    400,
    '{"detail":"缺少必填字段: conditions"}',
  ],
  ['PUT', `${RULES}/0`, '{}', 422, detail(ge('rule_id', '0', 'path'))],
  ['PUT', `${RULES}/abc`, '{}', 422, detail(intParsing('rule_id', 'abc', 'path'))],
  [
    'PUT',
    `${RULES}/abc?force_domain=2`,
    '[]',
    422,
    detail(
      intParsing('rule_id', 'abc', 'path'),
      boolParsing('force_domain', '2'),
      entry('dict_type', '["body"]', '[]', 'Input should be a valid dictionary'),
    ),
  ],
  [
    'PUT',
    `${RULES}/1`,
    '{"enabled": ',
    422,
    '{"detail":[{"type":"json_invalid","loc":["body",12],"msg":"JSON decode error","input":{},"ctx":{"error":"Expecting value"}}]}',
  ],
  // Correction: an unknown id is 404 on both paths, whatever the body.
  ['PUT', `${RULES}/99`, undefined, 404, '{"detail":"告警规则不存在: 99"}'],
  ['PUT', `${RULES}/0099`, '{"enabled": false}', 404, '{"detail":"告警规则不存在: 99"}'],
  [
    'PUT',
    `${RULES}/99999999999999999999`,
    'null',
    404,
    '{"detail":"告警规则不存在: 99999999999999999999"}',
  ],
  ['PUT', `${RULES}/1`, undefined, 200, '{"ok":true}'],
  ['PUT', `${RULES}/1`, 'null', 200, '{"ok":true}'],
  ['DELETE', `${RULES}/1`, undefined, 405, '{"detail":"Method Not Allowed"}'],
  ['DELETE', RULES, undefined, 405, '{"detail":"Method Not Allowed"}'],
  ['POST', HIST, '{}', 405, '{"detail":"Method Not Allowed"}'],
];

describeEachDb('the alert REST contract', (db, kind) => {
  beforeEach(async () => {
    await seedAlertRows(db());
  });

  for (const percent of [0, 50, 100]) {
    describe(`with every alert flag at ${percent} %`, () => {
      it.each(CASES)('%s %s %s', async (method, url, body, status, expected) => {
        const app = alertApp(db(), { percent });
        const paths = new Set<string>();
        // 50 %: 40 sticky keys land on both paths; each must get the same bytes.
        for (const key of percent === 50 ? Array.from({ length: 40 }, (_, i) => `u${i}`) : ['k']) {
          const answer = await call(app, method, url, body, { 'x-rollout-key': key });
          expect([answer.status, answer.text]).toEqual([status, expected]);
          if (status !== 405) expect(answer.headers.get('content-type')).toBe('application/json');
          paths.add(answer.headers.get('x-rollout-path') ?? 'none');
        }
        if (percent === 50 && status === 200)
          expect([...paths].sort()).toEqual(['domain', 'legacy']);
        if (percent !== 50 && status === 200) {
          expect([...paths]).toEqual([percent === 0 ? 'legacy' : 'domain']);
        }
      });
    });
  }

  it('answers a trailing slash with 307 to the path without it, and 405 with Allow', async () => {
    const app = alertApp(db());
    const slash = await call(app, 'GET', `${RULES}/?enabled=true`);
    expect(slash.status).toBe(307);
    expect(slash.headers.get('location')).toBe(`http://gateway${RULES}?enabled=true`);
    expect((await call(app, 'DELETE', RULES)).headers.get('allow')).toBe('GET, HEAD, POST');
    expect((await call(app, 'GET', `${RULES}/1`)).headers.get('allow')).toBe('PUT');
  });

  it('answers a body sent as another content type as FastAPI did: not a dictionary', async () => {
    const response = await alertApp(db()).fetch(`http://gateway${RULES}`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: '{"name":"x"}',
    });
    expect(response.status).toBe(422);
    expect(await response.text()).toBe(
      detail(
        entry(
          'dict_type',
          '["body"]',
          '"{\\"name\\":\\"x\\"}"',
          'Input should be a valid dictionary',
        ),
      ),
    );
  });

  it('answers the old 500 bodies when neither path can read the tables', async () => {
    await db().rows(sql`alter table alert_history rename to alert_history_gone`);
    await db().rows(sql`alter table alert_rules rename to alert_rules_gone`);
    try {
      for (const percent of [0, 100]) {
        const app = alertApp(db(), { percent });
        const history = await call(app, 'GET', HIST);
        expect([history.status, history.text]).toEqual([500, '{"detail":"查询告警历史失败"}']);
        const rules = await call(app, 'GET', RULES);
        expect([rules.status, rules.text]).toEqual([500, '{"detail":"列出告警规则失败"}']);
        if (percent === 100) expect(rules.headers.get('x-rollout-fallback')).toBe('error');
      }
    } finally {
      await db().rows(sql`alter table alert_history_gone rename to alert_history`);
      await db().rows(sql`alter table alert_rules_gone rename to alert_rules`);
    }
  });

  it.runIf(kind === 'postgres')(
    'recovers after the database drops every connection, without a restart',
    async () => {
      const app = alertApp(db(), { percent: 100 });
      expect((await call(app, 'GET', `${HIST}?limit=1`)).status).toBe(200);
      await db().rows(
        sql`select pg_terminate_backend(pid) from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()`,
      );
      const statuses: number[] = [];
      for (let i = 0; i < 5; i++) {
        const answer = await call(app, 'GET', `${HIST}?limit=1`);
        statuses.push(answer.status);
        if (answer.status === 200) {
          expect(answer.text).toBe(listing(H.tie));
          break;
        }
      }
      expect(statuses.at(-1)).toBe(200);
    },
  );
});
