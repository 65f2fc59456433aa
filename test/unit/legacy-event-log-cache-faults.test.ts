// The tail cache when reading fails or the file moves at the wrong moment: a failed read fails
// that request only (the cache is not left half-updated), and a file renamed between the stat and
// the open is read as the reader without cache would.
import { appendFileSync, renameSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it, vi } from 'vitest';
import { LegacyEventLog } from '../../src/legacy/event-log.js';

const faults = vi.hoisted(() => ({
  reads: 0,
  fstats: 0,
  beforeOpen: undefined as (() => void) | undefined,
}));

vi.mock('node:fs', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:fs')>();
  const { promisify: p } = await import('node:util');
  const eio = () => Object.assign(new Error('EIO: i/o error'), { code: 'EIO' });
  const failing = <F extends (...args: never[]) => unknown>(fn: F, key: 'reads' | 'fstats') => {
    const promised = p(fn) as (...args: unknown[]) => Promise<unknown>;
    const wrapped = (...args: unknown[]) =>
      (fn as unknown as (...a: unknown[]) => unknown)(...args);
    return Object.assign(wrapped, {
      [p.custom]: (...args: unknown[]) => {
        if (faults[key] === 0) return promised(...args);
        faults[key]--;
        return Promise.reject(eio());
      },
    });
  };
  const open = (...args: unknown[]) => {
    const hook = faults.beforeOpen;
    faults.beforeOpen = undefined;
    hook?.();
    return (real.open as (...a: unknown[]) => unknown)(...args);
  };
  return { ...real, read: failing(real.read, 'reads'), fstat: failing(real.fstat, 'fstats'), open };
});

const T0 = 1_795_921_000;
const line = (ts: number) => `${JSON.stringify({ ts, type: 'SKIP_DRYING', camera_id: 'cam0' })}\n`;
const query = { limit: 10, since: new Date(T0 * 1000) };

let dir: string;
let path: string;
let log: LegacyEventLog;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'legacy-cache-faults-'));
  path = join(dir, 'events.jsonl');
  log = new LegacyEventLog(path, { orderToleranceSeconds: 5 });
  Object.assign(faults, { reads: 0, fstats: 0, beforeOpen: undefined });
});
afterEach(async () => {
  await log.close();
  await rm(dir, { recursive: true, force: true });
});

async function expectExact() {
  const plain = new LegacyEventLog(path, { orderToleranceSeconds: 5, tailCacheRecords: 0 });
  const [got, want] = [await log.recentEvents(query), await plain.recentEvents(query)];
  expect(got.map((r) => r.raw)).toEqual(want.map((r) => r.raw));
  return got.map((r) => r.ts - T0);
}

it('fails the request whose refresh could not read, and the next one refreshes again', async () => {
  writeFileSync(path, line(T0 + 1));
  await expectExact();
  appendFileSync(path, line(T0 + 2) + line(T0 + 3));
  faults.reads = 1;
  await expect(log.recentEvents(query)).rejects.toThrow('EIO');
  expect(await expectExact()).toEqual([3, 2, 1]);
  expect((await log.recentEventsWithStats(query)).bytesRead).toBe(0);
});

it('lets requests waiting on a refresh that failed refresh for themselves', async () => {
  writeFileSync(path, line(T0 + 1));
  await expectExact();
  appendFileSync(path, line(T0 + 2));
  faults.fstats = 1;
  const results = await Promise.allSettled([1, 2, 3].map(() => log.recentEvents(query)));
  expect(results.map((r) => r.status)).toEqual(['rejected', 'fulfilled', 'fulfilled']);
  for (const r of results) {
    if (r.status === 'fulfilled') expect(r.value.map((e) => e.ts - T0)).toEqual([2, 1]);
  }
});

it('fails a first request that cannot stat or read the file, and fills on the next', async () => {
  writeFileSync(path, line(T0 + 1) + line(T0 + 2));
  faults.fstats = 1;
  await expect(log.recentEvents(query)).rejects.toThrow('EIO');
  faults.reads = 1;
  await expect(log.recentEvents(query)).rejects.toThrow('EIO');
  expect(await expectExact()).toEqual([2, 1]);
  expect((await log.recentEventsWithStats(query)).bytesRead).toBe(0);
});

it('reads a file rotated between its stat and its open without the cache, missing nothing', async () => {
  writeFileSync(path, line(T0 + 1) + line(T0 + 2));
  faults.beforeOpen = () => {
    renameSync(path, `${path}.1`);
    writeFileSync(path, line(T0 + 3));
  };
  // The stat saw the old file at the path, the open found the new one: the new one is read
  // without cache, then the old one at .1 through the cache.
  expect(await expectExact()).toEqual([3, 2, 1]);
  expect(await expectExact()).toEqual([3, 2, 1]);
  expect(log.cacheUsage().segments).toBe(2);
});

it('reads a file deleted between its stat and its open as missing', async () => {
  writeFileSync(path, line(T0 + 1));
  faults.beforeOpen = () => renameSync(path, join(dir, 'elsewhere'));
  expect(await expectExact()).toEqual([]);
});
