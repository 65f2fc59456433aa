// The legacy path's EventSource: answers "recent events" straight from the JSONL event log and
// its rotated predecessors, reading backwards from the end and stopping as soon as no older line
// can change the answer, so a request costs what its answer needs, not what the file holds.
import type { FileHandle } from 'node:fs/promises';
import { open } from 'node:fs/promises';
import type { EventRecord, EventSource, RecentEventsQuery } from '../domain/types.js';
import { parseLogLine } from './log-record.js';

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
}

export interface ScanStats {
  /**
   * Complete, non-blank lines that were not a valid record (skipped, as the old reader did),
   * among those parsed: a recent-events scan does not parse a line that cannot matter to it.
   */
  damaged: number;
  /** Complete lines examined, blank ones included. */
  linesRead: number;
  bytesRead: number;
}

export interface RecentEventsScan extends ScanStats {
  records: EventRecord[];
}

/**
 * Gets each valid record in reverse log order, with the greatest ts any older line can have;
 * answers false to stop reading.
 */
type RecordVisitor = (record: EventRecord, olderTsBound: number) => boolean;

/**
 * Asked before a line is parsed, with the ts its text starts with and the bound it would give
 * if it were a valid record: true when the line can neither be visited usefully nor end the
 * scan, valid or not, so it need not be parsed.
 */
type Negligible = (ts: number, olderTsBoundIfValid: number) => boolean;

const DEFAULT_CHUNK_SIZE = 64 * 1024;
const NEWLINE = 0x0a;

export class LegacyEventLog implements EventSource {
  private readonly tolerance: number;
  private readonly maxRotated: number;
  private readonly chunkSize: number;

