// The legacy path's EventSource: answers "recent events" straight from the JSONL event log and
// its rotated predecessors, reading backwards from the end and stopping as soon as no older line
// can change the answer, so a request costs what its answer needs, not what the file holds. The
// newest lines stay parsed in memory (tail-cache.ts), so a repeated request costs a stat and a
// walk over records instead of reading and parsing them again; the answer is the same either way.
import type { EventRecord, EventSource, RecentEventsQuery } from '../domain/types.js';
import {
  LogScan,
  type Negligible,
  type RecordVisitor,
  readFileUncached,
  type ScanStats,
  type SkipReporter,
} from './log-scan.js';
import { ROTATED_BACKUPS, rotatedPath } from './rotation.js';
import type { ScanBudget, ScanLimiter } from './scan-limits.js';
import { TailCache, type TailCacheUsage } from './tail-cache.js';

export type { ScanStats } from './log-scan.js';

export interface LegacyEventLogOptions {
  /**
   * How far out of order concurrent writers may log: a line's ts is at most this many seconds
   * greater than the ts of any line written after it. Default 60.
   */
  orderToleranceSeconds?: number;
  /** Rotated files `<path>.1` … `<path>.<maxRotated>` (Python RotatingFileHandler). Default 10. */
  maxRotated?: number;
  /** Bytes per backwards read. Default 64 KiB. */
  chunkSize?: number;
  /**
   * Most log lines kept parsed in memory (the tail cache), over the live file and the rotated
   * ones, damaged lines included. At about 800 bytes of heap per line of the usual shape, the
   * default 50,000 is about 40 MB. 0 turns the cache off: every request reads the files.
   */
  tailCacheRecords?: number;
  /** Most bytes of log text behind the kept lines. Default 32 MiB; 0 turns the cache off. */
  tailCacheBytes?: number;
  /**
   * Time budget and concurrency bound of each read (recentEvents, scanSince). Default: none.
   * A read past either is refused with LegacyScanRefused.
   */
  limiter?: ScanLimiter;
  /**
   * Told about a log path that exists but cannot be read as a log file (a directory, no
   * permission); the reader skips it as if it were missing. Default: nothing.
   */
  onSkip?: SkipReporter;
}

/** Where the log is and how it is read: what another reader of the same files must agree on. */
export interface LogFiles {
  path: string;
  orderToleranceSeconds: number;
  maxRotated: number;
  chunkSize: number;
  limiter: ScanLimiter | undefined;
  onSkip: SkipReporter;
}

export interface RecentEventsScan extends ScanStats {
  records: EventRecord[];
}

const DEFAULT_CHUNK_SIZE = 64 * 1024;
export const DEFAULT_TAIL_CACHE_RECORDS = 50_000;
export const DEFAULT_TAIL_CACHE_BYTES = 16 * 1024 * 1024;

export class LegacyEventLog implements EventSource {
  private readonly tolerance: number;
  private readonly maxRotated: number;
  private readonly chunkSize: number;
  private readonly cache: TailCache | undefined;
  private readonly limiter: ScanLimiter | undefined;
  private readonly onSkip: SkipReporter;

  constructor(
    readonly path: string,
    opts: LegacyEventLogOptions = {},
  ) {
    this.tolerance = opts.orderToleranceSeconds ?? 60;
    this.maxRotated = opts.maxRotated ?? ROTATED_BACKUPS;
    this.chunkSize = Math.max(1, Math.floor(opts.chunkSize ?? DEFAULT_CHUNK_SIZE));
    this.limiter = opts.limiter;
    this.onSkip = opts.onSkip ?? (() => {});
    const maxLines = Math.floor(opts.tailCacheRecords ?? DEFAULT_TAIL_CACHE_RECORDS);
    const maxBytes = Math.floor(opts.tailCacheBytes ?? DEFAULT_TAIL_CACHE_BYTES);
    if (maxLines > 0 && maxBytes > 0) {
      this.cache = new TailCache({ maxLines, maxBytes, chunkSize: this.chunkSize });
    }
  }

  async recentEvents(query: RecentEventsQuery): Promise<EventRecord[]> {
    return (await this.recentEventsWithStats(query)).records;
  }

  async recentEventsWithStats(query: RecentEventsQuery): Promise<RecentEventsScan> {
    const newest = new NewestMatches(query);
    if (newest.limit === 0) return { records: [], damaged: 0, linesRead: 0, bytesRead: 0 };
    const stats = await this.readBackwards(
      (r, bound) => newest.offer(r, bound),
      (ts, bound) => newest.negligible(ts, bound),
    );
    return { records: newest.result(), ...stats };
  }

