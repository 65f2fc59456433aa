// The guard's judgement, pure: given a flag's state, its guard and the evidence every replica
// gathered at the current step (version), promote, hold, roll back or do nothing, with the
// evidence stated in words (the change log's reason) and gate by gate (the admin API).
import type { FlagState } from './engine.js';

type RolloutMode = FlagState['mode'];

import { type EvidenceCounts, GUARD_LATENCY_BUCKETS } from './evidence.js';

export interface GuardConfig {
  steps: number[];
  holdMs: number;
  minRequests: number;
  minComparisons: number;
  maxErrorRate: number | null;
  maxFallbackRate: number | null;
  maxMismatchRate: number | null;
  maxP99Ratio: number | null;
  srmPValue: number | null;
  onBreach: 'previous' | 'kill';
}

export interface GuardedFlag {
  flag: string;
  percent: number;
  mode: RolloutMode;
  version: number;
  /** When the current step began (the flag's last change). */
  since: Date;
  shadowPercent: number;
  /** Whether the field is a read (shadow comparisons are evidence). */
  read: boolean;
}

export type GateName =
  | 'error_rate'
  | 'fallback_rate'
  | 'mismatch_rate'
  | 'p99_ratio'
  | 'sample_ratio';
export type GateStatus = 'pass' | 'fail' | 'pending' | 'off';

export interface Gate {
  name: GateName;
  status: GateStatus;
  value: number | null;
  limit: number | null;
  samples: number;
  text: string;
}

export type GuardAction = 'promote' | 'rollback' | 'hold' | 'none';

export interface GuardDecision {
  action: GuardAction;
  /** The state a promote or rollback moves to. */
  target?: { percent: number; mode: RolloutMode };
  reason: string;
  gates: Gate[];
}

/** Latency differences below this are not judged by the p99 ratio (seconds). */
export const P99_FLOOR_SECONDS = 0.002;

export function evaluateGuard(
  f: GuardedFlag,
  guard: GuardConfig,
  e: EvidenceCounts,
  now: Date,
): GuardDecision {
  const gates = judgeGates(f, guard, e);
  const at = `at ${f.percent}%`;
  if (f.mode === 'killed') {
    return { action: 'none', reason: 'killed: the guard waits for an operator', gates };
  }
  const failed = gates.filter((g) => g.status === 'fail');
  if (failed.length > 0) {
    const target = breachTarget(f, guard);
    const reason = `${failed.map((g) => g.text).join('; ')} ${at}`;
    if (target.percent === f.percent && target.mode === f.mode) {
      return { action: 'none', reason: `${reason} (already rolled back)`, gates };
    }
    return { action: 'rollback', target, reason, gates };
  }
  if (f.mode === 'paused') {
    return { action: 'none', reason: 'paused: the guard never promotes a paused rollout', gates };
  }
  const missing: string[] = [];
  if (e.domainRuns < guard.minRequests) {
    missing.push(`${e.domainRuns}/${guard.minRequests} domain requests`);
  }
  const mismatchGate = gates.find((g) => g.name === 'mismatch_rate');
  if (mismatchGate?.status === 'pending') {
    const note = f.shadowPercent > 0 ? '' : ' (shadow is 0%)';
    missing.push(`${e.comparisons}/${guard.minComparisons} comparisons${note}`);
  }
  // The rate gates wait for the sample counts above; the others say what they wait for.
  for (const g of gates) {
    if (g.status === 'pending' && (g.name === 'p99_ratio' || g.name === 'sample_ratio')) {
      missing.push(g.text);
    }
  }
  if (missing.length > 0) {
    return { action: 'hold', reason: `waiting for evidence ${at}: ${missing.join(', ')}`, gates };
  }
  const next = guard.steps.find((s) => s > f.percent);
  if (next === undefined) {
    return { action: 'hold', reason: `at the last step (${f.percent}%): watching`, gates };
  }
  const held = now.getTime() - f.since.getTime();
  if (held < guard.holdMs) {
    return {
      action: 'hold',
      reason: `holding ${at}: ${fmtSeconds(held)} of ${fmtSeconds(guard.holdMs)}; next ${next}%`,
      gates,
    };
  }
  const passed = gates.filter((g) => g.status === 'pass').map((g) => g.text);
  const evidence = passed.length > 0 ? passed.join('; ') : `${e.domainRuns} domain requests`;
  return {
    action: 'promote',
    target: { percent: next, mode: 'active' },
    reason: `every gate held for ${fmtSeconds(held)} ${at}: ${evidence}`,
    gates,
  };
}

