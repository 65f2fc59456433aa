import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cameras, regions } from '../../src/db/schema.js';
import { CAMERAS, REGIONS, seedReference } from '../../src/demo/seed.js';
import {
  createEventGenerator,
  createSimulator,
  EVENT_WEIGHTS,
  formatLegacyLine,
  seededRng,
} from '../../src/demo/simulator.js';
import { createIngester } from '../../src/ingest/ingester.js';
import { parseLogLine } from '../../src/legacy/log-record.js';
import { describeEachDb } from '../helpers/db.js';

const NOW = new Date('2026-11-29T08:30:00.000Z');
/** The pipeline's line, compact with keys in its order (docs/legacy-contract.md, the event log). */
const LEGACY_LINE =
  /^\{"ts":\d+\.\d{1,6},"type":"[A-Z_]+","camera_id":"cam[0-7]","track_id":\d+,"evidence":\{"region":"[^"]+","confidence":(0|1)\.\d{1,3},"bbox":\[\d+,\d+,\d+,\d+\]\}\}$/;

describeEachDb('demo data', (db) => {
  let dir: string;
  let logPath: string;
  const count = async (table: string) =>
    Number(
      (
        await db().rows<{ n: number }>(sql`select count(*)::int as n from ${sql.identifier(table)}`)
      )[0]?.n,
    );
  const simulator = (extra: { rotateBytes?: number; clock?: () => Date } = {}) =>
    createSimulator({ handle: db(), logPath, clock: () => NOW, rng: seededRng(42), ...extra });
  /** A clock that moves one second per tick. */
  const ticking = () => {
    let t = 0;
    return () => new Date(NOW.getTime() + 1000 * t++);
  };
  const tsOf = (line: string): number => JSON.parse(line).ts;
  const linesOf = async (path: string) => (await readFile(path, 'utf8')).trimEnd().split('\n');

  beforeEach(async () => {
    await db().rows(sql`truncate detection_records, violation_events cascade`);
    dir = await mkdtemp(join(tmpdir(), 'demo-'));
    logPath = join(dir, 'logs', 'events', 'events_record.jsonl');
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('seeds five regions and eight cameras, and seeding again changes nothing', async () => {
    await seedReference(db());
    await seedReference(db());
    const rs = await db().db.select().from(regions).orderBy(regions.id);
    expect(rs.map((r) => r.name).sort()).toEqual(REGIONS.map((r) => r.name).sort());
    const cs = await db().db.select().from(cameras).orderBy(cameras.id);
    expect(cs.map((c) => c.id)).toEqual([
      'cam0',
      'cam1',
      'cam2',
      'cam3',
      'cam4',
      'cam5',
      'cam6',
      'cam7',
    ]);
    expect(cs[0]).toMatchObject({
      name: 'Camera 0 (入口线)',
      regionId: 'entrance',
      isActive: true,
    });
    expect(cs.every((c) => rs.some((r) => r.id === c.regionId))).toBe(true);
  });

  it('appends lines in the legacy format that the log reader accepts', async () => {
    const sim = simulator();
    const written = [...(await sim.tick()), ...(await sim.tick()), ...(await sim.tick())];
    const text = await readFile(logPath, 'utf8');
    expect(text.endsWith('\n')).toBe(true);
    const lines = text.slice(0, -1).split('\n');
    expect(lines).toHaveLength(written.length);
    for (const [i, line] of lines.entries()) {
      expect(line).toMatch(LEGACY_LINE);
      const parsed = parseLogLine(line);
      if (!parsed.ok) throw new Error(`rejected: ${line}`);
      expect(Object.keys(JSON.parse(line))).toEqual([
        'ts',
        'type',
        'camera_id',
        'track_id',
        'evidence',
      ]);
      expect(parsed.record).toMatchObject({ ts: written[i]?.ts, cameraId: written[i]?.cameraId });
      const region = CAMERAS.find((c) => c.id === parsed.record.cameraId)?.regionName;
      expect(parsed.record.evidence).toMatchObject({ region });
      // Within the tick that just ended, never in the future of the clock.
      expect(parsed.record.ts).toBeLessThanOrEqual(NOW.getTime() / 1000);
      expect(parsed.record.ts).toBeGreaterThan(NOW.getTime() / 1000 - 1);
    }
  });

  it('writes a detection record per camera per tick and a pending violation per violation event', async () => {
    const sim = simulator();
    const written = [];
    for (let t = 0; t < 20; t++) written.push(...(await sim.tick()));
    expect(await count('detection_records')).toBe(20 * CAMERAS.length);
    const expected = written.filter((e) => e.type !== 'HANDWASHING_ACTIVE');
    const rows = await db().rows<{ violation_type: string; status: string; camera_id: string }>(
      sql`select violation_type, status, camera_id from violation_events order by occurred_at, id`,
    );
    expect(rows).toHaveLength(expected.length);
    expect(rows.every((r) => r.status === 'pending')).toBe(true);
    const types = new Set(rows.map((r) => r.violation_type));
    expect([...types].every((t) => ['no_hairnet', 'no_handwash', 'no_sanitize'].includes(t))).toBe(
      true,
    );
  });

  it('rotates like RotatingFileHandler: the full file becomes .1 and the new one continues', async () => {
    const sim = simulator({ rotateBytes: 2000, clock: ticking() });
    for (let t = 0; t < 40; t++) await sim.tick();
    const names = await readdir(join(dir, 'logs', 'events'));
    expect(names).toContain('events_record.jsonl.1');
    for (const name of names) {
      const path = join(dir, 'logs', 'events', name);
      expect((await stat(path)).size).toBeLessThan(2000);
      expect((await readFile(path, 'utf8')).endsWith('\n')).toBe(true);
    }
    // Nothing lost or reordered across the cut: .1 ends where the current file begins.
    const [older, newer] = [await linesOf(`${logPath}.1`), await linesOf(logPath)];
    expect(tsOf(older.at(-1)!)).toBeLessThan(tsOf(newer[0]!));
  });

  it('runs ticks on its own after start() until stop()', async () => {
    const sim = createSimulator({ handle: db(), logPath, intervalMs: 5, rng: seededRng(1) });
    sim.start();
    await expect
      .poll(() => count('detection_records'), { timeout: 5000 })
      .toBeGreaterThanOrEqual(24);
    await sim.stop();
    const after = await count('detection_records');
    await new Promise((r) => setTimeout(r, 50));
    expect(await count('detection_records')).toBe(after);
    expect(after % CAMERAS.length).toBe(0);
  });

  it('feeds the ingester: every line it writes, across rotations, becomes one event', async () => {
    await db().rows(sql`truncate events, ingest_checkpoints`);
    const sim = simulator({ rotateBytes: 3000, clock: ticking() });
    const ingester = createIngester({ handle: db(), logPath });
    let written = 0;
    for (let t = 0; t < 60; t++) {
      written += (await sim.tick()).length;
      if (t % 7 === 0) await ingester.runOnce();
    }
    await ingester.runOnce();
    expect(await count('events')).toBe(written);
    expect(ingester.stats()).toMatchObject({ inserted: written, duplicates: 0 });
  });

  it('keeps at most ten rotated files, dropping the oldest', async () => {
    // Any size triggers a rollover before the next write, so each tick gets a file of its own.
    const sim = simulator({ rotateBytes: 1, clock: ticking() });
    for (let t = 0; t < 13; t++) await sim.tick();
    const names = await readdir(join(dir, 'logs', 'events'));
    const rotated = Array.from({ length: 10 }, (_, i) => `events_record.jsonl.${i + 1}`);
    expect(names.sort()).toEqual(['events_record.jsonl', ...rotated].sort());
    // Ticks 0..12: the current file holds tick 12, .10 holds tick 2; ticks 0 and 1 are gone.
    expect(Math.floor(tsOf((await linesOf(`${logPath}.10`))[0]!))).toBe(NOW.getTime() / 1000 + 1);
  });
});

// The generator and the line format are pure: no database needed.
describe('demo event generator', () => {
  it('prints floats as Python does: 1.0 keeps its point, at most 6 decimals on ts', () => {
    const line = formatLegacyLine({
      ts: 1795921649,
      type: 'SKIP_DRYING',
      cameraId: 'cam3',
      trackId: 7,
      region: '烘干区域',
      confidence: 1,
      bbox: [1, 2, 3, 4],
    });
    expect(line).toBe(
      '{"ts":1795921649.0,"type":"SKIP_DRYING","camera_id":"cam3","track_id":7,"evidence":{"region":"烘干区域","confidence":1.0,"bbox":[1,2,3,4]}}',
    );
  });

  it('draws event types with the documented skew and keeps track ids for a few ticks', () => {
    const gen = createEventGenerator(seededRng(7));
    const byType = new Map<string, number>();
    const tracksByCamera = new Map<string, number[]>();
    for (let t = 0; t < 5000; t++) {
      for (const e of gen.next(new Date(NOW.getTime() + t * 1000), 1000)) {
        byType.set(e.type, (byType.get(e.type) ?? 0) + 1);
        tracksByCamera.set(e.cameraId, [...(tracksByCamera.get(e.cameraId) ?? []), e.trackId]);
      }
    }
    const total = [...byType.values()].reduce((a, b) => a + b, 0);
    for (const [type, weight] of EVENT_WEIGHTS) {
      expect(Math.abs((byType.get(type) ?? 0) / total - weight)).toBeLessThan(0.02);
    }
    const counts = EVENT_WEIGHTS.map(([type]) => byType.get(type) ?? 0);
    expect(counts).toEqual([...counts].sort((a, b) => b - a));
    // A track shows up in more than one event of its camera, but does not last for ever.
    const perCamera = [...tracksByCamera.values()];
    const repeats = perCamera.map((ids) => ids.length / new Set(ids).size);
    expect(Math.min(...repeats)).toBeGreaterThan(1);
    expect(Math.max(...repeats)).toBeLessThan(5);
  });
});
