// The legacy statistics kept up to date from appended lines answer exactly what a full scan of the
// day answers, through appends, partial lines, rotations (including rotations that delete the
// oldest file) and day boundaries in the configured time zone, while a request reads only what
// was appended since the previous one.
import { appendFile, mkdir, rename, rm, symlink, writeFile } from 'node:fs/promises';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { startOfDay } from '../../src/domain/local-time.js';
import { LegacyEventLog } from '../../src/legacy/event-log.js';
import { LegacyScanRefused, ScanLimiter } from '../../src/legacy/scan-limits.js';
import { LegacyStatistics } from '../../src/legacy/statistics-legacy.js';
import { tempLogPath } from '../helpers/app.js';

const TYPES = [
  'NO_HAIRNET_AT_SINK',
  'INSUFFICIENT_DWELL_TIME',
  'SKIP_DRYING',
  'HANDWASHING_ACTIVE',
];
const REGIONS = ['入口线', '洗手站立区域', '洗手池区域', '烘干区域', '工作区区域'];
const startedAt = new Date('2026-11-28T00:00:00Z');

/** A log line at `ts`, its other values drawn from `n`; every 13th line is damaged. */
function line(ts: number, n: number): string {
  if (n % 13 === 0) return n % 2 ? 'not json' : `{"ts":"${ts}"}`;
  const camera = n % 7 === 0 ? '' : `,"camera_id":"cam${n % 4}"`;
  const confidence = n % 11 === 0 ? 'NaN' : String(((n * 7919) % 1000) / 1000 + 0.0001);
  return `{"ts":${ts},"type":"${TYPES[n % TYPES.length]}"${camera},"track_id":${n},"evidence":{"region":"${REGIONS[(n >> 2) % REGIONS.length]}","confidence":${confidence}}}`;
}

const opened: LegacyStatistics[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((s) => s.close()));
});

function incremental(
  path: string,
  timeZone: string,
  opts: { maxRotated?: number; chunkSize?: number; limiter?: ScanLimiter } = {},
) {
  const stats = new LegacyStatistics(new LegacyEventLog(path, { tailCacheRecords: 0, ...opts }), {
    timeZone,
    startedAt,
  });
  opened.push(stats);
  return stats;
}

/** A full backwards scan of the day, as the statistics were computed before, from scratch. */
async function fullScan(path: string, timeZone: string, now: Date, maxRotated = 10) {
  const log = new LegacyEventLog(path, { tailCacheRecords: 0, maxRotated });
  const scanner = { scanSince: log.scanSince.bind(log) };
  return new LegacyStatistics(scanner, { timeZone, startedAt, maxAgeMs: 0 }).realtimeStatistics(
    now,
  );
}

