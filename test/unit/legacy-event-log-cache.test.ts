// The legacy reader's tail cache, case by case: what a request reads from the file (bytesRead)
// shows whether it was answered from memory, and every answer is checked against a reader
// without cache (tailCacheRecords: 0) over the same files.
import { appendFile, mkdtemp, rename, rm, truncate, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RecentEventsQuery } from '../../src/domain/types.js';
import { LegacyEventLog, type LegacyEventLogOptions } from '../../src/legacy/event-log.js';

const T0 = 1_795_921_000;
const since = (ts: number) => new Date(ts * 1000);
const line = (ts: number, fields: Record<string, unknown> = {}) =>
  JSON.stringify({ ts, type: 'SKIP_DRYING', camera_id: 'cam0', ...fields });
const lines = (...ls: string[]) => ls.map((l) => `${l}\n`).join('');
const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);

let dir: string;
let path: string;
const open: LegacyEventLog[] = [];
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'legacy-cache-'));
  path = join(dir, 'events_record.jsonl');
});
afterEach(async () => {
  await Promise.all(open.splice(0).map((log) => log.close()));
  await rm(dir, { recursive: true, force: true });
});

function reader(opts: LegacyEventLogOptions = {}): LegacyEventLog {
  const log = new LegacyEventLog(path, { orderToleranceSeconds: 5, ...opts });
  open.push(log);
  return log;
}

/** Asks the cached reader, checks the answer and the counts against a fresh uncached reader. */
async function ask(log: LegacyEventLog, q: RecentEventsQuery, opts: LegacyEventLogOptions = {}) {
  const got = await log.recentEventsWithStats(q);
  const plain = reader({ ...opts, tailCacheRecords: 0 });
  const want = await plain.recentEventsWithStats(q);
  expect(got.records.map((r) => r.raw)).toEqual(want.records.map((r) => r.raw));
  expect([got.linesRead, got.damaged]).toEqual([want.linesRead, want.damaged]);
  return got;
}

const newest = (limit: number, from = T0): RecentEventsQuery => ({ limit, since: since(from) });

