// Where the rollout engine reads each flag's percentage and mode. The gateway's implementation
// is PgRolloutState (pg-state.ts: PostgreSQL rows + LISTEN/NOTIFY).
import type { FlagState } from './engine.js';

export interface RolloutStateStore {
  /** Current state of a flag; a flag the store does not know is at 0%, active. */
  get(flag: string): FlagState;
  /** Every flag the store knows, in a stable order. */
  all(): FlagState[];
  /**
   * The flag's version (bumped by every change: the guard's evidence is per version) and shadow
   * share. Optional: a store without it has version 0 and no shadowing.
   */
  meta?(flag: string): FlagMeta;
  /** Subscribe to changes; called once per changed flag. Returns the unsubscribe function. */
  onChange(listener: (state: FlagState) => void): () => void;
}

export interface FlagMeta {
  version: number;
  /** Share (0–100) of reads whose other path also runs for comparison. */
  shadowPercent: number;
}
