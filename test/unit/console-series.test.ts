// The console's client-side time series (console/src/series.ts): rates, the domain share and
// latency quantiles over a window, from two readings of the gateway's cumulative counters.
import { describe, expect, it } from 'vitest';
import { intervalQuantile, pointOf, SeriesStore } from '../../console/src/series.js';
import type { Counters, Rollout } from '../../console/src/types.js';

const BOUNDS = [0.001, 0.005, 0.01, null];

/** Cumulative buckets from per-bucket counts. */
const buckets = (perBucket: number[]) =>
  perBucket.map((_, i) => ({
    le: BOUNDS[i]!,
    count: perBucket.slice(0, i + 1).reduce((a, b) => a + b, 0),
  }));

function rollout(
  c: { domain: number; legacy: number; fallbacks?: number; errors?: number; lat?: number[] },
  e: { version?: number; comparisons?: number; mismatches?: number; noise?: number } = {},
): Rollout {
  const counters: Counters = {
    decisions: [
      { path: 'domain', reason: 'bucket', count: c.domain },
      { path: 'legacy', reason: 'bucket', count: c.legacy },
    ],
    fallbacks: [{ cause: 'error', count: c.fallbacks ?? 0 }],
    errors: [{ path: 'domain', count: c.errors ?? 0 }],
    latency: [
      {
        path: 'domain',
        count: 0,
        meanSeconds: 0,
        p50Seconds: null,
        p99Seconds: null,
        buckets: buckets(c.lat ?? [0, 0, 0, 0]),
      },
    ],
  };
  return {
    flag: 'events.recent',
    percent: 25,
    mode: 'ACTIVE',
    counters,
    evidence: { version: 1, comparisons: 0, mismatches: 0, noise: 0, ...e },
  } as unknown as Rollout;
}

describe('console series', () => {
  it('interpolates a quantile of the resolutions between two readings', () => {
    const before = buckets([10, 0, 0, 0]);
    const after = buckets([10, 50, 50, 0]);
    expect(intervalQuantile(before, after, 0.5)).toBeCloseTo(0.005, 9);
    expect(intervalQuantile(before, after, 0.99)).toBeCloseTo(0.0099, 9);
    expect(intervalQuantile(before, before, 0.5)).toBeNull();
    expect(intervalQuantile([], buckets([0, 0, 0, 4]), 0.5)).toBe(0.01);
  });

  it('turns two samples into rates, the domain share and mismatch rates', () => {
    const from = {
      t: 0,
      r: rollout({ domain: 10, legacy: 30 }, { comparisons: 5, mismatches: 1 }),
    };
    const to = {
      t: 10_000,
      r: rollout(
        { domain: 35, legacy: 105, fallbacks: 2, errors: 3, lat: [0, 10, 0, 0] },
        { comparisons: 25, mismatches: 3, noise: 5 },
      ),
    };
    const p = pointOf(from, to);
    expect(p).toMatchObject({ t: 10, configured: 25, share: 25, domainRps: 2.5, legacyRps: 7.5 });
    expect(p).toMatchObject({ fallbackRps: 0.2, domainErrorRps: 0.3, legacyErrorRps: 0 });
    expect(p.p50Domain).toBeCloseTo(0.003, 9);
    expect(p.mismatchRate).toBeCloseTo(0.1, 9);
    expect(p.noiseRate).toBeCloseTo(0.25, 9);
  });

  it('starts over when the counters go back or the step changes', () => {
    const from = { t: 0, r: rollout({ domain: 100, legacy: 100 }, { comparisons: 50 }) };
    const restarted = pointOf(from, { t: 2000, r: rollout({ domain: 1, legacy: 1 }) });
    expect(restarted.share).toBeNull();
    const newStep = pointOf(
      { t: 0, r: rollout({ domain: 0, legacy: 0 }, { comparisons: 50, mismatches: 9 }) },
      {
        t: 2000,
        r: rollout({ domain: 0, legacy: 0 }, { version: 2, comparisons: 4, mismatches: 1 }),
      },
    );
    expect(newStep.mismatchRate).toBe(0.25);
    expect(newStep.share).toBeNull();
  });

  it('keeps a window of samples per flag and one point per poll', () => {
    const store = new SeriesStore();
    for (let i = 0; i <= 10; i++) store.add(i * 2000, [rollout({ domain: i, legacy: 3 * i })]);
    expect(store.points('events.recent')).toHaveLength(11);
    expect(store.points('events.recent')[0]!.share).toBeNull();
    // The last point spans the last 10 s: 5 domain and 15 legacy decisions.
    expect(store.latest('events.recent')).toMatchObject({ share: 25, domainRps: 0.5 });
    expect(store.points('statistics.realtime')).toEqual([]);
  });
});
