import { createWriteStream } from 'node:fs';
import { link, mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RecentEventsQuery } from '../../src/domain/types.js';
import { LegacyEventLog } from '../../src/legacy/event-log.js';
import { parseLogLine } from '../../src/legacy/log-record.js';
import { reencodePy } from '../../src/legacy/py-json.js';

const T0 = 1_795_921_000;
const since = (ts: number) => new Date(ts * 1000);

let dir: string;
let logPath: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'legacy-event-log-'));
  logPath = join(dir, 'events_record.jsonl');
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function line(ts: number, fields: Record<string, unknown> = {}): string {
  return JSON.stringify({ ts, type: 'SKIP_DRYING', camera_id: 'cam0', track_id: 1, ...fields });
}
const lines = (...ls: string[]) => ls.map((l) => `${l}\n`).join('');
const tsOf = (records: { ts: number }[]) => records.map((r) => r.ts);

describe('LegacyEventLog.recentEvents', () => {
  it('answers newest first by ts even when concurrent writers logged slightly out of order', async () => {
    await writeFile(logPath, lines(line(T0 + 1), line(T0 + 5), line(T0 + 3), line(T0 + 4)));
    const log = new LegacyEventLog(logPath, { orderToleranceSeconds: 10 });
    const records = await log.recentEvents({ limit: 10, since: since(T0) });
    expect(tsOf(records)).toEqual([T0 + 5, T0 + 4, T0 + 3, T0 + 1]);
  });

  it('returns exactly the newest `limit` matches, later-logged first on equal ts', async () => {
    await writeFile(
      logPath,
      lines(
        line(T0 + 9, { track_id: 1 }),
        line(T0 + 1),
        line(T0 + 9, { track_id: 2 }),
        line(T0 + 2),
      ),
    );
    const records = await new LegacyEventLog(logPath).recentEvents({ limit: 2, since: since(T0) });
    expect(records.map((r) => [r.ts, r.trackId])).toEqual([
      [T0 + 9, 2],
      [T0 + 9, 1],
    ]);
  });

  it('leaves out events older than the window', async () => {
    await writeFile(logPath, lines(line(T0 - 100), line(T0 - 1), line(T0), line(T0 + 1)));
    const log = new LegacyEventLog(logPath, { orderToleranceSeconds: 0 });
    expect(tsOf(await log.recentEvents({ limit: 10, since: since(T0) }))).toEqual([T0 + 1, T0]);
  });

  it('filters by exact type and camera; an empty camera matches events without one', async () => {
    await writeFile(
      logPath,
      lines(
        line(T0 + 1, { type: 'SKIP_DRYING', camera_id: 'cam0' }),
        line(T0 + 2, { type: 'skip_drying', camera_id: 'cam1' }),
        line(T0 + 3, { type: 'NO_HAIRNET_AT_SINK', camera_id: null }),
        line(T0 + 4, { type: 'SKIP_DRYING', camera_id: '' }),
        JSON.stringify({ ts: T0 + 5, type: 'SKIP_DRYING' }),
      ),
    );
    const log = new LegacyEventLog(logPath);
    const ask = async (q: Partial<RecentEventsQuery>) =>
      tsOf(await log.recentEvents({ limit: 10, since: since(T0), ...q })).map((t) => t - T0);
    expect(await ask({ type: 'SKIP_DRYING' })).toEqual([5, 4, 1]);
    expect(await ask({ type: '' })).toEqual([5, 4, 3, 2, 1]);
    expect(await ask({ cameraId: 'cam1' })).toEqual([2]);
    expect(await ask({ cameraId: '' })).toEqual([5, 4, 3]);
    expect(await ask({ type: 'SKIP_DRYING', cameraId: '' })).toEqual([5, 4]);
  });

  it('continues into rotated files .1 and .2 when the window reaches back that far', async () => {
    await writeFile(`${logPath}.3`, lines(line(T0 - 50)));
    await writeFile(`${logPath}.2`, lines(line(T0 + 1), line(T0 + 2)));
    await writeFile(`${logPath}.1`, lines(line(T0 + 3), line(T0 + 4)));
    await writeFile(logPath, lines(line(T0 + 5)));
    const log = new LegacyEventLog(logPath, { orderToleranceSeconds: 5 });
    const scan = await log.recentEventsWithStats({ limit: 100, since: since(T0) });
    expect(tsOf(scan.records).map((t) => t - T0)).toEqual([5, 4, 3, 2, 1]);
    expect(scan.linesRead).toBe(6);
  });

  it('does not open rotated files when the live file already holds the answer', async () => {
    // A line in .1 newer than everything live breaks the ordering assumption on purpose: if .1
    // were read, it would show up in the answer.
    await writeFile(`${logPath}.1`, lines(line(T0 + 999)));
    await writeFile(logPath, lines(line(T0 + 10), line(T0 + 20), line(T0 + 30)));
    const log = new LegacyEventLog(logPath, { orderToleranceSeconds: 5 });
    const scan = await log.recentEventsWithStats({ limit: 2, since: since(T0) });
    expect(tsOf(scan.records)).toEqual([T0 + 30, T0 + 20]);
    expect(scan.bytesRead).toBe((await stat(logPath)).size);
  });

  it('reads a file once when a rotation during the scan shows it again as .1', async () => {
    await writeFile(logPath, lines(line(T0 + 3), line(T0 + 4)));
    await link(logPath, `${logPath}.1`);
    await writeFile(`${logPath}.2`, lines(line(T0 + 1), line(T0 + 2)));
    const records = await new LegacyEventLog(logPath).recentEvents({ limit: 10, since: since(T0) });
    expect(tsOf(records).map((t) => t - T0)).toEqual([4, 3, 2, 1]);
  });

  it('skips a last line still being written without counting it as damaged', async () => {
    await writeFile(logPath, `${lines(line(T0 + 1))}${line(T0 + 2).slice(0, 20)}`);
    const scan = await new LegacyEventLog(logPath).recentEventsWithStats({
      limit: 10,
      since: since(T0),
    });
    expect(tsOf(scan.records)).toEqual([T0 + 1]);
    expect(scan.damaged).toBe(0);
  });

  it('skips and counts damaged lines of every kind, and keeps records with NaN values', async () => {
    const nanLine = `{"ts":${T0 + 7},"type":"SKIP_DRYING","evidence":{"confidence":NaN,"area":Infinity}}`;
    await writeFile(
      logPath,
      lines(
        line(T0 + 1),
        'this is not json',
        `[${line(T0 + 2)}]`,
        '"just a string"',
        JSON.stringify({ type: 'SKIP_DRYING' }),
        JSON.stringify({ ts: 'abc' }),
        '{"ts":NaN}',
        '{"ts":',
        '',
        nanLine,
      ),
    );
    const scan = await new LegacyEventLog(logPath).recentEventsWithStats({
      limit: 10,
      since: since(T0),
    });
    expect(tsOf(scan.records)).toEqual([T0 + 7, T0 + 1]);
    expect(scan.damaged).toBe(7);
    expect(scan.linesRead).toBe(10);
    const [nan] = scan.records;
    expect(nan?.evidence).toEqual({ confidence: null, area: null });
    expect(reencodePy(nan?.raw ?? '')).toBe(
      `{"ts":${T0 + 7},"type":"SKIP_DRYING","evidence":{"confidence":null,"area":null}}`,
    );
  });

  it('decodes a Chinese region name cut by a chunk boundary', async () => {
    const regions = ['洗手站立区域', '入口线', '烘干区域'];
    await writeFile(
      logPath,
      lines(...regions.map((region, i) => line(T0 + i, { evidence: { region } }))),
    );
    for (const chunkSize of [1, 2, 3, 5, 7, 64]) {
      const records = await new LegacyEventLog(logPath, { chunkSize }).recentEvents({
        limit: 10,
        since: since(T0),
      });
      expect(records.map((r) => (r.evidence as { region: string }).region)).toEqual(
        [...regions].reverse(),
      );
    }
  });

  it('answers from the end of a large log without reading most of it', async () => {
    const total = 200_000;
    async function* generate() {
      for (let start = 0; start < total; start += 1000) {
        let chunk = '';
        for (let i = start; i < start + 1000; i++)
          chunk += `${line(T0 + i / 10, { track_id: i })}\n`;
        yield chunk;
      }
    }
    await pipeline(Readable.from(generate()), createWriteStream(logPath));
    const log = new LegacyEventLog(logPath, { orderToleranceSeconds: 60 });
    const scan = await log.recentEventsWithStats({ limit: 10, since: since(T0) });
    expect(scan.records.map((r) => r.trackId)).toEqual(
      Array.from({ length: 10 }, (_, k) => total - 1 - k),
    );
    // 60 s of tolerance at 10 lines/s is ~600 lines past the answer, plus one chunk.
    expect(scan.linesRead).toBeLessThan(2_000);
    expect(scan.bytesRead).toBeLessThan((await stat(logPath)).size / 50);
  });

  it('answers an empty list when the log does not exist', async () => {
    const scan = await new LegacyEventLog(
      join(dir, 'missing', 'events.jsonl'),
    ).recentEventsWithStats({ limit: 10, since: since(0) });
    expect(scan).toEqual({ records: [], damaged: 0, linesRead: 0, bytesRead: 0 });
  });

  it('still reads the rotated file when the live one was just rotated away', async () => {
    await writeFile(`${logPath}.1`, lines(line(T0 + 1)));
    expect(
      tsOf(await new LegacyEventLog(logPath).recentEvents({ limit: 10, since: since(T0) })),
    ).toEqual([T0 + 1]);
  });

  it('gives the same answer as reading, filtering and sorting every line', async () => {
    await fc.assert(
      fc.asyncProperty(randomLog(), async (c) => checkAgainstReference(c)),
      {
        numRuns: 150,
      },
    );
  });
});

