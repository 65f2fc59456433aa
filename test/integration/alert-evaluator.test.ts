// The alert evaluator over the ingested events and the violations: thresholds, windows, camera
// filters, cooldowns, each event counted toward at most one alert, and at most one alert per
// rule and window when two gateways evaluate the same database.
import { randomUUID } from 'node:crypto';
import { asc, eq } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type AlertEvaluator, createAlertEvaluator } from '../../src/alerts/evaluator.js';
import type { DatabaseHandle } from '../../src/db/client.js';
import { openDatabase } from '../../src/db/client.js';
import { alertDeliveries, alertHistory, events, violationEvents } from '../../src/db/schema.js';
import { parseCreate, requestHash } from '../../src/domain/alert-rules.js';
import { AlertRepository } from '../../src/repositories/alert-repository.js';
import { silentLogger } from '../doubles/silent-logger.js';
import { resetAlerts } from '../helpers/alerts.js';
import { createTestDatabase, dbKinds, describeEachDb, type TestDatabase } from '../helpers/db.js';

const T0 = new Date('2026-11-29T10:00:00.000Z');
const at = (seconds: number) => new Date(T0.getTime() + seconds * 1000);

async function createRule(handle: DatabaseHandle, body: Record<string, unknown>): Promise<number> {
  const parsed = parseCreate(body);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues));
  const values = parsed.value.values;
  const outcome = await new AlertRepository(handle.db).create({
    values,
    meta: { actor: 'test', at: T0, requestId: 'r', requestHash: requestHash({ values }) },
  });
  if (outcome.kind !== 'saved') throw new Error(outcome.kind);
  return outcome.rule.id;
}

const countRule = (conditions: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  name: 'hairnet at the sink',
  rule_type: 'event_count',
  conditions: { event_type: 'NO_HAIRNET_AT_SINK', threshold: 3, window_seconds: 60, ...conditions },
  ...extra,
});

