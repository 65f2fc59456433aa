// The tail cache is exact: one cached reader lives through a log's whole history (appends cut at
// any byte, so lines are completed later; damaged and blank lines; ts out of order, mostly within
// the tolerance and sometimes beyond it; RotatingFileHandler rotations; truncations; replacement
// by a new file), and after every step it answers every query exactly as a reader without cache
// that reads the files afresh: the same records in the same order and the same line counts.
import {
  appendFile,
  mkdir,
  mkdtemp,
  rename,
  rm,
  stat,
  truncate,
  writeFile,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { rotateLog } from '../../src/demo/simulator.js';
import type { RecentEventsQuery } from '../../src/domain/types.js';
import { LegacyEventLog, type LegacyEventLogOptions } from '../../src/legacy/event-log.js';

const T0 = 1_795_921_000;
const TOLERANCE = 5;
const MAX_ROTATED = 3;

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'legacy-cache-property-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const entry = fc.oneof(
  {
    weight: 12,
    arbitrary: fc.record({
      step: fc.constantFrom(0, 0.5, 1, 2, 3),
      // How late the writer logged it: within the tolerance, and now and then beyond it.
      lag: fc.oneof(
        { weight: 9, arbitrary: fc.constantFrom(0, 0.25, 1, 2.5, TOLERANCE) },
        { weight: 1, arbitrary: fc.constantFrom(TOLERANCE + 1, 4 * TOLERANCE) },
      ),
      type: fc.constantFrom('A', 'B'),
      camera: fc.constantFrom('cam0', 'cam1', '', null, undefined),
      spaced: fc.boolean(),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      'garbage',
      '',
      '   ',
      '[1]',
      '{"ts":"x"}',
      '{"ts":NaN}',
      '{"ts":',
      `{"ts":${T0},"ts":${T0 + 50}}`,
      `{"ts":${T0 + 1},"type":"A","evidence":{"region":"洗手池区域","confidence":NaN}}`,
    ),
  },
);

type Op =
  | { kind: 'append'; entries: Entry[]; cut: number }
  | { kind: 'rotate' }
  | { kind: 'truncate'; keep: number }
  | { kind: 'rewrite'; keep: number; entries: Entry[] }
  | { kind: 'replace'; entries: Entry[] }
  | { kind: 'wait' };
type Entry = string | { step: number; lag: number; type: string; camera: unknown; spaced: boolean };

const op: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 8,
    arbitrary: fc.record({
      kind: fc.constant('append' as const),
      entries: fc.array(entry, { minLength: 1, maxLength: 12 }),
      // How much of the text is written now: all of it, or up to a byte inside some line (the
      // rest is written by the next append, completing that line).
      cut: fc.oneof(fc.constant(1), fc.double({ min: 0, max: 1, noNaN: true })),
    }),
  },
  { weight: 2, arbitrary: fc.constant({ kind: 'rotate' as const }) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('truncate' as const),
      keep: fc.double({ min: 0, max: 0.99, noNaN: true }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('rewrite' as const),
      keep: fc.double({ min: 0, max: 0.99, noNaN: true }),
      entries: fc.array(entry, { minLength: 1, maxLength: 12 }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('replace' as const),
      entries: fc.array(entry, { maxLength: 6 }),
    }),
  },
  { weight: 1, arbitrary: fc.constant({ kind: 'wait' as const }) },
);

const query = fc.record({
  limit: fc.integer({ min: 1, max: 12 }),
  sinceOffset: fc.integer({ min: -30, max: 200 }),
  type: fc.constantFrom(undefined, '', 'A'),
  cameraId: fc.constantFrom(undefined, '', 'cam0'),
});

const options = fc.record({
  chunkSize: fc.oneof(fc.integer({ min: 1, max: 300 }), fc.constant(65_536)),
  tailCacheRecords: fc.constantFrom(1, 3, 10, 40, 50_000),
  tailCacheBytes: fc.constantFrom(200, 2_000, 32 * 1024 * 1024),
});

class Writer {
  private t = T0;
  /** Text generated but not written yet: the rest of a line cut short by the last append. */
  private pending = '';

  get now(): number {
    return this.t;
  }

