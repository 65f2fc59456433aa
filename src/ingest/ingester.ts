// The log ingester: tails the legacy JSONL log into the domain `events` table. Idempotent (a
// content-derived source key per line, `on conflict do nothing`), resumable (the checkpoint is
// written in the same transaction as its rows) and it follows RotatingFileHandler's renames.
import { eq, sql } from 'drizzle-orm';
import type { DatabaseHandle } from '../db/client.js';
import { events, ingestCheckpoints } from '../db/schema.js';
import { parseLogLine } from '../legacy/log-record.js';
import { LogFile, type LogLine, openRotated, parseFileId, shortHash } from './log-file.js';

export type SkipReason = Extract<ReturnType<typeof parseLogLine>, { ok: false }>['reason'];

/** The subset of pino's logger the ingester uses; a pino logger fits. */
export interface IngestLogger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export interface IngesterOptions {
  handle: DatabaseHandle;
  /** The live log file; rotated copies are `<logPath>.1` … `.10`. */
  logPath: string;
  /** Default: no logging. */
  logger?: IngestLogger;
  /** Pause between passes of `start()`. Default 500 ms. */
  pollIntervalMs?: number;
  /** Lines (valid or skipped) per transaction. Default 1000. */
  batchLines?: number;
}

export interface IngestResult {
  linesRead: number;
  inserted: number;
  /** Valid lines whose source key was already stored. */
  duplicates: number;
  skipped: number;
  skippedByReason: Record<SkipReason, number>;
  /** Files read in this pass (more than one after a rotation). */
  files: number;
  /** True when stop() ended the pass before the end of the log. */
  stopped: boolean;
}

export interface IngestStats {
  passes: number;
  linesRead: number;
  inserted: number;
  duplicates: number;
  skippedByReason: Record<SkipReason, number>;
  /** Batches abandoned because another ingester had moved the checkpoint. */
  conflicts: number;
  errors: number;
  lastError: string | null;
  lastPassAt: Date | null;
  /** Where the last committed batch left the checkpoint. */
  checkpoint: { fileId: string; position: number } | null;
  running: boolean;
}

export interface Ingester {
  runOnce(): Promise<IngestResult>;
  start(): void;
  stop(): Promise<void>;
  stats(): IngestStats;
}

type Cursor = { fileId: string; position: number } | null;
type EventRow = typeof events.$inferInsert;

/** Thrown inside a batch transaction to roll it back: the checkpoint is not where we left it. */
class CheckpointMoved extends Error {}

const noop = () => {};
const silent: IngestLogger = { debug: noop, info: noop, warn: noop, error: noop };
// 8 parameters per row; PostgreSQL's protocol allows 65535 per statement.
const ROWS_PER_STATEMENT = 4000;
const MAX_BACKOFF_MS = 30_000;

