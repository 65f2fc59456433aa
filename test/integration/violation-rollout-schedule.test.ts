// The write endpoint's planned schedule, 5 → 10 → 25 → 50 → 100, applied at runtime to one app
// while a fixed population of callers keeps writing through the REST shim. Measured from the
// answers (X-Rollout-Path) and from the table (history rows exist only for domain writes).
import { expect, it } from 'vitest';
import { bucketOf } from '../../src/rollout/engine.js';
import { StaticRolloutState } from '../doubles/static-rollout-state.js';
import { describeEachDb } from '../helpers/db.js';
import { FLAG, historyOf, put, seedViolations, violationApp } from '../helpers/violations.js';

const STEPS = [5, 10, 25, 50, 100];
const CALLERS = 400;

describeEachDb('the write rollout schedule', (db) => {
  it('moves a fixed population of callers to the domain path monotonically, step by step', async ({
    annotate,
  }) => {
    const ids = await seedViolations(db(), CALLERS);
    const rolloutState = new StaticRolloutState({ [FLAG]: 0 });
    // 400 writes at once queue for seconds on PGlite: the write budget is not what is tested here.
    const app = violationApp(db(), { rolloutState, config: { writeTimeoutMs: 120_000 } });
    const onDomain: Set<number>[] = [];
    for (const [step, percent] of STEPS.entries()) {
      rolloutState.set(FLAG, percent);
      const status = step % 2 === 0 ? 'confirmed' : 'resolved';
      const answers = await Promise.all(
        ids.map((id, caller) =>
          put(app, `/api/v1/records/violations/${id}/status?status=${status}`, {
            'x-rollout-key': `caller-${caller}`,
          }),
        ),
      );
      expect(answers.every((a) => a.status === 200)).toBe(true);
      onDomain.push(
        new Set(
          answers.flatMap((a, caller) =>
            a.headers.get('x-rollout-path') === 'domain' ? [caller] : [],
          ),
        ),
      );
    }
    const shares = onDomain.map((set) => (100 * set.size) / CALLERS);
    await annotate(`domain share per step ${STEPS.join('/')}%: ${shares.join('/')}%`);
    for (const [step, percent] of STEPS.entries()) {
      // 400 callers are a sample: allow three binomial standard deviations around the target.
      const sigma = 100 * Math.sqrt(((percent / 100) * (1 - percent / 100)) / CALLERS);
      expect(Math.abs(shares[step]! - percent), `step ${percent}%`).toBeLessThanOrEqual(3 * sigma);
      // Exactly the callers whose sticky bucket is under the threshold, as the engine defines it.
      const predicted = ids.flatMap((_, c) =>
        bucketOf(FLAG, `caller-${c}`) < percent * 100 ? [c] : [],
      );
      expect([...onDomain[step]!].sort((a, b) => a - b)).toEqual(predicted);
      // Nobody who was on the domain path goes back to legacy when the percentage rises.
      if (step > 0)
        for (const caller of onDomain[step - 1]!) expect(onDomain[step]!.has(caller)).toBe(true);
    }
    expect(onDomain.at(-1)!.size).toBe(CALLERS);
    // The table agrees with the headers: one history row per domain answer, none per legacy one.
    const history = await historyOf(db(), ids);
    for (const [caller, id] of ids.entries()) {
      const domainSteps = onDomain.filter((set) => set.has(caller)).length;
      expect(history.filter((h) => h.violationId === id)).toHaveLength(domainSteps);
    }
  });
});
