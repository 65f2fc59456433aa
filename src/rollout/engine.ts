// The rollout decision for one migrated field in one request: forced → killed → sticky bucket.
// Pure and synchronous (no clock, no I/O, no randomness), so the same input always gives the
// same answer and the GraphQL wiring, the REST shims and the tests all share one definition.
import { murmur3_32Joined } from './murmur3.js';

export type RolloutPath = 'domain' | 'legacy';

/**
 * Why a path was chosen; the reason always explains the path taken. An ignored force is not a
 * reason of its own: the reason stays what the rest of the decision says and
 * `Decision.forceIgnored` is set. A paused flag routes like an active one, so its decisions
 * say `bucket` (the mode is exported as a gauge instead). `breaker_open` is set by the runner,
 * never by decide(): the bucket chose domain but the flag's circuit breaker is open.
 */
export type DecisionReason = 'forced' | 'killed' | 'bucket' | 'no_key' | 'breaker_open';

/** The number of sticky buckets; a percentage step of 0.01 moves exactly one bucket. */
const BUCKETS = 10_000;

export interface FlagState {
  flag: string;
  /** Share of callers on the domain path, 0–100; fractions down to 0.01 are honoured. */
  percent: number;
  /**
   * `paused` freezes the percentage in the control plane (no promotions) but routes exactly like
   * `active`; `killed` sends every caller to legacy without forgetting the percentage.
   */
  mode: 'active' | 'paused' | 'killed';
}

export interface DecisionInput {
  flag: string;
  state: FlagState;
  /** X-Rollout-Key header, else the principal, else the client address; '' counts as absent. */
  stickyKey: string | undefined;
  force?: RolloutPath | undefined;
  /** Policy outcome for `force` (development: yes; production: operators only). */
  forceAllowed: boolean;
}

export interface Decision {
  flag: string;
  path: RolloutPath;
  reason: DecisionReason;
  percent: number;
  /** Present when the decision was made by the sticky bucket. */
  bucket?: number;
  /** A force was requested but policy did not allow it. */
  forceIgnored?: boolean;
}

/**
 * The caller's sticky bucket for a flag, 0–9999: murmur3_32(`${flag}:${key}`) mod 10000.
 * Salting with the flag keeps flags independent.
 */
export function bucketOf(flag: string, key: string): number {
  return murmur3_32Joined(flag, ':', key) % BUCKETS;
}

/**
 * Buckets below this threshold take the domain path. Rounding to whole buckets makes 12.5%
 * exactly 1250 buckets; the threshold only grows with the percentage, which is what keeps a
 * caller on the domain path while the rollout advances. NaN yields NaN: nobody is promoted.
 */
function thresholdOf(percent: number): number {
  return Math.round(percent * 100);
}

export function decide(input: DecisionInput): Decision {
  const { flag, state, stickyKey, force } = input;
  const percent = state.percent;
  if (force !== undefined && input.forceAllowed) {
    return { flag, path: force, reason: 'forced', percent };
  }
  const decision = route(flag, state, stickyKey);
  if (force !== undefined) decision.forceIgnored = true;
  return decision;
}

function route(flag: string, state: FlagState, stickyKey: string | undefined): Decision {
  const percent = state.percent;
  if (state.mode === 'killed') return { flag, path: 'legacy', reason: 'killed', percent };
  const threshold = thresholdOf(percent);
  if (stickyKey === undefined || stickyKey === '') {
    // Without a key there is nothing to stay sticky to. A random draw would make the caller
    // flicker between implementations (the old service's bug), so only the two ends of the
    // range, where every bucket agrees, send a keyless caller to the domain path.
    const path = threshold >= BUCKETS ? 'domain' : 'legacy';
    return { flag, path, reason: 'no_key', percent };
  }
  const bucket = bucketOf(flag, stickyKey);
  return {
    flag,
    path: bucket < threshold ? 'domain' : 'legacy',
    reason: 'bucket',
    percent,
    bucket,
  };
}
