// The demo's pretend users: valid reads of the migrated fields, spread over time and sticky keys,
// never piling onto a slow gateway, and stopped cleanly.
import { parse, validate } from 'graphql';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createDemoCallers, DEMO_READS } from '../../src/demo/callers.js';
import { seededRng } from '../../src/demo/simulator.js';
import { schema } from '../../src/schema.js';

afterEach(() => {
  vi.useRealTimers();
});

describe('demo callers', () => {
  it('send valid reads of migrated fields', () => {
    for (const query of DEMO_READS) expect(validate(schema, parse(query))).toEqual([]);
  });

  it('send the set rate with sticky keys, report failures, and stop', async () => {
    vi.useFakeTimers();
    const seen: { key: string | null; query: string }[] = [];
    const errors: unknown[] = [];
    let n = 0;
    const callers = createDemoCallers({
      perSecond: 10,
      users: 5,
      rng: seededRng(1),
      onError: (e) => errors.push(e),
      fetch: async (_url, init) => {
        seen.push({
          key: new Headers(init.headers).get('x-rollout-key'),
          query: JSON.parse(String(init.body)).query,
        });
        n++;
        if (n === 3) throw new Error('refused');
        return new Response('{}', { status: n === 4 ? 503 : 200 });
      },
    });
    callers.start();
    callers.start(); // once is enough
    await vi.advanceTimersByTimeAsync(1000);
    await callers.stop();
    expect(seen).toHaveLength(10);
    expect(new Set(seen.map((s) => s.key)).size).toBeGreaterThan(1);
    expect(seen.every((s) => /^demo-user-[0-4]$/.test(s.key ?? ''))).toBe(true);
    expect(new Set(seen.map((s) => s.query)).size).toBeGreaterThan(1);
    expect(errors.map(String)).toEqual(['Error: refused', 'Error: HTTP 503']);
    await vi.advanceTimersByTimeAsync(1000);
    expect(seen).toHaveLength(10);
  });

  it('wait for a slow gateway instead of piling requests onto it, and 0 sends nothing', async () => {
    vi.useFakeTimers();
    let release: () => void = () => {};
    const fetch = vi.fn(
      () =>
        new Promise<Response>((resolve) => {
          release = () => resolve(new Response('{}'));
        }),
    );
    const slow = createDemoCallers({ perSecond: 1, fetch });
    slow.start();
    await vi.advanceTimersByTimeAsync(5000);
    expect(fetch).toHaveBeenCalledTimes(1);
    expect(slow.inFlight).toBe(1);
    release();
    await slow.stop();
    expect(slow.inFlight).toBe(0);
    const none = createDemoCallers({ perSecond: 0, fetch });
    none.start();
    await vi.advanceTimersByTimeAsync(5000);
    expect(fetch).toHaveBeenCalledTimes(1);
  });
});
