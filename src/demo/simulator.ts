// Live demo data: plays the detection pipeline. Each tick appends a few events to the JSONL log
// in the legacy pipeline's exact format (rotating it as Python's RotatingFileHandler does) and
// writes the matching detection_records and violation_events rows.
import { appendFile, mkdir, rename, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { DatabaseHandle } from '../db/client.js';
import { detectionRecords, violationEvents } from '../db/schema.js';
import { type EventType, VIOLATION_FOR } from '../domain/event-types.js';
import { dumpPy, type PyValue } from '../legacy/py-json.js';
import { ROTATED_BACKUPS, rotatedPath } from '../legacy/rotation.js';
import { CAMERAS } from './seed.js';

/**
 * How often each type is drawn, most common first; the weights sum to 1. Handwashing in
 * progress dominates a real kitchen's log; missing hairnets are rare.
 */
export const EVENT_WEIGHTS = [
  ['HANDWASHING_ACTIVE', 0.55],
  ['INSUFFICIENT_DWELL_TIME', 0.25],
  ['SKIP_DRYING', 0.15],
  ['NO_HAIRNET_AT_SINK', 0.05],
] as const;

export interface SimulatedEvent {
  /** Epoch seconds with microseconds, like Python's time.time() rounded to 6 decimals. */
  ts: number;
  type: EventType;
  cameraId: string;
  trackId: number;
  region: string;
  confidence: number;
  bbox: [number, number, number, number];
}

/** mulberry32: a small seeded generator so tests and demos can replay a run. */
export function seededRng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The pure part of the simulator: which events a tick produces. Tracks live a few ticks. */
export function createEventGenerator(rng: () => number) {
  const tracks = new Map<string, { id: number; ticksLeft: number }>();
  let nextTrack = 100 + Math.floor(rng() * 100);
  const round = (x: number, digits: number) => Math.round(x * 10 ** digits) / 10 ** digits;
  const pickType = (): EventType => {
    let u = rng();
    for (const [type, weight] of EVENT_WEIGHTS) {
      if (u < weight) return type;
      u -= weight;
    }
    return EVENT_WEIGHTS[0][0];
  };
  const trackOf = (cameraId: string): number => {
    let t = tracks.get(cameraId);
    if (!t || t.ticksLeft <= 0) {
      t = { id: nextTrack++, ticksLeft: 2 + Math.floor(rng() * 4) };
      tracks.set(cameraId, t);
    }
    return t.id;
  };
  return {
    next(now: Date, intervalMs: number): SimulatedEvent[] {
      for (const t of tracks.values()) t.ticksLeft--;
      const n = 1 + Math.floor(rng() * 3);
      // Spread over the interval that just ended, in order, as a pipeline would log them.
      const spacing = intervalMs / 1000 / (n + 1);
      return Array.from({ length: n }, (_, j) => {
        const camera = CAMERAS[Math.floor(rng() * CAMERAS.length)]!;
        const x1 = Math.floor(rng() * 1600);
        const y1 = Math.floor(rng() * 700);
        const w = 80 + Math.floor(rng() * 240);
        const h = 160 + Math.floor(rng() * 360);
        return {
          ts: round(now.getTime() / 1000 - spacing * (n - j) + rng() * spacing * 0.5, 6),
          type: pickType(),
          cameraId: camera.id,
          trackId: trackOf(camera.id),
          region: camera.regionName,
          confidence: round(0.6 + rng() * 0.39, 3),
          bbox: [x1, y1, Math.min(1920, x1 + w), Math.min(1080, y1 + h)],
        };
      });
    },
  };
}

/** One log line as the legacy pipeline wrote it: compact json.dumps, non-ASCII kept. */
export function formatLegacyLine(e: SimulatedEvent): string {
  // Python ints are bigint and floats number in PyValue, so 1.0 prints as `1.0`, not `1`.
  const evidence: PyValue = new Map<string, PyValue>([
    ['region', e.region],
    ['confidence', e.confidence],
    ['bbox', e.bbox.map((v) => BigInt(v))],
  ]);
  return dumpPy(
    new Map<string, PyValue>([
      ['ts', e.ts],
      ['type', e.type],
      ['camera_id', e.cameraId],
      ['track_id', BigInt(e.trackId)],
      ['evidence', evidence],
    ]),
  );
}

/** RotatingFileHandler.doRollover: .9→.10 … .1→.2, current→.1; rename replaces the target. */
export async function rotateLog(logPath: string, backupCount = ROTATED_BACKUPS): Promise<void> {
  for (let i = backupCount - 1; i >= 1; i--)
    await renameIfExists(rotatedPath(logPath, i), rotatedPath(logPath, i + 1));
  await renameIfExists(logPath, rotatedPath(logPath, 1));
}

async function renameIfExists(from: string, to: string): Promise<void> {
  try {
    await rename(from, to);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
}

async function sizeOf(path: string): Promise<number> {
  try {
    return (await stat(path)).size;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw err;
  }
}

export interface SimulatorOptions {
  handle: DatabaseHandle;
  logPath: string;
  /** Default: the system clock. */
  clock?: () => Date;
  /** Default: Math.random. */
  rng?: () => number;
  /** Pause between ticks of `start()`. Default 1000 ms. */
  intervalMs?: number;
  /** Rotate when the log would reach this size. Default 10 MiB (the pipeline used 100 MB). */
  rotateBytes?: number;
  /** Default: failures of background ticks are dropped (a pino logger fits). */
  logger?: { error(obj: object, msg?: string): void };
}

export interface Simulator {
  tick(): Promise<SimulatedEvent[]>;
  start(): void;
  stop(): Promise<void>;
}

export function createSimulator(opts: SimulatorOptions): Simulator {
  const { handle, logPath } = opts;
  const clock = opts.clock ?? (() => new Date());
  const rng = opts.rng ?? Math.random;
  const intervalMs = opts.intervalMs ?? 1000;
  const rotateBytes = opts.rotateBytes ?? 10 * 1024 * 1024;
  const generator = createEventGenerator(rng);
  let timer: NodeJS.Timeout | null = null;
  let inFlight: Promise<unknown> = Promise.resolve();
  let running = false;

  async function tick(): Promise<SimulatedEvent[]> {
    const now = clock();
    const batch = generator.next(now, intervalMs);
    const text = batch.map((e) => `${formatLegacyLine(e)}\n`).join('');
    await mkdir(dirname(logPath), { recursive: true });
    // Python rolls over before a write that would reach maxBytes, never on an empty file.
    const size = await sizeOf(logPath);
    if (size > 0 && size + Buffer.byteLength(text) >= rotateBytes) await rotateLog(logPath);
    // One write of whole lines, so a reader never sees a tick half-written between lines.
    await appendFile(logPath, text);
    await handle.db.transaction(async (tx) => {
      await tx.insert(detectionRecords).values(CAMERAS.map((c) => detectionRow(c.id, now, batch)));
      const violations = batch.flatMap((e) => {
        const violationType = VIOLATION_FOR[e.type];
        if (!violationType) return [];
        const { cameraId, trackId, confidence, bbox } = e;
        const occurredAt = new Date(e.ts * 1000);
        return [{ cameraId, occurredAt, violationType, trackId, confidence, bbox }];
      });
      if (violations.length) await tx.insert(violationEvents).values(violations);
    });
    return batch;

    function detectionRow(cameraId: string, recordedAt: Date, all: SimulatedEvent[]) {
      const mine = all.filter((e) => e.cameraId === cameraId);
      const count = (t: EventType) => mine.filter((e) => e.type === t).length;
      const conf = mine.length ? mine.reduce((a, e) => a + e.confidence, 0) / mine.length : 0;
      return {
        cameraId,
        recordedAt,
        personCount: new Set(mine.map((e) => e.trackId)).size + Math.floor(rng() * 2),
        hairnetViolations: count('NO_HAIRNET_AT_SINK'),
        handwashEvents: count('HANDWASHING_ACTIVE'),
        sanitizeEvents: rng() < 0.1 ? 1 : 0,
        processingTime: 0.02 + rng() * 0.03,
        fps: 15 + rng() * 10,
        avgConfidence: conf,
      };
    }
  }

  function schedule() {
    timer = setTimeout(() => {
      inFlight = tick()
        .catch((err) => opts.logger?.error({ err }, 'demo simulator tick failed'))
        .finally(() => {
          if (running) schedule();
        });
    }, intervalMs);
  }

  return {
    tick,
    start() {
      if (running) return;
      running = true;
      schedule();
    },
    async stop() {
      running = false;
      if (timer) clearTimeout(timer);
      timer = null;
      await inFlight;
    },
  };
}