describe('legacy statistics kept up to date from appended lines', () => {
  it('reads only the appended bytes on a later request, and counts them', async () => {
    const path = await tempLogPath();
    const now = new Date('2026-11-29T10:00:00Z');
    const t0 = now.getTime() / 1000;
    let text = '';
    for (let i = 0; i < 5000; i++) text += `${line(t0 - 30_000 + i * 5, i)}\n`;
    await writeFile(path, text);
    const stats = incremental(path, 'UTC');
    const first = await stats.realtimeStatistics(now);
    const tally = stats.dayTally!;
    expect(tally.stats.bytesRead).toBe(Buffer.byteLength(text));

    let appended = '';
    const added = [20_001, 20_002, 20_003, 20_005, 20_006, 20_007, 20_008, 20_009, 20_010, 20_011];
    for (const [i, n] of added.entries()) appended += `${line(t0 - 5 + i * 0.1, n)}\n`;
    // One of them (20_007 = 13 × 1539) is a damaged line.
    await appendFile(path, appended);
    const second = await stats.realtimeStatistics(new Date(now.getTime() + 1000));
    expect(tally.stats.bytesRead - Buffer.byteLength(text)).toBe(Buffer.byteLength(appended));
    expect(second.detectionStats.totalDetectionsToday).toBe(
      first.detectionStats.totalDetectionsToday + 9,
    );
    expect(tally.stats.builds).toBe(1);
    expect(second).toEqual(await fullScan(path, 'UTC', new Date(now.getTime() + 1000)));
  });

  it('counts each line once across a rotation, including the rotated file’s unterminated last line', async () => {
    const path = await tempLogPath();
    const now = new Date('2026-11-29T10:00:00Z');
    const t0 = now.getTime() / 1000 - 600;
    await writeFile(path, `${line(t0, 1)}\n${line(t0 + 1, 2)}\n${line(t0 + 2, 3).slice(0, 20)}`);
    const stats = incremental(path, 'UTC');
    expect((await stats.realtimeStatistics(now)).detectionStats.totalDetectionsToday).toBe(2);
    // The writer finishes its line, the file is rotated with an unterminated last line, and a new
    // file begins.
    await appendFile(path, `${line(t0 + 2, 3).slice(20)}\n${line(t0 + 3, 5)}`);
    await rename(path, `${path}.1`);
    await writeFile(path, `${line(t0 + 4, 6)}\n`);
    const after = await stats.realtimeStatistics(now);
    expect(after.detectionStats.totalDetectionsToday).toBe(5);
    expect(after).toEqual(await fullScan(path, 'UTC', now));
    expect(stats.dayTally!.stats.builds).toBe(1);
  });

  it('counts a day too large for one budget over several requests, keeping its place', async () => {
    const path = await tempLogPath();
    const now = new Date('2026-11-29T10:00:00Z');
    const t0 = now.getTime() / 1000;
    let text = '';
    for (let i = 0; i < 60_000; i++) text += `${line(t0 - 36_000 + i * 0.5, i)}\n`;
    await writeFile(path, text);
    const limiter = new ScanLimiter({ budgetMs: 15, concurrency: 1 });
    const stats = incremental(path, 'UTC', { limiter, chunkSize: 16 * 1024 });
    let refused = 0;
    let answer: Awaited<ReturnType<LegacyStatistics['realtimeStatistics']>> | undefined;
    while (!answer) {
      try {
        answer = await stats.realtimeStatistics(now);
      } catch (err) {
        expect(err).toBeInstanceOf(LegacyScanRefused);
        expect((err as LegacyScanRefused).extensions.code).toBe('LEGACY_SCAN_TIMEOUT');
        refused++;
        // Between requests nothing is read, once the read under way when refused completes
        // (checked after the first few refusals; waiting after every one would take long).
        if (refused <= 3) {
          const read = await settled(() => stats.dayTally!.stats.bytesRead);
          await new Promise((resolve) => setTimeout(resolve, 100));
          expect(stats.dayTally!.stats.bytesRead).toBe(read);
        }
      }
    }
    expect(refused).toBeGreaterThan(1);
    expect(stats.dayTally!.stats.builds).toBe(1);
    // Each byte was read once, in whatever number of requests.
    expect(stats.dayTally!.stats.bytesRead).toBe(Buffer.byteLength(text));
    expect(answer).toEqual(await fullScan(path, 'UTC', now));
  });

  it('starts a new count when the day changes', async () => {
    const path = await tempLogPath();
    const midnight = startOfDay(new Date('2026-11-29T10:00:00Z'), 'Asia/Kolkata');
    const m = midnight.getTime() / 1000;
    await writeFile(
      path,
      [m - 20, m - 10, m - 1, m, m + 5].map((ts, i) => `${line(ts, i + 1)}\n`).join(''),
    );
    const stats = incremental(path, 'Asia/Kolkata');
    const before = await stats.realtimeStatistics(new Date((m - 1) * 1000));
    expect(before.detectionStats.totalDetectionsToday).toBe(3);
    const after = await stats.realtimeStatistics(new Date((m + 5) * 1000));
    expect(after.detectionStats.totalDetectionsToday).toBe(2);
    expect(after).toEqual(await fullScan(path, 'Asia/Kolkata', new Date((m + 5) * 1000)));
  });

  it('counts the day again when the log was rewritten instead of appended to', async () => {
    const path = await tempLogPath();
    const now = new Date('2026-11-29T10:00:00Z');
    const t0 = now.getTime() / 1000 - 600;
    await writeFile(path, [1, 2, 3, 4].map((i) => `${line(t0 + i, i)}\n`).join(''));
    const stats = incremental(path, 'UTC');
    expect((await stats.realtimeStatistics(now)).detectionStats.totalDetectionsToday).toBe(4);
    await writeFile(path, `${line(t0 + 5, 5)}\n`);
    const after = await stats.realtimeStatistics(now);
    expect(after.detectionStats.totalDetectionsToday).toBe(1);
    expect(after).toEqual(await fullScan(path, 'UTC', now));
    expect(stats.dayTally!.stats.builds).toBe(2);
  });

  it('skips a directory or a dangling symlink loop at a rotation path', async () => {
    const path = await tempLogPath();
    const now = new Date('2026-11-29T10:00:00Z');
    const t0 = now.getTime() / 1000 - 600;
    await writeFile(path, `${line(t0 + 10, 1)}\n`);
    await mkdir(`${path}.1`);
    await symlink(`${path}.2`, `${path}.2`);
    await writeFile(`${path}.3`, `${line(t0, 2)}\n`);
    const skipped: string[] = [];
    const stats = new LegacyStatistics(
      new LegacyEventLog(path, { onSkip: (p, reason) => skipped.push(`${p.slice(-4)} ${reason}`) }),
      { timeZone: 'UTC', startedAt },
    );
    opened.push(stats);
    expect((await stats.realtimeStatistics(now)).detectionStats.totalDetectionsToday).toBe(2);
    expect(skipped).toEqual(['nl.1 not a regular file', 'nl.2 ELOOP']);
  });
});

