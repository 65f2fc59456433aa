// Live counters of one flag for the admin API, read from this process's metrics registry (the
// same numbers /metrics exports), so an operator sees decisions, fallbacks, failures and latency
// next to the state without a Prometheus server. They count since this process started.
import { quantile } from '../rollout/guard-rules.js';
import { flagLabel, LATENCY_BUCKETS, type Metrics } from './metrics.js';

export interface LatencyBucket {
  /** Upper bound in seconds; null for the last, unbounded bucket. */
  le: number | null;
  /** Resolutions that took at most `le` (cumulative, as Prometheus). */
  count: number;
}

export interface RolloutCounters {
  decisions: { path: string; reason: string; count: number }[];
  fallbacks: { cause: string; count: number }[];
  errors: { path: string; count: number }[];
  latency: {
    path: string;
    count: number;
    meanSeconds: number;
    p50Seconds: number | null;
    p95Seconds: number | null;
    p99Seconds: number | null;
    buckets: LatencyBucket[];
  }[];
}

export async function rolloutCounters(metrics: Metrics, flag: string): Promise<RolloutCounters> {
  const label = flagLabel(metrics, flag);
  const [decisions, fallbacks, errors, latency] = await Promise.all([
    metrics.decisions.get(),
    metrics.fallbacks.get(),
    metrics.pathErrors.get(),
    metrics.resolverDuration.get(),
  ]);
  const mine = <T extends { labels: Record<string, unknown> }>(values: T[]) =>
    values.filter((v) => v.labels.flag === label);
  const byPath = new Map<string, { count: number; sum: number; buckets: [number, number][] }>();
  for (const v of mine(latency.values)) {
    const path = String(v.labels.path);
    const entry = byPath.get(path) ?? { count: 0, sum: 0, buckets: [] };
    byPath.set(path, entry);
    if (v.metricName?.endsWith('_count')) entry.count = v.value;
    else if (v.metricName?.endsWith('_sum')) entry.sum = v.value;
    else entry.buckets.push([Number((v.labels as { le?: number | string }).le), v.value]);
  }
  return {
    decisions: mine(decisions.values).map((v) => ({
      path: String(v.labels.path),
      reason: String(v.labels.reason),
      count: v.value,
    })),
    fallbacks: mine(fallbacks.values).map((v) => ({
      cause: String(v.labels.cause),
      count: v.value,
    })),
    errors: mine(errors.values).map((v) => ({ path: String(v.labels.path), count: v.value })),
    latency: [...byPath].map(([path, e]) => {
      const sorted = [...e.buckets].sort((a, b) => a[0] - b[0]);
      const perBucket = sorted.map(([, cumulative], i) => cumulative - (sorted[i - 1]?.[1] ?? 0));
      const interpolated = (q: number) =>
        e.count > 0 ? quantile(perBucket, q, LATENCY_BUCKETS) : null;
      return {
        path,
        count: e.count,
        meanSeconds: e.count > 0 ? e.sum / e.count : 0,
        p50Seconds: interpolated(0.5),
        p95Seconds: quantileUpperBound(sorted, e.count, 0.95),
        p99Seconds: interpolated(0.99),
        buckets: sorted.map(([le, count]) => ({ le: Number.isFinite(le) ? le : null, count })),
      };
    }),
  };
}

/**
 * The upper bound of the histogram bucket holding quantile `q`: an honest "at most" (the
 * buckets are cumulative and sorted). Null when empty or when the quantile lies past the last
 * finite bucket.
 */
function quantileUpperBound(
  sorted: [le: number, cumulative: number][],
  count: number,
  q: number,
): number | null {
  if (count === 0) return null;
  const hit = sorted.find(([, cumulative]) => cumulative >= q * count);
  return hit && Number.isFinite(hit[0]) ? hit[0] : null;
}