/** Where a breach sends the flag: killed, or the previous step (0 before the first), paused. */
function breachTarget(f: GuardedFlag, guard: GuardConfig): { percent: number; mode: RolloutMode } {
  if (guard.onBreach === 'kill') return { percent: f.percent, mode: 'killed' };
  const previous = guard.steps.filter((s) => s < f.percent).at(-1) ?? 0;
  return { percent: previous, mode: 'paused' };
}

function judgeGates(f: GuardedFlag, guard: GuardConfig, e: EvidenceCounts): Gate[] {
  return [
    rateGate(
      'error_rate',
      'domain error rate',
      guard.maxErrorRate,
      e.domainErrors,
      e.domainRuns,
      guard.minRequests,
      'domain requests',
    ),
    rateGate(
      'fallback_rate',
      'fallback rate',
      guard.maxFallbackRate,
      e.fallbacks,
      e.domainServed,
      // Judged on what the domain path served once the step has its domain samples.
      e.domainRuns >= guard.minRequests ? 0 : guard.minRequests,
      'domain-served requests',
    ),
    rateGate(
      'mismatch_rate',
      'real mismatch rate',
      f.read ? guard.maxMismatchRate : null,
      e.mismatches,
      e.comparisons,
      guard.minComparisons,
      'comparisons',
      e.noise,
    ),
    p99Gate(guard, e),
    sampleRatioGate(f, guard, e),
  ];
}

function rateGate(
  name: GateName,
  label: string,
  limit: number | null,
  bad: number,
  total: number,
  minimum: number,
  unit: string,
  noise?: number,
): Gate {
  if (limit === null)
    return { name, status: 'off', value: null, limit, samples: total, text: `${label}: off` };
  const value = total > 0 ? bad / total : 0;
  const noiseText = noise ? ` (noise ${fmtRate(noise / total)})` : '';
  const over = `${label} ${fmtRate(value)} > ${limit} over ${total} ${unit}${noiseText}`;
  // Already past the limit even if every remaining sample up to the minimum is good: fail now.
  if (bad > limit * Math.max(total, minimum) && bad > 0) {
    return { name, status: 'fail', value, limit, samples: total, text: over };
  }
  if (total < minimum) {
    return {
      name,
      status: 'pending',
      value,
      limit,
      samples: total,
      text: `${total}/${minimum} ${unit}`,
    };
  }
  const ok = `${label} ${fmtRate(value)} <= ${limit} over ${total} ${unit}${noiseText}`;
  return { name, status: 'pass', value, limit, samples: total, text: ok };
}

function p99Gate(guard: GuardConfig, e: EvidenceCounts): Gate {
  const name = 'p99_ratio';
  const limit = guard.maxP99Ratio;
  const nd = sum(e.domainLatency);
  const nl = sum(e.legacyLatency);
  const samples = Math.min(nd, nl);
  if (limit === null)
    return { name, status: 'off', value: null, limit, samples, text: 'p99 ratio: off' };
  if (nd < guard.minRequests || nl < guard.minRequests) {
    const text = `p99 needs ${guard.minRequests} timings per path (domain ${nd}, legacy ${nl})`;
    return { name, status: 'pending', value: null, limit, samples, text };
  }
  const d = quantile(e.domainLatency, 0.99);
  const l = quantile(e.legacyLatency, 0.99);
  const value = Math.max(d, P99_FLOOR_SECONDS) / Math.max(l, P99_FLOOR_SECONDS);
  const detail = `(domain ${fmtMs(d)}, legacy ${fmtMs(l)})`;
  const status = value > limit ? 'fail' : 'pass';
  const text = `p99 latency ratio ${value.toFixed(2)} ${status === 'fail' ? '>' : '<='} ${limit} ${detail}`;
  return { name, status, value, limit, samples, text };
}