describe('LegacyEventLog.scanSince', () => {
  it('visits every record of the window once, across rotated files, newest written first', async () => {
    await writeFile(`${logPath}.1`, lines(line(T0 - 500), line(T0 + 1), 'damaged', line(T0 + 3)));
    await writeFile(logPath, lines(line(T0 + 2), line(T0 + 4)));
    const visited: number[] = [];
    const stats = await new LegacyEventLog(logPath, { orderToleranceSeconds: 5 }).scanSince(
      since(T0),
      (r) => visited.push(r.ts - T0),
    );
    expect(visited).toEqual([4, 2, 3, 1]);
    expect(stats).toMatchObject({ damaged: 1, linesRead: 6 });
  });

  it('stops once the window is behind it', async () => {
    const old = Array.from({ length: 1000 }, (_, i) => line(T0 - 10_000 + i));
    await writeFile(logPath, lines(...old, line(T0 + 1)));
    const log = new LegacyEventLog(logPath, { orderToleranceSeconds: 60 });
    const stats = await log.scanSince(since(T0), () => {});
    expect(stats.linesRead).toBe(2);
  });
});

const TOLERANCE = 5;

interface LogCase {
  files: string[][]; // oldest file first; the last one is the live file
  tail: string; // an unterminated line at the end of the live file
  query: RecentEventsQuery;
  chunkSize: number;
}

