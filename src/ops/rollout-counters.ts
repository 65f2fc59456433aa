// Live counters of one flag for the admin API, read from this process's metrics registry (the
// same numbers /metrics exports), so an operator sees decisions, fallbacks and latency next to
// the state without a Prometheus server. They count since this process started.
import { flagLabel, type Metrics } from './metrics.js';

export interface RolloutCounters {
  decisions: { path: string; reason: string; count: number }[];
  fallbacks: { cause: string; count: number }[];
  latency: { path: string; count: number; meanSeconds: number; p95Seconds: number | null }[];
}

export async function rolloutCounters(metrics: Metrics, flag: string): Promise<RolloutCounters> {
  const label = flagLabel(metrics, flag);
  const [decisions, fallbacks, latency] = await Promise.all([
    metrics.decisions.get(),
    metrics.fallbacks.get(),
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
    latency: [...byPath].map(([path, e]) => ({
      path,
      count: e.count,
      meanSeconds: e.count > 0 ? e.sum / e.count : 0,
      p95Seconds: quantileUpperBound(e.buckets, e.count, 0.95),
    })),
  };
}

/**
 * The upper bound of the histogram bucket holding quantile `q`: an honest "at most" (the
 * buckets are cumulative). Null when empty or when the quantile lies past the last finite bucket.
 */
function quantileUpperBound(
  buckets: [le: number, cumulative: number][],
  count: number,
  q: number,
): number | null {
  if (count === 0) return null;
  const sorted = [...buckets].sort((a, b) => a[0] - b[0]);
  const hit = sorted.find(([, cumulative]) => cumulative >= q * count);
  return hit && Number.isFinite(hit[0]) ? hit[0] : null;
}