describe('LegacyEventLog tail cache', () => {
  it('answers a repeated request from memory, with the same records and counts', async () => {
    await writeFile(path, lines(...range(0, 50).map((i) => line(T0 + i)), 'damaged', ''));
    const log = reader();
    const first = await ask(log, newest(10));
    expect(first.bytesRead).toBeGreaterThan(0);
    const again = await ask(log, newest(10));
    expect(again).toMatchObject({ bytesRead: 0, damaged: 1, linesRead: first.linesRead });
    expect(again.records).toEqual(first.records);
  });

  it('reads only the appended bytes, and holds back a partial line until it is completed', async () => {
    await writeFile(path, lines(line(T0 + 1), line(T0 + 2)));
    const log = reader();
    await ask(log, newest(10));
    const next = line(T0 + 3);
    await appendFile(path, next.slice(0, 10));
    const partial = await ask(log, newest(10));
    expect(partial.records.map((r) => r.ts)).toEqual([T0 + 2, T0 + 1]);
    // The fingerprint before the old end, and the new bytes.
    expect(partial.bytesRead).toBeLessThanOrEqual(256 + 10);
    await appendFile(path, `${next.slice(10)}\n${line(T0 + 4)}\n`);
    const completed = await ask(log, newest(10));
    expect(completed.records.map((r) => r.ts)).toEqual([T0 + 4, T0 + 3, T0 + 2, T0 + 1]);
    expect(completed.bytesRead).toBeLessThan(256 + 2 * next.length + 2);
    expect((await ask(log, newest(10))).bytesRead).toBe(0);
  });

  it('follows a rotation: the new file is read, the rotated one still comes from memory', async () => {
    await writeFile(path, lines(...range(0, 20).map((i) => line(T0 + i))));
    const log = reader();
    await ask(log, newest(100));
    await rename(path, `${path}.1`);
    await writeFile(path, lines(line(T0 + 20), line(T0 + 21)));
    const after = await ask(log, newest(100));
    expect(after.records).toHaveLength(22);
    expect(after.bytesRead).toBe(2 * (line(T0 + 20).length + 1));
    expect(log.cacheUsage()).toMatchObject({ segments: 2, lines: 22 });
    expect((await ask(log, newest(100))).bytesRead).toBe(0);
  });

  it('reads the unterminated last line of a rotated file, also from a cached segment', async () => {
    await writeFile(path, `${lines(line(T0 + 1))}${line(T0 + 2)}`);
    const log = reader();
    expect((await ask(log, newest(10))).records).toHaveLength(1);
    await rename(path, `${path}.1`);
    expect((await ask(log, newest(10))).records.map((r) => r.ts)).toEqual([T0 + 2, T0 + 1]);
  });

  it('starts over after a truncation, and after a rewrite that made the file longer', async () => {
    await writeFile(path, lines(line(T0 + 1, { camera_id: 'old' }), line(T0 + 2)));
    const log = reader();
    await ask(log, newest(10));
    await truncate(path, 0);
    expect((await ask(log, newest(10))).records).toEqual([]);
    await appendFile(path, lines(line(T0 + 3)));
    await ask(log, newest(10));
    // Truncated and regrown past the old size before the next request: same inode, larger
    // size, but the bytes before the cached end changed.
    await truncate(path, 0);
    await appendFile(path, lines(line(T0 + 4, { camera_id: 'new' }), line(T0 + 5), line(T0 + 6)));
    const got = await ask(log, newest(10));
    expect(got.records.map((r) => r.ts)).toEqual([T0 + 6, T0 + 5, T0 + 4]);
  });

  it('does not take a rewrite for an append when the newest line it read was empty', async () => {
    const before = lines(
      line(T0 + 1, { camera_id: 'old' }),
      line(T0 + 2, { camera_id: 'old' }),
      '',
    );
    await writeFile(path, before);
    const log = reader();
    await ask(log, newest(10));
    // Rewritten and grown, with a newline where the empty newest line's was: the bytes just
    // before the cached end look the same, the lines before them are new.
    const first = line(T0 + 4, { camera_id: 'new', pad: '' });
    const padded = line(T0 + 4, {
      camera_id: 'new',
      pad: 'x'.repeat(before.length - 1 - first.length),
    });
    await truncate(path, 0);
    await appendFile(path, lines(padded, line(T0 + 5), line(T0 + 6)));
    const got = await ask(log, newest(10));
    expect(got.records.map((r) => r.ts)).toEqual([T0 + 6, T0 + 5, T0 + 4]);
  });

  it('starts over when another file replaces the log under the same name', async () => {
    await writeFile(path, lines(line(T0 + 1), line(T0 + 2)));
    const log = reader();
    await ask(log, newest(10));
    await writeFile(`${path}.tmp`, lines(line(T0 + 7), line(T0 + 8)));
    await rename(`${path}.tmp`, path);
    expect((await ask(log, newest(10))).records.map((r) => r.ts)).toEqual([T0 + 8, T0 + 7]);
    expect(log.cacheUsage().segments).toBe(1);
  });

  it('keeps at most the configured lines, reading older ones from the file', async () => {
    await writeFile(path, lines(...range(0, 300).map((i) => line(T0 + i))));
    const log = reader({ tailCacheRecords: 32 });
    await ask(log, newest(10, T0 + 250));
    const deep = await ask(log, newest(200));
    expect(deep.records).toHaveLength(200);
    expect(log.cacheUsage().lines).toBeLessThanOrEqual(32);
    // The newest lines stay: a small request is still answered from memory.
    expect((await ask(log, newest(10, T0 + 250))).bytesRead).toBe(0);
    // Appends push the oldest kept lines out.
    await appendFile(path, lines(...range(300, 340).map((i) => line(T0 + i))));
    await ask(log, newest(10, T0 + 250));
    expect(log.cacheUsage().lines).toBeLessThanOrEqual(32);
    await ask(log, newest(1000));
  });

  it('bounds the cached text by bytes too', async () => {
    await writeFile(path, lines(...range(0, 100).map((i) => line(T0 + i))));
    const log = reader({ tailCacheBytes: 1000 });
    await ask(log, newest(100));
    expect(log.cacheUsage().bytes).toBeLessThanOrEqual(1000);
    expect(log.cacheUsage().lines).toBeGreaterThan(0);
  });

  it('extends the cache for older lines when a request needs them, once however many ask', async () => {
    await writeFile(path, lines(...range(0, 400).map((i) => line(T0 + i))));
    const log = reader({ chunkSize: 512 });
    await ask(log, newest(1, T0 + 399));
    const all = await Promise.all(range(0, 6).map(() => log.recentEventsWithStats(newest(400))));
    for (const scan of all) expect(scan.records).toHaveLength(400);
    // Each kept line once: the extensions that lost the race did not add theirs again.
    expect(log.cacheUsage().lines).toBe(400);
    expect((await ask(log, newest(400))).bytesRead).toBe(0);
  });

  it('refreshes once for concurrent requests after the file grew', async () => {
    await writeFile(path, lines(line(T0 + 1)));
    const log = reader();
    await ask(log, newest(10));
    const appended = lines(line(T0 + 2), line(T0 + 3));
    await appendFile(path, appended);
    const scans = await Promise.all(range(0, 8).map(() => log.recentEventsWithStats(newest(10))));
    for (const scan of scans)
      expect(scan.records.map((r) => r.ts)).toEqual([T0 + 3, T0 + 2, T0 + 1]);
    const read = scans.map((s) => s.bytesRead).filter((n) => n > 0);
    expect(read).toHaveLength(1);
    expect(read[0]).toBe(line(T0 + 1).length + 1 + appended.length);
  });

  it('scans a window for the statistics through the cache as well', async () => {
    await writeFile(path, lines(...range(0, 30).map((i) => line(T0 + i)), 'bad'));
    const log = reader();
    const visited: number[] = [];
    const first = await log.scanSince(since(T0 + 10), (r) => visited.push(r.ts - T0));
    const again = await log.scanSince(since(T0 + 10), () => {});
    expect(visited).toEqual(range(10, 30).reverse());
    expect(again).toEqual({ ...first, bytesRead: 0 });
  });

  it('closes the files of segments whose files were deleted by later rotations', async () => {
    const log = reader({ maxRotated: 1 });
    await writeFile(path, lines(line(T0 + 1)));
    await ask(log, newest(10));
    await rename(path, `${path}.1`);
    await writeFile(path, lines(line(T0 + 2)));
    await ask(log, newest(10));
    expect(log.cacheUsage().segments).toBe(2);
    // The next rotation deletes the first file (.1 is replaced).
    await rename(path, `${path}.1`);
    await writeFile(path, lines(line(T0 + 3)));
    await ask(log, newest(10));
    expect(log.cacheUsage().segments).toBe(2);
    await unlink(path);
    await ask(log, newest(10));
    expect(log.cacheUsage().segments).toBe(1);
  });

  it('answers like the reader without cache for empty files and files of blank lines', async () => {
    const log = reader();
    await ask(log, newest(10));
    await writeFile(path, '');
    await ask(log, newest(10));
    await writeFile(path, '\n\n');
    await ask(log, newest(10));
    await appendFile(path, `${line(T0 + 1)}\n\n`);
    await ask(log, newest(10));
    await writeFile(`${path}.x`, `\n${line(T0 + 2)}\n`);
    await rename(`${path}.x`, path);
    await ask(log, newest(10));
    await appendFile(path, lines(line(T0 + 3)));
    expect((await ask(log, newest(10))).records.map((r) => r.ts)).toEqual([T0 + 3, T0 + 2]);
  });

  it('can be turned off, and closed and used again', async () => {
    await writeFile(path, lines(line(T0 + 1)));
    const off = reader({ tailCacheRecords: 0 });
    await ask(off, newest(10));
    expect(off.cacheUsage()).toEqual({ segments: 0, lines: 0, bytes: 0 });
    const log = reader();
    await ask(log, newest(10));
    await log.close();
    expect(log.cacheUsage().segments).toBe(0);
    expect((await ask(log, newest(10))).bytesRead).toBeGreaterThan(0);
  });
});