export function createIngester(opts: IngesterOptions): Ingester {
  const { handle, logPath } = opts;
  const logger = opts.logger ?? silent;
  const pollIntervalMs = opts.pollIntervalMs ?? 500;
  const batchLines = Math.max(1, opts.batchLines ?? 1000);
  const s: IngestStats = {
    passes: 0,
    linesRead: 0,
    inserted: 0,
    duplicates: 0,
    skippedByReason: { not_json: 0, not_object: 0, bad_ts: 0 },
    conflicts: 0,
    errors: 0,
    lastError: null,
    lastPassAt: null,
    checkpoint: null,
    running: false,
  };
  let stopping = false;
  let chain: Promise<unknown> = Promise.resolve();
  let loop: Promise<void> | null = null;
  let wake: (() => void) | null = null;

  async function loadCursor(): Promise<Cursor> {
    const [row] = await handle.db
      .select({ fileId: ingestCheckpoints.fileId, position: ingestCheckpoints.position })
      .from(ingestCheckpoints)
      .where(eq(ingestCheckpoints.logPath, logPath));
    return row ?? null;
  }

  /** The files to read, oldest first, each with where to begin. */
  async function plan(cursor: Cursor): Promise<{ file: LogFile; from: number }[]> {
    const current = await LogFile.open(logPath);
    if (!cursor) return current ? [{ file: current, from: 0 }] : [];
    const saved = parseFileId(cursor.fileId);
    const resume = (f: LogFile) => ({ file: f, from: f.size >= cursor.position ? cursor.position : 0 });
    if (current && current.head === saved.head) return [resume(current)];
    // The checkpointed file was rotated away: finish it where it now lives, then every newer file.
    const rotated = await openRotated(logPath);
    const matches = rotated.filter((r) => r.file.head === saved.head);
    const mine =
      matches.find((r) => `${r.file.dev}:${r.file.ino}` === `${saved.dev}:${saved.ino}`) ??
      matches[0];
    const steps: { file: LogFile; from: number }[] = [];
    for (const r of [...rotated].reverse()) {
      if (mine && r.index > mine.index) await r.file.close();
      else if (r === mine) steps.push(resume(r.file));
      else if (mine || !matches.length) steps.push({ file: r.file, from: 0 });
      else await r.file.close();
    }
    if (!mine) logger.warn({ logPath, fileId: cursor.fileId }, 'checkpointed log file is gone');
    if (current) steps.push({ file: current, from: 0 });
    return steps;
  }

  async function commit(
    cursor: Cursor,
    next: { fileId: string; position: number },
    rows: EventRow[],
    skipped: number,
  ): Promise<number> {
    return handle.db.transaction(async (tx) => {
      // Lock the checkpoint row so a second ingester on the same log waits, then notices.
      const [row] = await tx
        .select({ fileId: ingestCheckpoints.fileId, position: ingestCheckpoints.position })
        .from(ingestCheckpoints)
        .where(eq(ingestCheckpoints.logPath, logPath))
        .for('update');
      if ((row ?? null)?.fileId !== cursor?.fileId || row?.position !== cursor?.position) {
        throw new CheckpointMoved();
      }
      let inserted = 0;
      for (let i = 0; i < rows.length; i += ROWS_PER_STATEMENT) {
        const ids = await tx
          .insert(events)
          .values(rows.slice(i, i + ROWS_PER_STATEMENT))
          .onConflictDoNothing({ target: events.sourceKey })
          .returning({ id: events.id });
        inserted += ids.length;
      }
      const values = { logPath, ...next, linesIngested: inserted, linesSkipped: skipped };
      const written = await tx
        .insert(ingestCheckpoints)
        .values(values)
        .onConflictDoUpdate({
          target: ingestCheckpoints.logPath,
          set: {
            ...next,
            linesIngested: sql`${ingestCheckpoints.linesIngested} + ${inserted}`,
            linesSkipped: sql`${ingestCheckpoints.linesSkipped} + ${skipped}`,
            updatedAt: sql`now()`,
          },
        })
        .returning({ position: ingestCheckpoints.position });
      if (!written.length) throw new CheckpointMoved();
      return inserted;
    });
  }

  async function ingestFile(file: LogFile, from: number, state: PassState): Promise<void> {
    const fileId = file.fileId;
    if (fileId === null) return; // no complete line yet
    let rows: EventRow[] = [];
    let skipped = 0;
    let position = from;
    const flush = async () => {
      if (position === state.cursor?.position && fileId === state.cursor.fileId) return;
      const next = { fileId, position };
      const inserted = await commit(state.cursor, next, rows, skipped);
      state.result.inserted += inserted;
      state.result.duplicates += rows.length - inserted;
      state.cursor = next;
      s.checkpoint = next;
      rows = [];
      skipped = 0;
    };
    for await (const chunk of file.lines(from)) {
      for (const line of chunk) {
        position = line.next;
        const row = toRow(line, file.head!, state);
        if (row === 'skipped') skipped++;
        else if (row) rows.push(row);
        if (rows.length + skipped >= batchLines) {
          await flush();
          if (stopping) return;
        }
      }
    }
    await flush();
  }

  function toRow(line: LogLine, head: string, state: PassState): EventRow | 'skipped' | null {
    const text = line.bytes.toString('utf8');
    if (text.trim() === '') return null;
    state.result.linesRead++;
    const parsed = parseLogLine(text);
    const occurredAt = parsed.ok ? parsed.record.occurredAt : null;
    if (!parsed.ok || !occurredAt || Number.isNaN(occurredAt.getTime())) {
      const reason: SkipReason = parsed.ok ? 'bad_ts' : parsed.reason;
      state.result.skippedByReason[reason]++;
      logger.debug({ logPath, offset: line.offset, reason }, 'skipped a damaged log line');
      return 'skipped';
    }
    const r = parsed.record;
    return {
      occurredAt,
      ts: r.ts,
      type: storable(r.type),
      cameraId: storable(r.cameraId),
      // bigint column: a fractional or huge track id would fail the whole batch.
      trackId: Number.isSafeInteger(r.trackId) ? r.trackId : null,
      evidence: storable(r.evidence ?? null),
      raw: storable(r.raw),
      // Content-derived, so a renamed or copied file yields the same keys (see sourceKey()).
      sourceKey: sourceKey(head, line),
    };
  }

  async function pass(): Promise<IngestResult> {
    const state: PassState = { cursor: await loadCursor(), result: emptyResult() };
    const steps = await plan(state.cursor);
    state.result.files = steps.length;
    try {
      for (const { file, from } of steps) {
        if (stopping) break;
        await ingestFile(file, from, state);
      }
    } finally {
      await Promise.all(steps.map((st) => st.file.close()));
    }
    state.result.stopped = stopping;
    return state.result;
  }

  /** One pass at a time; a pass that lost a race with another ingester is simply run again. */
  function runOnce(): Promise<IngestResult> {
    const run = chain.then(async () => {
      s.running = true;
      try {
        for (let attempt = 1; ; attempt++) {
          try {
            const result = await pass();
            record(result);
            return result;
          } catch (err) {
            if (!(err instanceof CheckpointMoved) || attempt >= 3) throw err;
            s.conflicts++;
            logger.debug({ logPath }, 'checkpoint moved by another ingester; re-reading it');
          }
        }
      } finally {
        s.running = false;
      }
    });
    chain = run.catch(noop);
    return run;
  }

  function record(result: IngestResult) {
    s.passes++;
    s.lastPassAt = new Date();
    s.linesRead += result.linesRead;
    s.inserted += result.inserted;
    s.duplicates += result.duplicates;
    for (const [k, v] of Object.entries(result.skippedByReason)) s.skippedByReason[k as SkipReason] += v;
    result.skipped = Object.values(result.skippedByReason).reduce((a, b) => a + b, 0);
    if (result.inserted || result.skipped) logger.info({ logPath, ...result }, 'ingested log lines');
  }

  function start() {
    if (loop) return;
    stopping = false;
    loop = (async () => {
      let delay = pollIntervalMs;
      while (!stopping) {
        try {
          await runOnce();
          delay = pollIntervalMs;
        } catch (err) {
          s.errors++;
          s.lastError = err instanceof Error ? err.message : String(err);
          logger.error({ logPath, err }, 'log ingest pass failed; retrying');
          delay = Math.min(delay * 2, MAX_BACKOFF_MS);
        }
        if (stopping) break;
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, delay);
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        wake = null;
      }
    })();
  }

  async function stop() {
    stopping = true;
    wake?.();
    await loop;
    await chain;
    loop = null;
    stopping = false;
  }

  return { runOnce, start, stop, stats: () => ({ ...s, skippedByReason: { ...s.skippedByReason } }) };
}

