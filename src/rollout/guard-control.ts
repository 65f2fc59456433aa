// The guarded-rollout changes of a flag: its shadow share, its guard, and the guard's own
// promotions and rollbacks. Each is an ordinary change of the control plane (one transaction:
// lock, expected version, update, change log entry, NOTIFY), so each bumps the flag's version,
// which restarts the step's evidence.
import {
  type ChangeRequest,
  type ChangeResult,
  checkPercent,
  checkSteps,
  type RolloutControl,
  roundPercent,
} from './control.js';
import type { FlagState } from './engine.js';
import type { GuardConfig } from './guard-rules.js';
import { deleteGuard, guardConfig, loadGuards, saveGuard } from './pg-guard.js';

/** The principal the guard's own changes are logged as. */
export const GUARD_ACTOR = 'guard';

export class GuardControl {
  constructor(readonly control: RolloutControl) {}

  /** Sets the share (0–100) of reads that also run the other path for comparison. */
  shadow(req: ChangeRequest, percent: number): Promise<ChangeResult> {
    const invalid = checkPercent(percent);
    if (invalid)
      return Promise.resolve({ ok: false, error: 'invalid', message: `shadow ${invalid}` });
    const shadowPercent = roundPercent(percent);
    return this.control.change(req, 'shadow', (row) => ({
      percent: row.percent,
      mode: row.mode,
      shadowPercent,
      detail: { shadowPercent: { from: row.shadowPercent, to: shadowPercent } },
    }));
  }

  /** Installs or replaces the flag's guard; its steps become the flag's schedule. */
  setGuard(req: ChangeRequest, config: GuardConfig): Promise<ChangeResult> {
    const invalid = checkGuard(config);
    if (invalid) return Promise.resolve({ ok: false, error: 'invalid', message: invalid });
    return this.control.change(req, 'guard', (row) => ({
      percent: row.percent,
      mode: row.mode,
      steps: [...config.steps],
      always: true,
      detail: { guard: config },
      apply: (tx) => saveGuard(tx, req.flag, config, req.actor, req.reason),
    }));
  }

  /** Removes the guard; nothing changes (and nothing is logged) when there is none. */
  removeGuard(req: ChangeRequest): Promise<ChangeResult> {
    return this.control.change(req, 'unguard', async (row, tx) => {
      const [guard] = await loadGuards(tx, req.flag);
      if (!guard) return { percent: row.percent, mode: row.mode };
      return {
        percent: row.percent,
        mode: row.mode,
        always: true,
        detail: { guard: guardConfig(guard) },
        apply: async (t) => {
          await deleteGuard(t, req.flag);
        },
      };
    });
  }

  /** The guard's rollback: to `target`, whatever the mode (a breach overrides a pause). */
  rollback(req: ChangeRequest, target: Pick<FlagState, 'percent' | 'mode'>): Promise<ChangeResult> {
    return this.control.change(req, 'rollback', () => ({
      percent: target.percent,
      mode: target.mode,
    }));
  }
}

export function checkGuard(c: GuardConfig): string | undefined {
  const steps = checkSteps(c.steps);
  if (steps) return steps;
  if (!(Number.isInteger(c.holdMs) && c.holdMs >= 0 && c.holdMs <= 7 * 86_400_000)) {
    return `hold must be 0 to 7 days (got ${c.holdMs} ms)`;
  }
  for (const [name, n] of [
    ['min requests', c.minRequests],
    ['min comparisons', c.minComparisons],
  ] as const) {
    if (!(Number.isInteger(n) && n >= 1 && n <= 10_000_000))
      return `${name} must be 1 to 10000000 (got ${n})`;
  }
  for (const [name, rate] of [
    ['max error rate', c.maxErrorRate],
    ['max fallback rate', c.maxFallbackRate],
    ['max mismatch rate', c.maxMismatchRate],
  ] as const) {
    if (rate !== null && !(rate >= 0 && rate < 1)) return `${name} must be in [0, 1) (got ${rate})`;
  }
  if (c.maxP99Ratio !== null && !(c.maxP99Ratio >= 1))
    return `max p99 ratio must be >= 1 (got ${c.maxP99Ratio})`;
  if (c.srmPValue !== null && !(c.srmPValue > 0 && c.srmPValue < 0.5)) {
    return `sample-ratio p-value must be in (0, 0.5) (got ${c.srmPValue})`;
  }
  if (c.onBreach !== 'previous' && c.onBreach !== 'kill')
    return 'on breach must be previous or kill';
  return undefined;
}
