// Demo mode's alert rules: seeded once however often the demo starts, and both fire within the
// first simulated minute of the simulator's events (what a newcomer sees after `npm start`).
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { asc, eq } from 'drizzle-orm';
import { expect, it } from 'vitest';
import { createAlertEvaluator } from '../../src/alerts/evaluator.js';
import { alertHistory, alertRules } from '../../src/db/schema.js';
import { DEMO_RULES, seedDemoAlertRules } from '../../src/demo/alert-rules.js';
import { seedReference } from '../../src/demo/seed.js';
import { createSimulator, seededRng } from '../../src/demo/simulator.js';
import { createIngester } from '../../src/ingest/ingester.js';
import { silentLogger } from '../doubles/silent-logger.js';
import { describeEachDb } from '../helpers/db.js';

const START = new Date('2026-11-29T08:30:00.000Z');

describeEachDb('demo alert rules', (db) => {
  it('are seeded once, and both fire within the first minute of simulated events', async () => {
    await seedReference(db());
    await seedDemoAlertRules(db(), START);
    await seedDemoAlertRules(db(), START);
    const rules = await db().db.select().from(alertRules).orderBy(asc(alertRules.id));
    expect(rules.map((r) => r.name)).toEqual(DEMO_RULES.map((r) => r.name));

    let now = START;
    const logPath = join(await mkdtemp(join(tmpdir(), 'demo-alerts-')), 'events_record.jsonl');
    const sim = createSimulator({ handle: db(), logPath, clock: () => now, rng: seededRng(7) });
    const ingester = createIngester({ handle: db(), logPath });
    const evaluator = createAlertEvaluator({
      handle: db(),
      logger: silentLogger,
      clock: () => now,
      webhook: { allowedHosts: [], timeoutMs: 1000, retries: 0, backoffMs: 0 },
    });
    for (let second = 1; second <= 60; second++) {
      now = new Date(START.getTime() + second * 1000);
      await sim.tick();
      await ingester.runOnce();
      await evaluator.runOnce();
    }
    await evaluator.idle();
    for (const rule of rules) {
      const fired = await db()
        .db.select()
        .from(alertHistory)
        .where(eq(alertHistory.ruleId, rule.id));
      expect(fired.length, rule.name).toBeGreaterThanOrEqual(1);
      expect(fired[0]!.notificationSent).toBe(true);
    }
  });
});