function sampleRatioGate(f: GuardedFlag, guard: GuardConfig, e: EvidenceCounts): Gate {
  const name = 'sample_ratio';
  const limit = guard.srmPValue;
  const n = e.bucketDomain + e.bucketLegacy;
  if (limit === null || f.percent <= 0 || f.percent >= 100) {
    return { name, status: 'off', value: null, limit, samples: n, text: 'sample ratio: off' };
  }
  if (n < guard.minRequests) {
    return {
      name,
      status: 'pending',
      value: null,
      limit,
      samples: n,
      text: `${n}/${guard.minRequests} callers`,
    };
  }
  const p = sampleRatioPValue(e.bucketDomain, e.bucketLegacy, f.percent / 100);
  const observed = `domain ${e.bucketDomain} of ${n} callers, expected ${f.percent}%`;
  const status = p < limit ? 'fail' : 'pass';
  const text = `sample ratio p=${p.toPrecision(2)} ${status === 'fail' ? '<' : '>='} ${limit} (${observed})`;
  return { name, status, value: p, limit, samples: n, text };
}

/**
 * Pearson's chi-squared test (1 degree of freedom) of the observed split against the expected
 * share: the p-value of seeing a split at least this far off if routing were right.
 */
export function sampleRatioPValue(domain: number, legacy: number, share: number): number {
  const n = domain + legacy;
  if (n === 0 || share <= 0 || share >= 1) return 1;
  const ed = n * share;
  const el = n - ed;
  const chi2 = (domain - ed) ** 2 / ed + (legacy - el) ** 2 / el;
  return erfc(Math.sqrt(chi2 / 2));
}

/** Complementary error function (Numerical Recipes' erfcc; relative error < 1.2e-7). */
export function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + z / 2);
  const r =
    t *
    Math.exp(
      -z * z -
        1.26551223 +
        t *
          (1.00002368 +
            t *
              (0.37409196 +
                t *
                  (0.09678418 +
                    t *
                      (-0.18628806 +
                        t *
                          (0.27886807 +
                            t *
                              (-1.13520398 +
                                t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return x >= 0 ? r : 2 - r;
}

/**
 * Quantile q of a histogram (counts per bucket, the last one unbounded), interpolated linearly
 * within its bucket (as Prometheus does). `bounds` are the buckets' upper bounds in seconds.
 */
export function quantile(
  histogram: number[],
  q: number,
  bounds: readonly number[] = GUARD_LATENCY_BUCKETS,
): number {
  const total = sum(histogram);
  if (total === 0) return 0;
  const rank = q * total;
  let seen = 0;
  for (const [i, count] of histogram.entries()) {
    if (seen + count >= rank && count > 0) {
      const lo = i === 0 ? 0 : bounds[i - 1]!;
      const hi = bounds[i];
      if (hi === undefined) return lo; // past the last bound: at least that
      return lo + ((hi - lo) * (rank - seen)) / count;
    }
    seen += count;
  }
  return bounds.at(-1)!;
}

const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
const fmtRate = (x: number) => (x === 0 ? '0' : x.toFixed(x < 0.01 ? 4 : 2));
const fmtMs = (s: number) => `${(s * 1000).toFixed(1)} ms`;

export function fmtSeconds(ms: number): string {
  return ms < 10_000 ? `${(ms / 1000).toFixed(1)}s` : `${Math.round(ms / 1000)}s`;
}
