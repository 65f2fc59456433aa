import {
  appendFile,
  copyFile,
  mkdtemp,
  readFile,
  rename,
  rm,
  stat,
  truncate,
  writeFile,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { asc, eq, sql } from 'drizzle-orm';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { events, ingestCheckpoints } from '../../src/db/schema.js';
import { createIngester } from '../../src/ingest/ingester.js';
import { describeEachDb } from '../helpers/db.js';

const BASE_TS = 1795921649.509718;

/** A record in the legacy pipeline's format; `i` makes each one distinct. */
function line(i: number, type = 'HANDWASHING_ACTIVE'): string {
  const ts = (BASE_TS + i).toFixed(6);
  return `{"ts":${ts},"type":"${type}","camera_id":"cam${i % 8}","track_id":${100 + i},"evidence":{"region":"洗手池区域","confidence":0.976,"bbox":[1489,735,1679,1103]}}`;
}
const lines = (from: number, to: number) =>
  Array.from({ length: to - from + 1 }, (_, k) => `${line(from + k)}\n`).join('');

describeEachDb('log ingester', (db) => {
  let dir: string;
  let logPath: string;
  const ingester = (batchLines?: number) =>
    createIngester({ handle: db(), logPath, ...(batchLines ? { batchLines } : {}) });
  const count = async () =>
    Number((await db().rows<{ n: number }>(sql`select count(*)::int as n from events`))[0]?.n);
  const tracks = async () =>
    (await db().db.select({ t: events.trackId }).from(events).orderBy(asc(events.trackId))).map(
      (r) => r.t! - 100,
    );
  const checkpoint = async () =>
    (
      await db().db.select().from(ingestCheckpoints).where(eq(ingestCheckpoints.logPath, logPath))
    )[0];

  beforeEach(async () => {
    // One database per file: each test starts from empty tables and its own log directory.
    await db().rows(sql`truncate events, ingest_checkpoints`);
    dir = await mkdtemp(join(tmpdir(), 'ingest-'));
    logPath = join(dir, 'events_record.jsonl');
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('stores one row per valid line with the columns as logged', async () => {
    await writeFile(logPath, lines(1, 3));
    const result = await ingester().runOnce();
    expect(result).toMatchObject({ linesRead: 3, inserted: 3, duplicates: 0, skipped: 0 });
    const rows = await db().db.select().from(events).orderBy(asc(events.ts));
    expect(rows).toHaveLength(3);
    expect(rows[0]).toMatchObject({
      ts: BASE_TS + 1,
      occurredAt: new Date((BASE_TS + 1) * 1000),
      type: 'HANDWASHING_ACTIVE',
      cameraId: 'cam1',
      trackId: 101,
      evidence: { region: '洗手池区域', confidence: 0.976, bbox: [1489, 735, 1679, 1103] },
      raw: line(1),
    });
    expect(new Set(rows.map((r) => r.sourceKey)).size).toBe(3);
    expect(await checkpoint()).toMatchObject({ linesIngested: 3, linesSkipped: 0 });
  });

  it('adds nothing when a restarted ingester reads the same log again', async () => {
    await writeFile(logPath, lines(1, 5));
    await ingester().runOnce();
    expect(await ingester().runOnce()).toMatchObject({ linesRead: 0, inserted: 0 });
    expect(await count()).toBe(5);
  });

  it('adds nothing even when the checkpoint is lost and every line is read again', async () => {
    await writeFile(logPath, lines(1, 5));
    await ingester().runOnce();
    await db().db.delete(ingestCheckpoints);
    expect(await ingester().runOnce()).toMatchObject({ linesRead: 5, inserted: 0, duplicates: 5 });
    expect(await count()).toBe(5);
  });

  it('keeps two byte-identical records as two events, as the log holds two', async () => {
    await writeFile(logPath, `${line(1)}\n${line(1)}\n`);
    expect(await ingester().runOnce()).toMatchObject({ inserted: 2 });
  });

  it('picks up lines appended after the previous run', async () => {
    await writeFile(logPath, lines(1, 3));
    const ing = ingester();
    await ing.runOnce();
    await appendFile(logPath, lines(4, 6));
    expect(await ing.runOnce()).toMatchObject({ linesRead: 3, inserted: 3 });
    expect(await tracks()).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('leaves a partial last line until it is completed', async () => {
    const partial = line(3);
    await writeFile(logPath, lines(1, 2) + partial.slice(0, 40));
    expect(await ingester().runOnce()).toMatchObject({ inserted: 2, skipped: 0 });
    expect((await checkpoint())?.position).toBe(Buffer.byteLength(lines(1, 2)));
    await appendFile(logPath, `${partial.slice(40)}\n`);
    expect(await ingester().runOnce()).toMatchObject({ inserted: 1, skipped: 0 });
    expect(await tracks()).toEqual([1, 2, 3]);
  });

  it('skips damaged lines, counting them by reason, and ingests the valid ones around them', async () => {
    const damaged = [
      line(1),
      '{"ts":1795921650.1,"type":"SKIP_DRYI', // torn by a crash, then a newline
      '[1,2,3]',
      '{"type":"SKIP_DRYING","camera_id":"cam1"}',
      '{"ts":"abc","type":"SKIP_DRYING"}',
      '',
      '   ',
      '{"ts":1795921660.5,"type":"X","evidence":{"confidence":NaN,"score":Infinity}}',
      line(2),
    ];
    await writeFile(logPath, `${damaged.join('\n')}\n`);
    const ing = ingester();
    const result = await ing.runOnce();
    expect(result).toMatchObject({
      linesRead: 7,
      inserted: 3,
      skipped: 4,
      skippedByReason: { not_json: 1, not_object: 1, bad_ts: 2 },
    });
    expect(ing.stats().skippedByReason).toEqual({ not_json: 1, not_object: 1, bad_ts: 2 });
    expect(await checkpoint()).toMatchObject({ linesIngested: 3, linesSkipped: 4 });
    const [nan] = await db().db.select().from(events).where(eq(events.type, 'X'));
    expect(nan?.evidence).toEqual({ confidence: null, score: null });
  });

  it('stores values PostgreSQL cannot hold (NUL, lone surrogates) with a replacement character', async () => {
    await writeFile(
      logPath,
      `{"ts":1795921660.5,"type":"a\\u0000b","evidence":{"k":"\\ud800"}}\n${line(1)}\n`,
    );
    expect(await ingester().runOnce()).toMatchObject({ inserted: 2 });
    const [row] = await db().db.select().from(events).where(eq(events.type, 'a\ufffdb'));
    expect(row?.evidence).toEqual({ k: '\ufffd' });
  });

  it('follows a rotation, including lines appended to the old file just before it', async () => {
    await writeFile(logPath, lines(1, 3));
    await ingester().runOnce();
    await appendFile(logPath, lines(4, 5));
    await rename(logPath, `${logPath}.1`);
    await writeFile(logPath, lines(6, 7));
    expect(await ingester().runOnce()).toMatchObject({ inserted: 4, duplicates: 0, files: 2 });
    expect(await ingester().runOnce()).toMatchObject({ inserted: 0 });
    expect(await tracks()).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(await checkpoint()).toMatchObject({ linesIngested: 7 });
  });

  it('reads every file rotated past since the last run, oldest first', async () => {
    await writeFile(logPath, lines(1, 2));
    await ingester().runOnce();
    await appendFile(logPath, lines(3, 3));
    await rename(logPath, `${logPath}.1`);
    await writeFile(logPath, lines(4, 5));
    await rename(`${logPath}.1`, `${logPath}.2`);
    await rename(logPath, `${logPath}.1`);
    await writeFile(logPath, lines(6, 6));
    expect(await ingester().runOnce()).toMatchObject({ inserted: 4, files: 3 });
    expect(await tracks()).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('finishes the renamed file even when the new file starts with the same line', async () => {
    await writeFile(logPath, lines(1, 3));
    await ingester().runOnce();
    await appendFile(logPath, lines(4, 4));
    await rename(logPath, `${logPath}.1`);
    await writeFile(logPath, `${line(1)}\n${line(9)}\n`);
    await ingester().runOnce();
    // line(1) of the new file shares file head, offset and bytes with the old one's: one event.
    expect(await tracks()).toEqual([1, 2, 3, 4, 9]);
  });

  it('starts the new file from its beginning when the checkpointed file is gone', async () => {
    await writeFile(logPath, lines(1, 20));
    await ingester().runOnce();
    await rm(logPath);
    await writeFile(logPath, lines(21, 22));
    expect(await ingester().runOnce()).toMatchObject({ inserted: 2 });
    expect(await count()).toBe(22);
  });

  it('restarts from the beginning when the file shrank below the checkpoint', async () => {
    await writeFile(logPath, lines(1, 5));
    await ingester().runOnce();
    await writeFile(logPath, `${line(1)}\n${line(6)}\n`);
    expect(await ingester().runOnce()).toMatchObject({ linesRead: 2, inserted: 1, duplicates: 1 });
    expect(await tracks()).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('finishes a copytruncate-rotated file from its copy without duplicating it', async () => {
    await writeFile(logPath, lines(1, 3));
    await ingester().runOnce();
    await appendFile(logPath, lines(4, 4));
    await copyFile(logPath, `${logPath}.1`);
    await truncate(logPath, 0);
    await appendFile(logPath, lines(5, 6));
    expect(await ingester().runOnce()).toMatchObject({ inserted: 3, duplicates: 0 });
    expect(await tracks()).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('leaves the checkpoint consistent with the rows when stopped mid-run', async () => {
    await writeFile(logPath, lines(1, 20_000));
    const ing = ingester(500);
    const run = ing.runOnce();
    while (!ing.stats().checkpoint) await new Promise((r) => setImmediate(r));
    await ing.stop();
    const result = await run;
    expect(result.stopped).toBe(true);
    const cp = await checkpoint();
    expect(cp?.linesIngested).toBe(await count());
    expect(cp?.position).toBeLessThan((await stat(logPath)).size);
    // The rows stop exactly at the checkpoint: the next line after it is the first one missing.
    const committed = (await readFile(logPath)).subarray(0, cp!.position);
    expect(await count()).toBe(committed.toString().split('\n').length - 1);
    await ingester(5000).runOnce();
    expect(await count()).toBe(20_000);
    expect((await checkpoint())?.linesIngested).toBe(20_000);
  });

  it('polls for new lines after start() until stop()', async () => {
    await writeFile(logPath, lines(1, 2));
    const ing = createIngester({ handle: db(), logPath, pollIntervalMs: 10 });
    ing.start();
    await expect.poll(count, { timeout: 5000 }).toBe(2);
    await appendFile(logPath, lines(3, 4));
    await expect.poll(count, { timeout: 5000 }).toBe(4);
    await ing.stop();
    await appendFile(logPath, lines(5, 5));
    await new Promise((r) => setTimeout(r, 100));
    expect(await count()).toBe(4);
    expect(ing.stats()).toMatchObject({ inserted: 4, running: false, errors: 0 });
  });

  it('stores and counts each line once when two ingesters run on the same log at once', async () => {
    // Every tenth line is damaged, so a double-counted batch would show in lines_skipped.
    const text = Array.from({ length: 3000 }, (_, i) => (i % 10 === 9 ? 'oops' : line(i))).join(
      '\n',
    );
    await writeFile(logPath, `${text}\n`);
    const [a, b] = [ingester(100), ingester(100)];
    const [ra, rb] = await Promise.all([a.runOnce(), b.runOnce()]);
    expect(ra.inserted + rb.inserted).toBe(2700);
    expect(ra.linesRead + rb.linesRead).toBe(3000);
    expect(ra.skipped + rb.skipped).toBe(300);
    expect(await count()).toBe(2700);
    expect(await checkpoint()).toMatchObject({
      linesIngested: 2700,
      linesSkipped: 300,
      position: (await stat(logPath)).size,
    });
  });
});
