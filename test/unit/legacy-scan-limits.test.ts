// Every read of the legacy log has a time budget and a concurrency bound, lets other requests run
// while it reads, and skips a path that is not a readable file instead of failing.
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { LegacyEventLog } from '../../src/legacy/event-log.js';
import { LegacyScanRefused, ScanLimiter } from '../../src/legacy/scan-limits.js';
import { tempLogPath } from '../helpers/app.js';

const NOW = new Date('2026-11-29T10:00:00Z');
const T0 = NOW.getTime() / 1000;
const record = (ts: number, type = 'SKIP_DRYING') =>
  `{"ts":${ts},"type":"${type}","camera_id":"cam0","track_id":1,"evidence":{"region":"烘干区域","confidence":0.5}}`;

/** `lines` records over the last 24 h, none of type NOMATCH. */
async function bigLog(lines: number): Promise<string> {
  const path = await tempLogPath();
  const parts: string[] = [];
  for (let i = 0; i < lines; i++) parts.push(record(T0 - 86_000 + (i * 86_000) / lines));
  await writeFile(path, `${parts.join('\n')}\n`);
  return path;
}

const noMatch = { limit: 100, since: new Date(NOW.getTime() - 1440 * 60_000), type: 'NOMATCH' };

describe('scan limiter', () => {
  it('runs at most `concurrency` at once and refuses a request that waits past its budget', async () => {
    const limiter = new ScanLimiter({ budgetMs: 200, concurrency: 2 });
    let release!: () => void;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const a = limiter.run(() => held).catch((err: unknown) => err);
    const b = limiter.run(() => held).catch((err: unknown) => err);
    expect(limiter.usage()).toEqual({ active: 2, waiting: 0 });
    const started = performance.now();
    const c = limiter.run(async () => 'ran');
    expect(limiter.usage()).toEqual({ active: 2, waiting: 1 });
    const refused = await c.catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(LegacyScanRefused);
    expect((refused as LegacyScanRefused).extensions).toEqual({
      code: 'LEGACY_SCAN_BUSY',
      retryAfterSeconds: 1,
    });
    expect(performance.now() - started).toBeGreaterThanOrEqual(190);
    // A and B are refused at their deadline, but keep their slots until their work stops.
    expect(await a).toMatchObject({ extensions: { code: 'LEGACY_SCAN_TIMEOUT' } });
    expect(await b).toBeInstanceOf(LegacyScanRefused);
    expect(limiter.usage()).toEqual({ active: 2, waiting: 0 });
    release();
    await held;
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(limiter.usage()).toEqual({ active: 0, waiting: 0 });
    expect(await limiter.run(async () => 'ran')).toBe('ran');
  });

  it('gives a freed slot to the next request waiting', async () => {
    const limiter = new ScanLimiter({ budgetMs: 1000, concurrency: 1 });
    const order: string[] = [];
    const first = limiter.run(async () => {
      await new Promise((resolve) => setTimeout(resolve, 50));
      order.push('first');
    });
    const second = limiter.run(async () => {
      order.push('second');
    });
    await Promise.all([first, second]);
    expect(order).toEqual(['first', 'second']);
  });
});

describe('legacy reads under the limiter', () => {
  it('refuses a non-matching etype over a day of log once its budget is spent', async () => {
    const path = await bigLog(150_000);
    for (const tailCacheRecords of [0, 50_000]) {
      const log = new LegacyEventLog(path, {
        tailCacheRecords,
        limiter: new ScanLimiter({ budgetMs: 30, concurrency: 4 }),
      });
      const started = performance.now();
      const err = await log.recentEvents({ ...noMatch, since: noMatch.since }).catch((e) => e);
      const elapsed = performance.now() - started;
      expect(err).toBeInstanceOf(LegacyScanRefused);
      expect(err.extensions.code).toBe('LEGACY_SCAN_TIMEOUT');
      expect(err.message).toMatch(/within 30 ms/);
      expect(elapsed).toBeLessThan(1000);
      // The same query without a limit reads the whole day and answers.
      const unbounded = new LegacyEventLog(path, { tailCacheRecords });
      expect(await unbounded.recentEvents(noMatch)).toEqual([]);
      await Promise.all([log.close(), unbounded.close()]);
    }
  });

  it('answers a query that fits its budget, and lets other work run while it reads', async () => {
    const path = await bigLog(150_000);
    const log = new LegacyEventLog(path, {
      tailCacheRecords: 0,
      limiter: new ScanLimiter({ budgetMs: 60_000, concurrency: 1 }),
    });
    // A chain of immediates advances only when the scan gives the event loop a turn: a scan that
    // held the thread would let it run once or twice, whatever the machine's speed or load.
    let turns = 0;
    let scanning = true;
    const spin = () => {
      turns++;
      if (scanning) setImmediate(spin);
    };
    setImmediate(spin);
    expect(await log.recentEvents(noMatch)).toEqual([]);
    scanning = false;
    expect(turns).toBeGreaterThan(20);
  });
});

describe('a rotation path that is not a readable file', () => {
  it('is skipped and reported, by the reader with and without cache', async () => {
    const path = await tempLogPath();
    await writeFile(path, `${record(T0 - 10, 'NO_HAIRNET_AT_SINK')}\n`);
    await mkdir(`${path}.1`);
    await symlink(`${path}.2`, `${path}.2`);
    await writeFile(`${path}.3`, `${record(T0 - 20, 'NO_HAIRNET_AT_SINK')}\n`);
    for (const tailCacheRecords of [0, 50_000]) {
      const skipped: string[] = [];
      const log = new LegacyEventLog(path, {
        tailCacheRecords,
        onSkip: (p, reason) => skipped.push(`${p.slice(path.length)} ${reason}`),
      });
      const since = new Date(NOW.getTime() - 3600_000);
      const records = await log.recentEvents({ limit: 10, since });
      expect(records.map((r) => r.ts)).toEqual([T0 - 10, T0 - 20]);
      expect(skipped).toEqual(['.1 not a regular file', '.2 ELOOP']);
      let visited = 0;
      await log.scanSince(since, () => visited++);
      expect(visited).toBe(2);
      await log.close();
    }
  });

  it('at the live path, answers from the rotated files', async () => {
    const path = await tempLogPath();
    await mkdir(path);
    await writeFile(`${path}.1`, `${record(T0 - 10)}\n`);
    const log = new LegacyEventLog(path);
    expect(
      (await log.recentEvents({ limit: 10, since: new Date(NOW.getTime() - 60_000) })).length,
    ).toBe(1);
    await log.close();
  });
});