  constructor(
    readonly path: string,
    opts: LegacyEventLogOptions = {},
  ) {
    this.tolerance = opts.orderToleranceSeconds ?? 60;
    this.maxRotated = opts.maxRotated ?? 10;
    this.chunkSize = Math.max(1, Math.floor(opts.chunkSize ?? DEFAULT_CHUNK_SIZE));
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

  private async readBackwards(visit: RecordVisitor, negligible?: Negligible): Promise<ScanStats> {
    const stats: ScanStats = { damaged: 0, linesRead: 0, bytesRead: 0 };
    let minTs = Number.POSITIVE_INFINITY;
    let stopped = false;
    const onLine = (bytes: Buffer, start: number, end: number): boolean => {
      stats.linesRead++;
      // Most lines of a recent-events scan lie between the answer and the end of the tolerance
      // window: their leading ts alone shows that they cannot change the answer (parsing each
      // one was 90% of a request). Not counting them in minTs only ever makes the scan longer.
      if (negligible) {
        const ts = leadingTs(bytes, start, end);
        if (ts !== undefined && negligible(ts, Math.min(minTs, ts) + this.tolerance)) return true;
      }
      const text = bytes.toString('utf8', start, end);
      const parsed = parseLogLine(text);
      if (!parsed.ok) {
        if (text.trim() !== '') stats.damaged++;
        return true;
      }
      // Every older line has ts <= (any newer line's ts) + tolerance; the smallest seen is tightest.
      if (parsed.record.ts < minTs) minTs = parsed.record.ts;
      stopped = !visit(parsed.record, minTs + this.tolerance);
      return !stopped;
    };
    // Rotation renames files under our feet: an inode already read under another name is skipped
    // so a rotation during the scan does not return its lines twice, and a missing number does
    // not end the search (the handler renames .9 → .10 … .1 → .2 one at a time).
    const seen = new Set<string>();
    for (let k = 0; k <= this.maxRotated && !stopped; k++) {
      const file = await openIfExists(k === 0 ? this.path : `${this.path}.${k}`);
      if (!file) continue;
      try {
        const st = await file.stat();
        const id = `${st.dev}:${st.ino}`;
        if (st.ino !== 0 && seen.has(id)) continue;
        seen.add(id);
        // Only the live file has a line in the middle of being written.
        stats.bytesRead += await readLinesBackwards(file, st.size, this.chunkSize, k === 0, onLine);
      } finally {
        await file.close();
      }
    }
    return stats;
  }
}

async function openIfExists(path: string): Promise<FileHandle | null> {
  try {
    return await open(path, 'r');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return null;
    throw err;
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

const TS_PREFIX = Buffer.from('{"ts":');
const [COMMA, R_BRACE] = [0x2c, 0x7d];

/** Characters of a JSON number token (the full parse still judges whether it is one). */
const isNumberChar = (c: number): boolean =>
  (c >= 0x30 && c <= 0x39) || c === 0x2e || c === 0x2d || c === 0x2b || c === 0x45 || c === 0x65;

/**
 * The ts of a line written as the legacy logger writes them, `{"ts":<number>,…`, without parsing
 * the rest; undefined when the line does not start so, or when another `"ts"` key (or an escape
 * that could spell one) might replace that value in the parsed record.
 */
function leadingTs(line: Buffer, start: number, end: number): number | undefined {
  const from = TS_PREFIX.length;
  if (end - start <= from) return undefined;
  for (let i = 0; i < from; i++) if (line[start + i] !== TS_PREFIX[i]) return undefined;
  // A one-byte string is cheap to make and to search (several times cheaper than a byte loop),
  // and each of its ASCII characters is the same byte in the UTF-8 text.
  const text = line.toString('latin1', start, end);
  let to = from;
  while (to < text.length && isNumberChar(text.charCodeAt(to))) to++;
  const next = text.charCodeAt(to);
  if (to === from || (next !== COMMA && next !== R_BRACE)) return undefined;
  if (text.indexOf('\\', to) !== -1 || text.indexOf('"ts"', to) !== -1) return undefined;
  const ts = Number(text.slice(from, to));
  return Number.isFinite(ts) ? ts : undefined;
}

/**
 * Feeds the file's complete lines to `onLine` (false: stop), last line first, reading `chunkSize`
 * bytes at a time from the end. Lines are split on the 0x0A byte and handed over whole (as a range
 * of a buffer), so a multi-byte character cut by a chunk boundary is never decoded in halves.
 * Returns the bytes read.
 */
async function readLinesBackwards(
  file: FileHandle,
  size: number,
  chunkSize: number,
  skipUnterminatedTail: boolean,
  onLine: (bytes: Buffer, start: number, end: number) => boolean,
): Promise<number> {
  let pos = size;
  let bytesRead = 0;
  /** The start of the line after the current chunk: pieces in file order. */
  let carry: Buffer[] = [];
  let atTail = true;
  /** The line `buf[start, end)` followed by the carried pieces. */
  const emit = (buf: Buffer, start: number, end: number): boolean => {
    let [bytes, from, to] = [buf, start, end];
    if (carry.length > 0) {
      bytes = Buffer.concat([buf.subarray(start, end), ...carry]);
      [from, to] = [0, bytes.length];
      carry = [];
    }
    if (atTail) {
      atTail = false;
      // Bytes after the last newline are a line still being written (or nothing at all).
      if (skipUnterminatedTail || to === from) return true;
    }
    return onLine(bytes, from, to);
  };

  while (pos > 0) {
    const len = Math.min(chunkSize, pos);
    pos -= len;
    const buf = Buffer.allocUnsafe(len);
    const { bytesRead: n } = await file.read(buf, 0, len, pos);
    bytesRead += n;
    // A short read means the file shrank under us; use what we got.
    let end = n;
    let nl = end > 0 ? buf.lastIndexOf(NEWLINE, end - 1) : -1;
    while (nl !== -1) {
      if (!emit(buf, nl + 1, end)) return bytesRead;
      end = nl;
      nl = end > 0 ? buf.lastIndexOf(NEWLINE, end - 1) : -1;
    }
    if (end > 0) carry.unshift(buf.subarray(0, end));
  }
  if (carry.length > 0 || atTail) emit(Buffer.alloc(0), 0, 0);
  return bytesRead;
}
