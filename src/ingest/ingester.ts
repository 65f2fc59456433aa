// The log ingester: tails the legacy JSONL log into the domain `events` table. Idempotent (a
// content-derived source key per line, `on conflict do nothing`), resumable (the checkpoint is
// written in the same transaction as its rows) and it follows RotatingFileHandler's renames.
import type { DatabaseHandle } from '../db/client.js';
import {
  CheckpointMoved,
  type Cursor,
  commitBatch,
  loadCursor,
  sameCursor,
} from './checkpoint-store.js';
import { type EventRow, noSkips, type SkipReason, toEventRow } from './event-row.js';
import { type LogFile, planReads } from './log-file.js';

export type { SkipReason } from './event-row.js';

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

interface Counts {
  /** Non-blank lines read and committed (valid or skipped). */
  linesRead: number;
  inserted: number;
  /** Valid lines whose source key was already stored. */
  duplicates: number;
  skippedByReason: Record<SkipReason, number>;
}

export interface IngestResult extends Counts {
  skipped: number;
  /** Files read in this pass (more than one after a rotation). */
  files: number;
  /** True when stop() was called during the pass, which then ended after its current batch. */
  stopped: boolean;
}

export interface IngestStats extends Counts {
  passes: number;
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

const noop = () => {};
const silent: IngestLogger = { debug: noop, info: noop, warn: noop, error: noop };
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
    skippedByReason: noSkips(),
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
  let lostWarned: string | undefined;

  async function ingestFile(file: LogFile, from: number, state: PassState): Promise<void> {
    const fileId = file.fileId;
    if (fileId === null) return; // no complete line yet
    let batch = emptyBatch();
    let position = from;
    const flush = async () => {
      if (position === state.cursor?.position && fileId === state.cursor.fileId) return;
      const next = { fileId, position };
      const { rows, skipped, byReason } = batch;
      const inserted = await commitBatch(handle, logPath, state.cursor, next, rows, skipped);
      // Counted only once committed: a batch rolled back by a conflict is read again.
      addCounts(state.result, {
        linesRead: rows.length + skipped,
        inserted,
        duplicates: rows.length - inserted,
        skippedByReason: byReason,
      });
      state.cursor = next;
      s.checkpoint = next;
      batch = emptyBatch();
    };
    for await (const chunk of file.lines(from)) {
      for (const line of chunk) {
        position = line.next;
        const row = toEventRow(line, file.head!);
        if (typeof row === 'string') {
          batch.skipped++;
          batch.byReason[row]++;
          logger.debug({ logPath, offset: line.offset, reason: row }, 'skipped a damaged log line');
        } else if (row) batch.rows.push(row);
        if (batch.rows.length + batch.skipped >= batchLines) {
          await flush();
          if (stopping) return;
        }
      }
    }
    await flush();
  }

  /** Reads every file of the plan; 'moved' when another ingester committed in between. */
  async function pass(result: IngestResult): Promise<'done' | 'moved'> {
    const state: PassState = { cursor: await loadCursor(handle, logPath), result };
    const { steps, lost } = await planReads(logPath, state.cursor);
    // Once per lost file, not once per poll while the new file is still empty.
    if (lost && state.cursor?.fileId !== lostWarned) {
      lostWarned = state.cursor?.fileId;
      logger.warn({ logPath, checkpoint: state.cursor }, 'checkpointed log file is gone');
    }
    result.files += steps.length;
    try {
      for (const { file, from } of steps) {
        if (stopping) break;
        await ingestFile(file, from, state);
      }
      return 'done';
    } catch (err) {
      if (err instanceof CheckpointMoved) return 'moved';
      throw err;
    } finally {
      await Promise.all(steps.map((st) => st.file.close()));
    }
  }

  /**
   * One pass at a time per instance. A pass that lost a race with another ingester starts again
   * from the checkpoint that one wrote; it only gives up when the checkpoint did not move.
   */
  function runOnce(): Promise<IngestResult> {
    const run = chain.then(async () => {
      s.running = true;
      const result = emptyResult();
      try {
        let seen: Cursor | undefined;
        while ((await pass(result)) === 'moved') {
          s.conflicts++;
          const now = await loadCursor(handle, logPath);
          if (seen !== undefined && sameCursor(now, seen)) {
            throw new Error(`ingest checkpoint of ${logPath} conflicts without moving`);
          }
          seen = now;
          logger.debug({ logPath, checkpoint: now }, 'another ingester moved the checkpoint');
        }
        result.stopped = stopping;
        return result;
      } finally {
        // Batches committed before a failure count too.
        result.skipped = Object.values(result.skippedByReason).reduce((x, y) => x + y, 0);
        record(result);
        s.running = false;
      }
    });
    chain = run.catch(noop);
    return run;
  }

  function record(result: IngestResult) {
    s.passes++;
    s.lastPassAt = new Date();
    addCounts(s, result);
    if (result.inserted || result.skipped)
      logger.debug({ logPath, ...result }, 'ingested log lines');
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

  return {
    runOnce,
    start,
    stop,
    stats: () => ({ ...s, skippedByReason: { ...s.skippedByReason } }),
  };
}

interface PassState {
  cursor: Cursor;
  result: IngestResult;
}

function emptyBatch() {
  return { rows: [] as EventRow[], skipped: 0, byReason: noSkips() };
}

function emptyResult(): IngestResult {
  return {
    linesRead: 0,
    inserted: 0,
    duplicates: 0,
    skipped: 0,
    skippedByReason: noSkips(),
    files: 0,
    stopped: false,
  };
}

function addCounts(into: Counts, from: Counts) {
  into.linesRead += from.linesRead;
  into.inserted += from.inserted;
  into.duplicates += from.duplicates;
  for (const [k, v] of Object.entries(from.skippedByReason)) {
    into.skippedByReason[k as SkipReason] += v;
  }
}