describeEachDb('the alert evaluator', (db) => {
  let now: Date;
  const evaluator = (handle = db()): AlertEvaluator =>
    createAlertEvaluator({
      handle,
      logger: silentLogger,
      clock: () => now,
      webhook: { allowedHosts: [], timeoutMs: 1000, retries: 0, backoffMs: 0 },
    });

  async function logEvent(seconds: number, type = 'NO_HAIRNET_AT_SINK', cameraId = 'cam0') {
    const occurredAt = at(seconds);
    await db()
      .db.insert(events)
      .values({
        occurredAt,
        ts: occurredAt.getTime() / 1000,
        type,
        cameraId,
        raw: JSON.stringify({ ts: occurredAt.getTime() / 1000, type, camera_id: cameraId }),
        sourceKey: randomUUID(),
      });
  }

  const alertsOf = (ruleId: number) =>
    db()
      .db.select()
      .from(alertHistory)
      .where(eq(alertHistory.ruleId, ruleId))
      .orderBy(asc(alertHistory.id));

  beforeEach(async () => {
    await resetAlerts(db());
    await db().db.delete(events);
    now = at(0);
  });

  it('fires once when the threshold is reached in the window, with the rule, message and details', async () => {
    const id = await createRule(db(), countRule({}, { notification_channels: ['log'] }));
    const e = evaluator();
    await logEvent(-20);
    await logEvent(-10);
    expect(await e.runOnce()).toEqual([]);
    await logEvent(-1);
    const fired = await e.runOnce();
    expect(fired).toHaveLength(1);
    expect(await e.runOnce()).toEqual([]);
    await e.idle();
    const [alert] = await alertsOf(id);
    expect(alert).toMatchObject({
      ruleId: id,
      cameraId: 'cam0',
      alertType: 'event_count',
      message: "告警规则 'hairnet at the sink' 被触发",
      notificationSent: true,
      notificationChannelsUsed: ['log'],
      timestamp: '2026-11-29 10:00:00',
    });
    expect(alert!.details).toMatchObject({
      threshold: 3,
      time_window: 60,
      count: 3,
      event_type: 'NO_HAIRNET_AT_SINK',
      cameras: ['cam0'],
      source: 'events',
    });
    const deliveries = await db().db.select().from(alertDeliveries);
    expect(deliveries).toMatchObject([
      { historyId: alert!.id, channel: 'log', outcome: 'delivered' },
    ]);
  });

  it('counts only events inside the window', async () => {
    const id = await createRule(db(), countRule({ window_seconds: 30 }));
    await logEvent(-45);
    await logEvent(-31);
    await logEvent(-5);
    await logEvent(-2);
    await evaluator().runOnce();
    expect(await alertsOf(id)).toHaveLength(0);
    await logEvent(-1);
    await evaluator().runOnce();
    expect(await alertsOf(id)).toHaveLength(1);
  });

  it('ignores events of other types and, for a camera rule, of other cameras', async () => {
    const global = await createRule(db(), countRule({ event_type: 'SKIP_DRYING' }));
    const cam1 = await createRule(db(), countRule({}, { camera_id: 'cam1' }));
    for (const s of [-3, -2, -1]) await logEvent(s, 'NO_HAIRNET_AT_SINK', 'cam0');
    await logEvent(-1, 'SKIP_DRYING', 'cam1');
    await evaluator().runOnce();
    expect(await alertsOf(global)).toHaveLength(0);
    expect(await alertsOf(cam1)).toHaveLength(0);
    await logEvent(-1, 'SKIP_DRYING', 'cam2');
    await logEvent(-1, 'SKIP_DRYING', 'cam1');
    await evaluator().runOnce();
    const [alert] = await alertsOf(global);
    expect(alert).toMatchObject({ cameraId: 'multiple' });
    expect(alert!.details).toMatchObject({ cameras: ['cam1', 'cam2'] });
  });

  it('stays quiet for the cooldown, and never counts an event toward two alerts', async () => {
    const id = await createRule(db(), countRule({ cooldown_seconds: 30 }));
    const e = evaluator();
    for (const s of [-3, -2, -1]) await logEvent(s);
    await e.runOnce();
    now = at(10);
    for (const s of [7, 8, 9]) await logEvent(s);
    await e.runOnce();
    expect(await alertsOf(id)).toHaveLength(1);
    now = at(31);
    await e.runOnce();
    expect(await alertsOf(id)).toHaveLength(2);
    now = at(62);
    await e.runOnce();
    expect(await alertsOf(id)).toHaveLength(2);
  });

  it('fires again without a cooldown only for new events', async () => {
    const id = await createRule(db(), countRule({ threshold: 2 }));
    const e = evaluator();
    for (const s of [-2, -1]) await logEvent(s);
    await e.runOnce();
    await e.runOnce();
    await logEvent(0);
    await e.runOnce();
    expect(await alertsOf(id)).toHaveLength(1);
    await logEvent(0);
    await e.runOnce();
    expect(await alertsOf(id)).toHaveLength(2);
  });

  it('does not evaluate disabled rules', async () => {
    const id = await createRule(db(), countRule({}, { enabled: false }));
    for (const s of [-3, -2, -1]) await logEvent(s);
    await evaluator().runOnce();
    expect(await alertsOf(id)).toHaveLength(0);
  });

  it('counts violations for a violation_count rule', async () => {
    const id = await createRule(db(), {
      name: 'no handwash',
      rule_type: 'violation_count',
      camera_id: 'cam3',
      conditions: { event_type: 'no_handwash', threshold: 2, window_seconds: 120 },
    });
    const violation = (s: number, cameraId = 'cam3', violationType = 'no_handwash' as const) => ({
      cameraId,
      occurredAt: at(s),
      violationType,
    });
    await db()
      .db.insert(violationEvents)
      .values([violation(-5), violation(-4, 'cam4')]);
    await evaluator().runOnce();
    expect(await alertsOf(id)).toHaveLength(0);
    await db().db.insert(violationEvents).values(violation(-1));
    await evaluator().runOnce();
    const [alert] = await alertsOf(id);
    expect(alert).toMatchObject({ cameraId: 'cam3', alertType: 'violation_count' });
    expect(alert!.details).toMatchObject({ source: 'violation_events', count: 2 });
  });
});

for (const kind of dbKinds) {
  describe(`two gateways evaluating one database [${kind}]`, () => {
    let test: TestDatabase;
    let second: DatabaseHandle;
    beforeAll(async () => {
      test = await createTestDatabase(kind);
      // On PostgreSQL each gateway has its own connection pool; PGlite is one process's database.
      second = test.url ? await openDatabase({ url: test.url }) : test.handle;
    });
    afterAll(async () => {
      if (second !== test.handle) await second.close();
      await test.drop();
    });

    it('fires each alert once, whichever gateway gets there first', async () => {
      const id = await createRule(test.handle, countRule({ threshold: 3 }));
      const now = at(0);
      const replicas = [test.handle, second].map((handle) =>
        createAlertEvaluator({
          handle,
          logger: silentLogger,
          clock: () => now,
          webhook: { allowedHosts: [], timeoutMs: 1000, retries: 0, backoffMs: 0 },
        }),
      );
      let fired = 0;
      for (let i = 0; i < 8; i++) {
        const occurredAt = at(-10 + i);
        await test.handle.db.insert(events).values({
          occurredAt,
          ts: occurredAt.getTime() / 1000,
          type: 'NO_HAIRNET_AT_SINK',
          cameraId: 'cam0',
          raw: '{}',
          sourceKey: randomUUID(),
        });
        const passes = await Promise.all(replicas.flatMap((r) => [r.runOnce(), r.runOnce()]));
        fired += passes.flat().length;
      }
      // 8 events, threshold 3: two alerts of 3 events each; the last 2 wait for a third.
      const rows = await test.handle.db
        .select()
        .from(alertHistory)
        .where(eq(alertHistory.ruleId, id));
      expect(rows).toHaveLength(2);
      expect(fired).toBe(2);
      expect(rows.map((r) => (r.details as { count: number }).count)).toEqual([3, 3]);
    });
  });
}