  private text(entries: Entry[]): string {
    const lines = entries.map((e) => {
      if (typeof e === 'string') return e;
      this.t += e.step;
      const fields: Record<string, unknown> = { ts: this.t - e.lag, type: e.type };
      if (e.camera !== undefined) fields.camera_id = e.camera;
      const json = JSON.stringify(fields);
      return e.spaced ? json.replace(/,/g, ', ') : json;
    });
    return lines.map((l) => `${l}\n`).join('');
  }

  async apply(path: string, o: Op): Promise<void> {
    switch (o.kind) {
      case 'append': {
        const text = this.pending + this.text(o.entries);
        const at = Math.floor(text.length * o.cut);
        await appendFile(path, text.slice(0, at));
        this.pending = text.slice(at);
        return;
      }
      case 'rotate':
        return rotateLog(path, MAX_ROTATED);
      case 'truncate':
        return truncate(path, Math.floor((await sizeOf(path)) * o.keep)).catch(() => {});
      case 'rewrite': {
        // Truncated and grown again before anyone reads (copytruncate, then busy writers). A
        // rewrite that keeps the file's size, mtime and identity cannot be seen without reading
        // it all: the cache assumes the size or the mtime changes, as they do here.
        const before = await sizeOf(path);
        await truncate(path, Math.floor(before * o.keep)).catch(() => {});
        await appendFile(path, this.text(o.entries));
        if ((await sizeOf(path)) === before) await appendFile(path, '\n');
        return;
      }
      case 'replace':
        await writeFile(`${path}.new`, this.text(o.entries));
        return rename(`${path}.new`, path);
      case 'wait':
        return new Promise((r) => setTimeout(r, 5));
    }
  }
}

const sizeOf = (path: string): Promise<number> =>
  stat(path).then(
    (s) => s.size,
    () => 0,
  );

async function compare(cached: LegacyEventLog, path: string, q: RecentEventsQuery, opts: object) {
  const plain = new LegacyEventLog(path, { ...opts, tailCacheRecords: 0 });
  const [got, want] = await Promise.all([
    cached.recentEventsWithStats(q),
    plain.recentEventsWithStats(q),
  ]);
  expect(got.records.map((r) => r.raw)).toEqual(want.records.map((r) => r.raw));
  expect(got.records.map((r) => r.ts)).toEqual(want.records.map((r) => r.ts));
  expect([got.linesRead, got.damaged]).toEqual([want.linesRead, want.damaged]);
}

it('answers every query after every step exactly as the reader without cache', async () => {
  let run = 0;
  await fc.assert(
    fc.asyncProperty(
      options,
      fc.array(fc.record({ op, queries: fc.array(query, { minLength: 1, maxLength: 3 }) }), {
        minLength: 1,
        maxLength: 25,
      }),
      async (opts, steps) => {
        const runDir = join(dir, `run-${run++}`);
        await mkdir(runDir);
        const path = join(runDir, 'events.jsonl');
        const full: LegacyEventLogOptions = {
          ...opts,
          orderToleranceSeconds: TOLERANCE,
          maxRotated: MAX_ROTATED,
        };
        const cached = new LegacyEventLog(path, full);
        const w = new Writer();
        try {
          for (const { op: o, queries } of steps) {
            await w.apply(path, o);
            // Concurrent queries share one refresh of the cache.
            await Promise.all(
              queries.map((q) =>
                compare(
                  cached,
                  path,
                  {
                    limit: q.limit,
                    since: new Date((w.now - q.sinceOffset) * 1000),
                    type: q.type,
                    cameraId: q.cameraId,
                  },
                  full,
                ),
              ),
            );
            const since = new Date((w.now - 40) * 1000);
            const plain = new LegacyEventLog(path, { ...full, tailCacheRecords: 0 });
            const [a, b]: [string[], string[]] = [[], []];
            const [sa, sb] = await Promise.all([
              cached.scanSince(since, (r) => a.push(r.raw)),
              plain.scanSince(since, (r) => b.push(r.raw)),
            ]);
            expect(a).toEqual(b);
            expect([sa.linesRead, sa.damaged]).toEqual([sb.linesRead, sb.damaged]);
          }
        } finally {
          await cached.close();
        }
      },
    ),
    { numRuns: 120 },
  );
});
