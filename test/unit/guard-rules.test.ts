// The pieces of proving a step that need no database: the structural diff and the noise rule,
// the comparators, the shadow runner's bound and budget, and the guard's judgement.
import { describe, expect, it } from 'vitest';
import type { ReadSignal } from '../../src/domain/types.js';
import { realtimeStatisticsComparator } from '../../src/fields/realtime-statistics/compare.js';
import { recentEventsComparator } from '../../src/fields/recent-events/compare.js';
import { differences, NoiseModel } from '../../src/rollout/compare.js';
import { EvidenceRecorder, emptyCounts } from '../../src/rollout/evidence.js';
import {
  evaluateGuard,
  type GuardConfig,
  type GuardedFlag,
  quantile,
  sampleRatioPValue,
} from '../../src/rollout/guard-rules.js';
import { type ShadowResult, ShadowRunner } from '../../src/rollout/shadow.js';

const event = (ts: number, extra: Record<string, unknown> = {}) => ({
  ts,
  occurredAt: new Date(ts * 1000),
  type: 'HANDWASHING_ACTIVE',
  cameraId: 'cam0',
  trackId: 1,
  evidence: { confidence: 0.9 },
  raw: '{}',
  ...extra,
});

describe('shadow comparison', () => {
  it('finds every differing field path of two event lists, numbers within 1e-9 equal', () => {
    const a = [event(2), event(1)];
    const b = [event(2, { evidence: { confidence: 0.9 + 1e-12 } }), event(1, { type: 'X' })];
    expect(differences(recentEventsComparator, a, b)).toEqual([
      { path: '1.type', primary: 'HANDWASHING_ACTIVE', shadow: 'X' },
    ]);
    expect(differences(recentEventsComparator, a, [event(2)])).toEqual([
      { path: '1', primary: expect.objectContaining({ ts: 1 }), shadow: undefined },
    ]);
  });

  it('leaves out the newest events one side has not ingested yet, and nothing else', () => {
    const log = [event(10), event(9), event(8)];
    const table = [event(9), event(8), event(7)]; // one event behind, cut by the same limit
    expect(differences(recentEventsComparator, log, table)).toEqual([]);
    const hole = [event(10), event(8), event(7)]; // missing one in the middle: a bug
    expect(differences(recentEventsComparator, log, hole).map((d) => d.path)).toContain('1.ts');
    const stale = [event(1), event(0.5), event(0.25)]; // far behind: not lag
    expect(differences(recentEventsComparator, log, stale).length).toBeGreaterThan(0);
  });

  it('counts a difference as real only on paths never seen differing between two primary runs', () => {
    const noise = new NoiseModel();
    noise.learn([{ path: '3.evidence.readAt', primary: 1, shadow: 2 }]);
    const ds = [
      { path: '0.evidence.readAt', primary: 1, shadow: 5 },
      { path: '0.type', primary: 'A', shadow: 'B' },
    ];
    expect(noise.real(ds)).toEqual([{ path: '0.type', primary: 'A', shadow: 'B' }]);
    expect(noise.patterns()).toEqual(['*.evidence.readAt']);
  });

  it('compares statistics only on what both paths know, counts within their slack', () => {
    const stats = (over: Record<string, number>, extra: object = {}) =>
      ({
        timestamp: new Date(),
        systemStatus: 'active',
        source: 'domain',
        detectionStats: {
          totalDetectionsToday: 1000,
          handwashingDetections: 500,
          disinfectionDetections: 3,
          hairnetDetections: 40,
          violationCount: 200,
          ...over,
        },
        regionStats: { activeRegions: 1, monitoredAreas: ['a'] },
        performanceMetrics: {
          averageProcessingTime: 1,
          detectionAccuracy: 1,
          systemUptimeSeconds: 5,
        },
        alerts: { activeAlerts: 1, recentViolations: [] },
        ...extra,
      }) as never;
    const c = realtimeStatisticsComparator;
    // Different sources, uptimes and totals: not comparable, not a difference.
    expect(
      differences(c, stats({}), stats({ totalDetectionsToday: 7 }, { source: 'legacy_log' })),
    ).toEqual([]);
    expect(differences(c, stats({}), stats({ handwashingDetections: 508 }))).toEqual([]);
    expect(differences(c, stats({}), stats({ violationCount: 260 }))).toEqual([
      { path: 'counts.violationCount', primary: 200, shadow: 260 },
    ]);
  });
});

describe('shadow runner', () => {
  const task = (run: (s: ReadSignal) => Promise<number[]>) => ({
    flag: 'f',
    version: 1,
    comparator: { describe: '', project: (x: number[]) => x },
    primaryPath: 'legacy' as const,
    primary: [1],
    primaryMs: 1,
    runShadow: run,
    runPrimary: async () => [1],
    args: {},
    key: null,
  });

  it('drops work past its concurrency bound and times out a slow shadow path, aborting it', async () => {
    const results: ShadowResult[] = [];
    let aborted = false;
    const runner = new ShadowRunner(
      { result: (r) => results.push(r), mismatch: () => {} },
      { maxConcurrent: 1, timeoutMs: 30, noisePercent: 0, noiseWarmup: 0 },
    );
    runner.submit(
      task(
        (signal) =>
          new Promise((_, reject) =>
            signal.addEventListener('abort', () => {
              aborted = true;
              reject(signal.reason);
            }),
          ),
      ),
    );
    runner.submit(task(async () => [1]));
    await runner.idle();
    expect(results.map((r) => r.outcome)).toEqual(['dropped', 'timeout']);
    expect(aborted).toBe(true);
    runner.submit(task(async () => [2]));
    await runner.idle();
    expect(results.at(-1)).toMatchObject({ outcome: 'mismatch', shadowPath: 'domain' });
  });
});

