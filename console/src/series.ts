// Time series kept in the page: every poll of the gateway's cumulative counters is a sample,
// and each point is the change over the last WINDOW_MS (rates, the domain share of decisions,
// latency quantiles from the histogram's buckets, mismatch rates of the current step). Nothing
// is stored on the server; a reload starts the charts over. Counters are this gateway process's:
// when they go back (another process answered, or it restarted) the window starts again.
import type { Bucket, Counters, Rollout } from './types.js';

export const WINDOW_MS = 10_000;
/** Ten minutes at one poll every two seconds. */
const MAX_POINTS = 300;

interface Sample {
  t: number;
  r: Rollout;
}

export interface Point {
  /** Seconds since the epoch (uPlot's time axis). */
  t: number;
  configured: number;
  /** Share of the window's decisions routed to domain, 0-100; null without decisions. */
  share: number | null;
  domainRps: number | null;
  legacyRps: number | null;
  fallbackRps: number | null;
  domainErrorRps: number | null;
  legacyErrorRps: number | null;
  p50Domain: number | null;
  p99Domain: number | null;
  p50Legacy: number | null;
  p99Legacy: number | null;
  mismatchRate: number | null;
  noiseRate: number | null;
}

const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

export const decisionsOn = (c: Counters, path: string) =>
  sum(c.decisions.filter((d) => d.path === path).map((d) => d.count));
export const errorsOn = (c: Counters, path: string) =>
  sum(c.errors.filter((e) => e.path === path).map((e) => e.count));
export const fallbacksOf = (c: Counters) => sum(c.fallbacks.map((f) => f.count));

/** Quantile q (seconds) of the resolutions between two readings of a cumulative histogram. */
export function intervalQuantile(before: Bucket[], after: Bucket[], q: number): number | null {
  const counts = after.map((b, i) => b.count - (before[i]?.count ?? 0));
  const total = counts.at(-1) ?? 0;
  if (total <= 0) return null;
  const rank = q * total;
  for (let i = 0; i < counts.length; i++) {
    const below = i === 0 ? 0 : counts[i - 1]!;
    if (counts[i]! >= rank && counts[i]! > below) {
      const lo = i === 0 ? 0 : (after[i - 1]!.le ?? 0);
      const hi = after[i]!.le;
      if (hi === null) return lo;
      return lo + ((hi - lo) * (rank - below)) / (counts[i]! - below);
    }
  }
  return null;
}

function latency(before: Counters, after: Counters, path: string, q: number): number | null {
  const b = before.latency.find((l) => l.path === path)?.buckets ?? [];
  const a = after.latency.find((l) => l.path === path)?.buckets;
  return a ? intervalQuantile(b, a, q) : null;
}

/** One point from the sample `WINDOW_MS` back (`from`) to the newest (`to`). */
export function pointOf(from: Sample | undefined, to: Sample): Point {
  const c = to.r.counters;
  const empty: Point = {
    t: to.t / 1000,
    configured: to.r.mode === 'KILLED' ? 0 : to.r.percent,
    share: null,
    domainRps: null,
    legacyRps: null,
    fallbackRps: null,
    domainErrorRps: null,
    legacyErrorRps: null,
    p50Domain: null,
    p99Domain: null,
    p50Legacy: null,
    p99Legacy: null,
    mismatchRate: null,
    noiseRate: null,
  };
  if (!from) return empty;
  const p = from.r.counters;
  const seconds = (to.t - from.t) / 1000;
  const domain = decisionsOn(c, 'domain') - decisionsOn(p, 'domain');
  const legacy = decisionsOn(c, 'legacy') - decisionsOn(p, 'legacy');
  if (domain < 0 || legacy < 0 || seconds <= 0) return empty; // another process's counters
  const rate = (n: number) => Math.max(n, 0) / seconds;
  const e = to.r.evidence;
  const pe = from.r.evidence;
  const sameStep = pe.version === e.version;
  const comparisons = sameStep ? e.comparisons - pe.comparisons : e.comparisons;
  const mismatches = sameStep ? e.mismatches - pe.mismatches : e.mismatches;
  const noise = sameStep ? e.noise - pe.noise : e.noise;
  return {
    ...empty,
    share: domain + legacy > 0 ? (100 * domain) / (domain + legacy) : null,
    domainRps: rate(domain),
    legacyRps: rate(legacy),
    fallbackRps: rate(fallbacksOf(c) - fallbacksOf(p)),
    domainErrorRps: rate(errorsOn(c, 'domain') - errorsOn(p, 'domain')),
    legacyErrorRps: rate(errorsOn(c, 'legacy') - errorsOn(p, 'legacy')),
    p50Domain: latency(p, c, 'domain', 0.5),
    p99Domain: latency(p, c, 'domain', 0.99),
    p50Legacy: latency(p, c, 'legacy', 0.5),
    p99Legacy: latency(p, c, 'legacy', 0.99),
    mismatchRate: comparisons > 0 ? mismatches / comparisons : null,
    noiseRate: comparisons > 0 ? noise / comparisons : null,
  };
}

/** Every flag's samples and points since the page opened. */
export class SeriesStore {
  readonly #samples = new Map<string, Sample[]>();
  readonly #points = new Map<string, Point[]>();

  add(t: number, rollouts: Rollout[]): void {
    for (const r of rollouts) {
      const samples = this.#samples.get(r.flag) ?? [];
      this.#samples.set(r.flag, samples);
      samples.push({ t, r });
      // Keep just enough history for one window.
      while (samples.length > 2 && samples[1]!.t <= t - WINDOW_MS) samples.shift();
      const from = samples.length > 1 ? samples[0] : undefined;
      const points = this.#points.get(r.flag) ?? [];
      this.#points.set(r.flag, points);
      points.push(pointOf(from, { t, r }));
      if (points.length > MAX_POINTS) points.shift();
    }
  }

  points(flag: string): Point[] {
    return this.#points.get(flag) ?? [];
  }

  latest(flag: string): Point | undefined {
    return this.#points.get(flag)?.at(-1);
  }
}