interface PassState {
  cursor: Cursor;
  result: IngestResult;
}

function emptyResult(): IngestResult {
  const skippedByReason = { not_json: 0, not_object: 0, bad_ts: 0 };
  return { linesRead: 0, inserted: 0, duplicates: 0, skipped: 0, skippedByReason, files: 0, stopped: false };
}

/**
 * `<file head>:<byte offset>:<line hash>`. Renames (RotatingFileHandler) and copies
 * (copytruncate, restores) keep a line's file head and offset, so its key survives them; two
 * byte-identical records at different offsets stay two events, as the legacy reader shows them.
 * The line hash guards against two files whose first lines happen to be equal.
 */
export function sourceKey(head: string, line: LogLine): string {
  return `${head}:${line.offset}:${shortHash(line.bytes)}`;
}

// PostgreSQL text and jsonb reject NUL and unpaired surrogates (JSON escapes can produce both),
// and one such value would fail its whole batch forever; U+FFFD keeps the rest of the record.
const UNSTORABLE = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

function storable<T>(value: T): T {
  if (typeof value === 'string') return value.replace(UNSTORABLE, '\ufffd') as T;
  if (Array.isArray(value)) return value.map(storable) as T;
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [storable(k), storable(v)]),
    ) as T;
  }
  return value;
}