/** One step of the writer, the rotation or the clock, or a request. */
type Op =
  | { kind: 'append'; lines: number; partial: boolean }
  | { kind: 'rotate' }
  | { kind: 'advance'; seconds: number }
  | { kind: 'request' };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({
      kind: fc.constant('append' as const),
      lines: fc.integer({ min: 0, max: 25 }),
      partial: fc.boolean(),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('rotate' as const) }) },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('advance' as const),
      seconds: fc.integer({ min: 0, max: 300 }),
    }),
  },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('request' as const) }) },
);

describe('legacy statistics: incremental equals a full scan (property)', () => {
  const ZONES = ['UTC', 'Asia/Kolkata', 'America/St_Johns'] as const;
  const MAX_ROTATED = 3;

  it('after any appends, partial lines, rotations and day boundaries', async () => {
    let runsCounting = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...ZONES),
        fc.integer({ min: 60, max: 4096 }),
        fc.array(opArb, { minLength: 1, maxLength: 30 }),
        fc.integer({ min: 0, max: 2 ** 31 - 1 }),
        async (zone, chunkSize, ops, seed) => {
          const path = await tempLogPath();
          // From 10 min before a local midnight: most runs cross it.
          const midnight = startOfDay(new Date('2026-11-29T12:00:00Z'), zone).getTime();
          let now = midnight - 600_000;
          let n = seed % 100_000;
          let partial = '';
          let counted = 0;
          const stats = incremental(path, zone, { maxRotated: MAX_ROTATED, chunkSize });
          try {
            await writeFile(path, '');
            for (const op of [...ops, { kind: 'request' } as Op]) {
              if (op.kind === 'advance') now += op.seconds * 1000;
              else if (op.kind === 'rotate') {
                // RotatingFileHandler: .2 → .3 (the old .3 is deleted), .1 → .2, live → .1.
                for (let k = MAX_ROTATED - 1; k >= 1; k--) {
                  await rename(`${path}.${k}`, `${path}.${k + 1}`).catch(() => {});
                }
                await rename(path, `${path}.1`);
                await writeFile(path, '');
                partial = '';
              } else if (op.kind === 'append') {
                let text = partial;
                partial = '';
                for (let i = 0; i < op.lines; i++) {
                  n++;
                  // Written up to 20 s late or 5 s early: within the 60 s order tolerance.
                  const ts = (now + ((n * 7919) % 25_000) - 20_000) / 1000 + (n % 1000) / 1e6;
                  text += `${line(ts, n)}\n`;
                }
                if (op.partial) {
                  n++;
                  const whole = `${line(now / 1000, n)}\n`;
                  // Sometimes all but the newline: a whole record, unterminated.
                  const cut = n % 3 === 0 ? whole.length - 1 : 1 + (n % (whole.length - 1));
                  text += whole.slice(0, cut);
                  partial = whole.slice(cut);
                }
                await appendFile(path, text);
              } else {
                const at = new Date(now);
                const got = await stats.realtimeStatistics(at);
                const want = await fullScan(path, zone, at, MAX_ROTATED);
                expect(got).toEqual(want);
                counted += want.detectionStats.totalDetectionsToday;
              }
            }
            runsCounting += counted > 0 ? 1 : 0;
          } finally {
            await stats.close();
            await rm(path.replace(/\/[^/]+$/, ''), { recursive: true, force: true });
          }
        },
      ),
      { numRuns: 100 },
    );
    // Most runs compare non-zero counts, not only empty days.
    expect(runsCounting).toBeGreaterThan(40);
  }, 120_000);
});

/** The value once it stopped changing for 150 ms (a read in flight finishing, under any load). */
async function settled(value: () => number): Promise<number> {
  for (;;) {
    const before = value();
    await new Promise((resolve) => setTimeout(resolve, 150));
    if (value() === before) return before;
  }
}
