import { describe, expect, it } from 'vitest';
import {
  bucketOf,
  type DecisionInput,
  decide,
  type FlagState,
  type RolloutPath,
} from '../../src/rollout/engine.js';
import { murmur3_32 } from '../../src/rollout/murmur3.js';

const FLAG = 'events.recent';
const KEYS = Array.from({ length: 10_000 }, (_, i) => `user-${i}`);

function state(percent: number, mode: FlagState['mode'] = 'active', flag = FLAG): FlagState {
  return { flag, percent, mode };
}

function input(overrides: Partial<DecisionInput> = {}): DecisionInput {
  return { flag: FLAG, state: state(50), stickyKey: 'user-1', forceAllowed: false, ...overrides };
}

function domainKeys(percent: number, flag = FLAG): Set<string> {
  const s = state(percent, 'active', flag);
  return new Set(
    KEYS.filter(
      (k) => decide({ flag, state: s, stickyKey: k, forceAllowed: false }).path === 'domain',
    ),
  );
}

function keyInBucket(bucket: number): string {
  for (let i = 0; ; i++) if (bucketOf(FLAG, `probe-${i}`) === bucket) return `probe-${i}`;
}

describe('bucketOf', () => {
  it('is murmur3_32 of "flag:key" modulo 10000', () => {
    expect(bucketOf(FLAG, 'user-42')).toBe(murmur3_32('events.recent:user-42') % 10_000);
    expect(bucketOf(FLAG, 'user-42')).toBe(0x11d86bda % 10_000);
  });

  it('spreads keys over all 10,000 buckets roughly evenly', () => {
    const perDecile = new Array<number>(10).fill(0);
    for (const k of KEYS) {
      const b = bucketOf(FLAG, k);
      expect(b >= 0 && b < 10_000).toBe(true);
      perDecile[Math.floor(b / 1000)]! += 1;
    }
    for (const n of perDecile) expect(n).toBeGreaterThan(900);
  });
});

describe('decide', () => {
  it('sends 25% ± 1.5% of 10,000 distinct callers to the domain path at 25%', () => {
    const share = domainKeys(25).size / KEYS.length;
    expect(share).toBeGreaterThan(0.235);
    expect(share).toBeLessThan(0.265);
  });

  it('keeps a caller on the domain path when the percentage rises', () => {
    let previous = new Set<string>();
    for (const percent of [0, 5, 10, 12.5, 25, 50, 100]) {
      const current = domainKeys(percent);
      for (const k of previous) expect(current.has(k), `${k} at ${percent}%`).toBe(true);
      expect(current.size).toBeGreaterThanOrEqual(previous.size);
      previous = current;
    }
    expect(previous.size).toBe(KEYS.length);
  });

  it('gives the same decision every time for the same input', () => {
    for (const k of KEYS.slice(0, 500)) {
      const first = decide(input({ stickyKey: k }));
      for (let i = 0; i < 3; i++) expect(decide(input({ stickyKey: k }))).toEqual(first);
    }
  });

  it('draws independent buckets per flag, so one flag’s domain callers are not another’s', () => {
    const a = domainKeys(50, 'events.recent');
    const b = domainKeys(50, 'statistics.realtime');
    const overlap = [...a].filter((k) => b.has(k)).length / KEYS.length;
    // Independent halves overlap on about a quarter of callers; identical sets would give 50%.
    expect(overlap).toBeGreaterThan(0.23);
    expect(overlap).toBeLessThan(0.27);
  });

  it('decides by bucket < percent × 100, honouring fractional percentages', () => {
    const below = keyInBucket(1249);
    const at = keyInBucket(1250);
    expect(decide(input({ stickyKey: below, state: state(12.5) }))).toEqual({
      flag: FLAG,
      path: 'domain',
      reason: 'bucket',
      percent: 12.5,
      bucket: 1249,
    });
    expect(decide(input({ stickyKey: at, state: state(12.5) }))).toMatchObject({
      path: 'legacy',
      bucket: 1250,
    });
    expect(decide(input({ stickyKey: at, state: state(12.51) })).path).toBe('domain');
  });

  it('sends everyone to legacy at 0% and everyone to the domain path at 100%', () => {
    expect(domainKeys(0).size).toBe(0);
    expect(domainKeys(100).size).toBe(KEYS.length);
  });

  it.each<[RolloutPath, number]>([
    ['domain', 0],
    ['legacy', 100],
  ])('honours a force to %s at %i% when policy allows it', (force, percent) => {
    const d = decide(input({ state: state(percent), force, forceAllowed: true }));
    expect(d).toEqual({ flag: FLAG, path: force, reason: 'forced', percent });
  });

  it('honours an allowed force even on a killed flag, so operators can test the domain path', () => {
    const d = decide(input({ state: state(0, 'killed'), force: 'domain', forceAllowed: true }));
    expect(d.path).toBe('domain');
    expect(d.reason).toBe('forced');
  });

  it('ignores a force that policy does not allow, reports it, and decides by bucket', () => {
    const unforced = decide(input({ state: state(0) }));
    const d = decide(input({ state: state(0), force: 'domain', forceAllowed: false }));
    expect(d).toEqual({ ...unforced, forceIgnored: true });
    expect(d.path).toBe('legacy');
    expect(d.reason).toBe('bucket');
  });

  it('does not mark a decision as force-ignored when no force was asked for', () => {
    expect(decide(input()).forceIgnored).toBeUndefined();
  });

  it('sends every caller to legacy when the flag is killed, even at 100%', () => {
    for (const k of KEYS.slice(0, 200)) {
      const d = decide(input({ stickyKey: k, state: state(100, 'killed') }));
      expect(d).toEqual({ flag: FLAG, path: 'legacy', reason: 'killed', percent: 100 });
    }
  });

  it('reports a killed flag as killed when an unauthorised force is ignored', () => {
    const d = decide(input({ state: state(100, 'killed'), force: 'domain' }));
    expect(d).toMatchObject({ path: 'legacy', reason: 'killed', forceIgnored: true });
  });

  it('routes a paused flag exactly like an active one', () => {
    for (const k of KEYS.slice(0, 500)) {
      const active = decide(input({ stickyKey: k, state: state(30) }));
      expect(decide(input({ stickyKey: k, state: state(30, 'paused') }))).toEqual(active);
    }
  });

  it.each([undefined, ''])(
    'sends a caller without a key (%j) to legacy between 0 and 100%',
    (k) => {
      for (const percent of [0, 0.01, 50, 99.99]) {
        const d = decide(input({ stickyKey: k, state: state(percent) }));
        expect(d).toEqual({ flag: FLAG, path: 'legacy', reason: 'no_key', percent });
      }
      expect(decide(input({ stickyKey: k, state: state(100) }))).toEqual({
        flag: FLAG,
        path: 'domain',
        reason: 'no_key',
        percent: 100,
      });
    },
  );
});
