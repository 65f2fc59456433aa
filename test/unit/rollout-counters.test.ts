import { describe, expect, it } from 'vitest';
import { createMetrics, observeResolver, rolloutObserver } from '../../src/ops/metrics.js';
import { rolloutCounters } from '../../src/ops/rollout-counters.js';

const FLAG = 'events.recent';

describe('rolloutCounters', () => {
  it('reports failures per path, and p50/p99 interpolated within their buckets', async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    // 100 legacy resolutions: 50 in (0.5 ms, 1 ms], 49 in (1, 2.5], 1 in (50, 100].
    for (let i = 0; i < 50; i++) observeResolver(metrics, FLAG, 'legacy', 0.0008);
    for (let i = 0; i < 49; i++) observeResolver(metrics, FLAG, 'legacy', 0.002);
    observeResolver(metrics, FLAG, 'legacy', 0.08);
    const observer = rolloutObserver(metrics);
    observer.failed(FLAG, 'domain');
    observer.failed(FLAG, 'domain');
    observer.failed('statistics.realtime', 'legacy');

    const counters = await rolloutCounters(metrics, FLAG);
    expect(counters.errors).toEqual([
      { path: 'domain', count: 2 },
      { path: 'legacy', count: 0 },
    ]);
    const legacy = counters.latency.find((l) => l.path === 'legacy')!;
    expect(legacy.count).toBe(100);
    expect(legacy.p50Seconds).toBeCloseTo(0.001, 9); // the 50th of 100 ends the (0.5, 1] bucket
    expect(legacy.p99Seconds).toBeCloseTo(0.0025, 9); // the 99th ends the (1, 2.5] bucket
    expect(legacy.p95Seconds).toBe(0.0025);
    expect(legacy.buckets.at(0)).toEqual({ le: 0.0005, count: 0 });
    expect(legacy.buckets.find((b) => b.le === 0.001)).toEqual({ le: 0.001, count: 50 });
    expect(legacy.buckets.at(-1)).toEqual({ le: null, count: 100 });
  });

  it('has no quantiles past the last bucket bound or without timings', async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    observeResolver(metrics, FLAG, 'domain', 9);
    const [domain] = (await rolloutCounters(metrics, FLAG)).latency;
    expect(domain).toMatchObject({ path: 'domain', count: 1, p95Seconds: null, p99Seconds: 5 });
    expect((await rolloutCounters(metrics, 'alerts.rules')).latency).toEqual([]);
  });
});
