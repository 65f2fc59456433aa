// A fixed in-memory rollout state that tests pass to createApp to pin or move a rollout without
// the database's rollout tables.
import type { FlagState } from '../../src/rollout/engine.js';
import type { RolloutStateStore } from '../../src/rollout/state.js';

type Mode = FlagState['mode'];

export class StaticRolloutState implements RolloutStateStore {
  readonly #states = new Map<string, FlagState>();
  readonly #listeners = new Set<(state: FlagState) => void>();

  /** `percents` is config.rolloutPercent: flag → 0–100. Every flag starts active. */
  constructor(percents: Readonly<Record<string, number>> = {}) {
    for (const [flag, percent] of Object.entries(percents)) {
      this.#states.set(flag, { flag, percent: checkPercent(flag, percent), mode: 'active' });
    }
  }

  get(flag: string): FlagState {
    // A copy each time: a caller mutating its FlagState must not move the rollout.
    const state = this.#states.get(flag);
    return state ? { ...state } : { flag, percent: 0, mode: 'active' };
  }

  all(): FlagState[] {
    return [...this.#states.values()].map((s) => ({ ...s }));
  }

  /** Moves a flag to `percent` (0–100), keeping its mode; throws RangeError outside the range. */
  set(flag: string, percent: number): void {
    this.#update(flag, { percent: checkPercent(flag, percent) });
  }

  /** Pauses, kills or reactivates a flag, keeping its percentage. */
  setMode(flag: string, mode: Mode): void {
    this.#update(flag, { mode });
  }

  onChange(listener: (state: FlagState) => void): () => void {
    this.#listeners.add(listener);
    return () => {
      this.#listeners.delete(listener);
    };
  }

  #update(flag: string, change: Partial<Omit<FlagState, 'flag'>>): void {
    const known = this.#states.has(flag);
    const before = this.get(flag);
    const after: FlagState = { ...before, ...change };
    this.#states.set(flag, after);
    if (known && after.percent === before.percent && after.mode === before.mode) return;
    // Iterate a snapshot so a listener may unsubscribe itself while being notified.
    for (const listener of [...this.#listeners]) listener({ ...after });
  }
}

function checkPercent(flag: string, percent: number): number {
  // NaN would silently route everyone to legacy; a typo in a test or seed should fail loudly.
  if (!(percent >= 0 && percent <= 100)) {
    throw new RangeError(`rollout percent for ${flag} must be 0–100, got ${percent}`);
  }
  return percent;
}