describe('guard judgement', () => {
  const guard: GuardConfig = {
    steps: [10, 50, 100],
    holdMs: 30_000,
    minRequests: 100,
    minComparisons: 100,
    maxErrorRate: 0.01,
    maxFallbackRate: null,
    maxMismatchRate: 0.01,
    maxP99Ratio: 2,
    srmPValue: 0.001,
    onBreach: 'previous',
  };
  const since = new Date('2026-01-01T00:00:00Z');
  const flag = (over: Partial<GuardedFlag> = {}): GuardedFlag => ({
    flag: 'f',
    percent: 50,
    mode: 'active',
    version: 3,
    since,
    shadowPercent: 100,
    read: true,
    ...over,
  });
  const counts = (over: Partial<ReturnType<typeof emptyCounts>> = {}) => {
    const c = emptyCounts();
    c.domainLatency[3] = 200; // 2–5 ms
    c.legacyLatency[3] = 200;
    return {
      ...c,
      domainRuns: 200,
      domainServed: 100,
      comparisons: 200,
      bucketDomain: 100,
      bucketLegacy: 100,
      ...over,
    };
  };
  const later = new Date(since.getTime() + 31_000);

  it('promotes once every gate held for the hold time with enough samples', () => {
    expect(evaluateGuard(flag(), guard, counts(), new Date(since.getTime() + 5000))).toMatchObject({
      action: 'hold',
      reason: 'holding at 50%: 5.0s of 30s; next 100%',
    });
    const d = evaluateGuard(flag(), guard, counts(), later);
    expect(d.action).toBe('promote');
    expect(d.target).toEqual({ percent: 100, mode: 'active' });
    expect(d.reason).toMatch(
      /^every gate held for 31s at 50%: domain error rate 0 <= 0.01 over 200 domain requests; real mismatch rate 0 <= 0.01 over 200 comparisons; p99 latency ratio 1.00 <= 2/,
    );
  });

  it('rolls back on a breach, stating the evidence, and waits for samples otherwise', () => {
    const d = evaluateGuard(flag(), guard, counts({ comparisons: 212, mismatches: 66 }), later);
    expect(d).toMatchObject({ action: 'rollback', target: { percent: 10, mode: 'paused' } });
    expect(d.reason).toBe('real mismatch rate 0.31 > 0.01 over 212 comparisons at 50%');
    const kill = evaluateGuard(
      flag(),
      { ...guard, onBreach: 'kill' },
      counts({ domainErrors: 9 }),
      later,
    );
    expect(kill.target).toEqual({ percent: 50, mode: 'killed' });
    expect(
      evaluateGuard(flag(), guard, counts({ domainRuns: 40, comparisons: 0 }), later).reason,
    ).toBe('waiting for evidence at 50%: 40/100 domain requests, 0/100 comparisons');
    expect(evaluateGuard(flag({ mode: 'paused' }), guard, counts(), later).action).toBe('none');
    expect(
      evaluateGuard(flag({ mode: 'killed' }), guard, counts({ mismatches: 100 }), later).action,
    ).toBe('none');
  });

  it('fails the sample-ratio test when the observed split does not fit the percentage', () => {
    expect(sampleRatioPValue(100, 100, 0.5)).toBeCloseTo(1, 6);
    expect(sampleRatioPValue(5200, 4800, 0.5)).toBeCloseTo(0.0000633, 6);
    const d = evaluateGuard(
      flag({ percent: 10 }),
      guard,
      counts({ bucketDomain: 100, bucketLegacy: 100 }),
      later,
    );
    expect(d.action).toBe('rollback');
    expect(d.reason).toMatch(
      /^sample ratio p=.* < 0.001 \(domain 100 of 200 callers, expected 10%\) at 10%$/,
    );
  });

  it('judges p99 latency by interpolating within histogram buckets', () => {
    const h = emptyCounts().domainLatency;
    h[4] = 100; // (5 ms, 10 ms]
    expect(quantile(h, 0.5)).toBeCloseTo(0.0075, 9);
    const slow = counts();
    slow.domainLatency = h.map((v) => v * 2);
    const d = evaluateGuard(flag(), guard, slow, later);
    expect(d.action).toBe('rollback');
    expect(d.reason).toMatch(/p99 latency ratio 2.0\d > 2 \(domain 10.0 ms, legacy 5.0 ms\)/);
  });

  it('publishes only the newest step of a flag, counting each caller once', () => {
    const r = new EvidenceRecorder();
    r.bucket('f', 1, 'domain', 'k');
    r.bucket('f', 1, 'domain', 'k');
    r.bucket('f', 2, 'legacy', 'k');
    r.comparison('f', 1, 'match'); // late report of the old step
    expect(
      r.takeChanged()?.map((e) => [e.version, e.bucketDomain, e.bucketLegacy, e.comparisons]),
    ).toEqual([[2, 0, 1, 0]]);
    expect(r.takeChanged()).toBeNull();
  });
});