  /**
   * Visits every valid record with ts >= since, newest written first (so in ts order only up to
   * the tolerance), for aggregates over a window.
   */
  async scanSince(since: Date, visit: (record: EventRecord) => void): Promise<ScanStats> {
    const sinceTs = since.getTime() / 1000;
    return this.readBackwards((r, bound) => {
      if (r.ts >= sinceTs) visit(r);
      return bound >= sinceTs;
    });
  }

  /** The files and reading rules, for the incremental statistics over the same log. */
  get files(): LogFiles {
    return {
      path: this.path,
      orderToleranceSeconds: this.tolerance,
      maxRotated: this.maxRotated,
      chunkSize: this.chunkSize,
      limiter: this.limiter,
      onSkip: this.onSkip,
    };
  }

  /** What the tail cache holds (zeros when it is off). */
  cacheUsage(): TailCacheUsage {
    return this.cache?.usage() ?? { segments: 0, lines: 0, bytes: 0 };
  }

  /** Closes the files the tail cache holds open and forgets its lines. */
  async close(): Promise<void> {
    await this.cache?.close();
  }

  private readBackwards(visit: RecordVisitor, negligible?: Negligible): Promise<ScanStats> {
    if (!this.limiter) return this.readAll(visit, negligible);
    return this.limiter.run((budget) => this.readAll(visit, negligible, budget));
  }

  private async readAll(
    visit: RecordVisitor,
    negligible?: Negligible,
    budget?: ScanBudget,
  ): Promise<ScanStats> {
    const scan = new LogScan(this.tolerance, visit, negligible, budget?.check);
    scan.onSkip = this.onSkip;
    // Rotation renames files under our feet: an inode already read under another name is skipped
    // so a rotation during the scan does not return its lines twice, and a missing number does
    // not end the search (the handler renames .9 → .10 … .1 → .2 one at a time).
    const seen = new Set<string>();
    for (let k = 0; k <= this.maxRotated && !scan.stopped; k++) {
      const path = rotatedPath(this.path, k);
      if (this.cache) await this.cache.read(path, k, scan, seen);
      else await readFileUncached(path, k, scan, seen, this.chunkSize);
      await budget?.pause();
    }
    return scan.stats;
  }
}

/** The newest `limit` matches of a query among the records seen so far, and when to stop. */
class NewestMatches {
  readonly limit: number;
  private readonly since: number;
  private readonly type: string | undefined;
  private readonly cameraId: string | undefined;
  /**
   * Best first: ts desc, then later-written first. Records arrive newest written first, so an
   * arrival ranks after every kept record of equal ts. At most `limit`.
   */
  private readonly best: EventRecord[] = [];

  constructor(query: RecentEventsQuery) {
    this.since = query.since.getTime() / 1000;
    this.limit = Math.max(0, Math.floor(query.limit));
    this.type = query.type === '' ? undefined : query.type;
    this.cameraId = query.cameraId;
  }

  /**
   * Whether a line whose ts is `ts` can be passed over unparsed: as a valid record it could not
   * enter the answer, and with `boundIfValid` the scan would go on anyway.
   */
  negligible(ts: number, boundIfValid: number): boolean {
    const worst = this.best.length === this.limit ? this.best[this.limit - 1] : undefined;
    const excluded = ts < this.since || (worst !== undefined && ts <= worst.ts);
    return (
      excluded && boundIfValid >= this.since && (worst === undefined || boundIfValid >= worst.ts)
    );
  }

  /** Takes the next older record; false once no older record can enter the answer. */
  offer(r: EventRecord, olderTsBound: number): boolean {
    if (r.ts >= this.since && this.matches(r)) this.insert(r);
    const worst = this.best.length === this.limit ? this.best[this.limit - 1] : undefined;
    return olderTsBound >= this.since && (worst === undefined || olderTsBound >= worst.ts);
  }

  result(): EventRecord[] {
    return this.best.slice();
  }

  private matches(r: EventRecord): boolean {
    if (this.type !== undefined && r.type !== this.type) return false;
    if (this.cameraId === undefined) return true;
    // The old service's '' matched records without a camera.
    if (this.cameraId === '') return r.cameraId === null || r.cameraId === '';
    return r.cameraId === this.cameraId;
  }

  private insert(record: EventRecord): void {
    const best = this.best;
    const ts = record.ts;
    if (best.length === this.limit && ts <= (best[best.length - 1] as EventRecord).ts) return;
    let lo = 0;
    let hi = best.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((best[mid] as EventRecord).ts >= ts) lo = mid + 1;
      else hi = mid;
    }
    best.splice(lo, 0, record);
    if (best.length > this.limit) best.pop();
  }
}