function randomLog(): fc.Arbitrary<LogCase> {
  const entry = fc.oneof(
    {
      weight: 10,
      arbitrary: fc.record({
        step: fc.integer({ min: 0, max: 3 }), // how far true time moves on
        lag: fc.constantFrom(0, 0.5, 1, 2.25, TOLERANCE), // how late the writer logged it
        type: fc.constantFrom('A', 'B'),
        camera: fc.constantFrom('cam0', 'cam1', '', null, undefined),
      }),
    },
    { weight: 1, arbitrary: fc.constantFrom('garbage', '[1]', '{"ts":"x"}', '', '{"ts":NaN}') },
  );
  return fc
    .record({
      entries: fc.array(entry, { maxLength: 60 }),
      cuts: fc.array(fc.nat(60), { maxLength: 3 }),
      tail: fc.constantFrom('', '{"ts":', `{"ts":${T0 + 1000}}`),
      limit: fc.integer({ min: 1, max: 8 }),
      sinceOffset: fc.integer({ min: -2, max: 80 }),
      type: fc.constantFrom(undefined, '', 'A'),
      cameraId: fc.constantFrom(undefined, '', 'cam0'),
      chunkSize: fc.integer({ min: 1, max: 200 }),
    })
    .map(({ entries, cuts, tail, limit, sinceOffset, type, cameraId, chunkSize }) => {
      let t = T0;
      const all = entries.map((e) => {
        if (typeof e === 'string') return e;
        t += e.step;
        const fields: Record<string, unknown> = { ts: t - e.lag, type: e.type };
        if (e.camera !== undefined) fields.camera_id = e.camera;
        return JSON.stringify(fields);
      });
      const bounds = [...new Set(cuts.map((c) => Math.min(c, all.length)))].sort((a, b) => a - b);
      const files = [...bounds, all.length].map((end, i) =>
        all.slice(i === 0 ? 0 : bounds[i - 1], end),
      );
      const query = { limit, since: since(T0 + sinceOffset), type, cameraId };
      return { files, tail, query, chunkSize };
    });
}

async function checkAgainstReference({ files, tail, query, chunkSize }: LogCase) {
  const caseDir = await mkdtemp(join(dir, 'case-'));
  const path = join(caseDir, 'events.jsonl');
  await mkdir(caseDir, { recursive: true });
  for (const [i, content] of files.entries()) {
    const rotation = files.length - 1 - i;
    await writeFile(
      rotation === 0 ? path : `${path}.${rotation}`,
      lines(...content) + (rotation === 0 ? tail : ''),
    );
  }
  const log = new LegacyEventLog(path, { orderToleranceSeconds: TOLERANCE, chunkSize });
  const got = await log.recentEvents(query);

  const sinceTs = query.since.getTime() / 1000;
  const valid = files
    .flat()
    .map((l, index) => ({ parsed: parseLogLine(l), index }))
    .flatMap(({ parsed, index }) => (parsed.ok ? [{ r: parsed.record, index }] : []));
  const expected = valid
    .filter(({ r }) => r.ts >= sinceTs)
    .filter(({ r }) => !query.type || r.type === query.type)
    .filter(({ r }) =>
      query.cameraId === undefined
        ? true
        : query.cameraId === ''
          ? !r.cameraId
          : r.cameraId === query.cameraId,
    )
    .sort((a, b) => b.r.ts - a.r.ts || b.index - a.index)
    .slice(0, query.limit)
    .map(({ r }) => r.raw);
  expect(got.map((r) => r.raw)).toEqual(expected);

  const visited: string[] = [];
  await log.scanSince(query.since, (r) => visited.push(r.raw));
  const inWindow = valid.filter(({ r }) => r.ts >= sinceTs).map(({ r }) => r.raw);
  expect(visited).toEqual(inWindow.reverse());
}
