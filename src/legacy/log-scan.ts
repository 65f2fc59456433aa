// The pieces of a backwards scan of the legacy event log that the plain reader and the tail cache
// share: what one line does to a scan (so a line replayed from memory counts exactly as the same
// line read from the file), and reading a file's lines backwards in chunks.
import { constants, type Stats, statSync } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { open } from 'node:fs/promises';
import type { EventRecord } from '../domain/types.js';
import { parseLogLine } from './log-record.js';

export interface ScanStats {
  /**
   * Complete, non-blank lines that were not a valid record (skipped, as the old reader did),
   * among those parsed: a recent-events scan does not parse a line that cannot matter to it.
   */
  damaged: number;
  /** Complete lines examined, blank ones included. */
  linesRead: number;
  /** Bytes this call read from the files (lines answered from the tail cache cost none). */
  bytesRead: number;
}

/**
 * Gets each valid record in reverse log order, with the greatest ts any older line can have;
 * answers false to stop reading.
 */
export type RecordVisitor = (record: EventRecord, olderTsBound: number) => boolean;

/**
 * Asked before a line is parsed, with the ts its text starts with and the bound it would give
 * if it were a valid record: true when the line can neither be visited usefully nor end the
 * scan, valid or not, so it need not be parsed.
 */
export type Negligible = (ts: number, olderTsBoundIfValid: number) => boolean;

/** A file read at positions (a FileHandle is one). */
export interface PositionalFile {
  read(
    buffer: Buffer,
    offset: number,
    length: number,
    position: number,
  ): Promise<{ bytesRead: number }>;
}

/** Gets a line as `bytes[start, end)` (no newline); false: stop reading. */
export type LineSink = (bytes: Buffer, start: number, end: number) => boolean;

/** What a kept line is when it is not a valid record. */
export type LineFault = 'damaged' | 'blank';
export type ParsedLine = EventRecord | LineFault;

/**
 * Parsed lines kept in memory, in file order: each line's leading ts (NaN: none; kept apart, so a
 * scan that passes over a line never touches its record), what it parsed to, and its length in
 * bytes without the newline.
 */
export class LineRun {
  leads: number[] = [];
  lines: ParsedLine[] = [];
  lengths: number[] = [];
  /** Sum of (length + 1). */
  bytes = 0;

  get count(): number {
    return this.lines.length;
  }

  /** Parses a line once, for keeping: everything a scan computes from its bytes. */
  push(bytes: Buffer, start: number, end: number): void {
    const text = bytes.toString('utf8', start, end);
    const parsed = parseLogLine(text);
    this.leads.push(leadingTs(bytes, start, end) ?? Number.NaN);
    this.lines.push(parsed.ok ? parsed.record : text.trim() === '' ? 'blank' : 'damaged');
    this.lengths.push(end - start);
    this.bytes += end - start + 1;
  }

  /** Puts `older` (in reverse file order, as read backwards) in front. */
  prepend(older: LineRun): void {
    this.leads = older.leads.reverse().concat(this.leads);
    this.lines = older.lines.reverse().concat(this.lines);
    this.lengths = older.lengths.reverse().concat(this.lengths);
    this.bytes += older.bytes;
  }

  /** Drops the first n lines; returns their bytes (with newlines). */
  dropFront(n: number): number {
    let bytes = 0;
    for (let i = 0; i < n; i++) bytes += this.lengths[i]! + 1;
    this.leads.splice(0, n);
    this.lines.splice(0, n);
    this.lengths.splice(0, n);
    this.bytes -= bytes;
    return bytes;
  }
}

/**
 * One backwards scan over the log: counts lines, skips what the visitor's `negligible` allows,
 * tracks the bounded-disorder stopping bound, and stops when the visitor says so. A line counts
 * the same whether it comes as bytes (`line`) or already parsed (`parsed`).
 */
export class LogScan {
  readonly stats: ScanStats = { damaged: 0, linesRead: 0, bytesRead: 0 };
  stopped = false;
  /** Told about a path that is there but cannot be read as a log file (it is skipped). */
  onSkip: SkipReporter = () => {};
  /** Every older line has ts <= (any newer line's ts) + tolerance; the smallest seen is tightest. */
  private minTs = Number.POSITIVE_INFINITY;

  constructor(
    private readonly tolerance: number,
    private readonly visit: RecordVisitor,
    private readonly negligible?: Negligible,
    /** Checked every 1024 lines: throws to abandon the scan (a time budget). */
    private readonly checkpoint?: () => void,
  ) {}

  /** A line read from a file: its leading ts is looked at first, and it is parsed only if needed. */
  readonly line: LineSink = (bytes, start, end) => {
    // Most lines of a recent-events scan lie between the answer and the end of the tolerance
    // window: their leading ts alone shows that they cannot change the answer (parsing each
    // one was 90% of a request). Not counting them in minTs only ever makes the scan longer.
    const lead = this.negligible ? (leadingTs(bytes, start, end) ?? Number.NaN) : Number.NaN;
    if (this.skips(lead)) return true;
    const text = bytes.toString('utf8', start, end);
    const parsed = parseLogLine(text);
    return parsed.ok ? this.take(parsed.record) : this.reject(text.trim() !== '');
  };

  /**
   * Kept lines `from` down to `to` (all by default), newest first, exactly as if they were read
   * from the file: false once the scan stops.
   */
  replay(run: LineRun, from = run.count - 1, to = 0): boolean {
    const { leads, lines } = run;
    for (let i = from; i >= to; i--) {
      if (this.skips(leads[i]!)) continue;
      const line = lines[i]!;
      if (typeof line === 'string') this.reject(line === 'damaged');
      else if (!this.take(line)) return false;
    }
    return true;
  }

  /** Counts the line; true if a line with this leading ts need not be parsed. */
  private skips(lead: number): boolean {
    if ((++this.stats.linesRead & 1023) === 0) this.checkpoint?.();
    return (
      this.negligible !== undefined &&
      !Number.isNaN(lead) &&
      this.negligible(lead, Math.min(this.minTs, lead) + this.tolerance)
    );
  }

  private reject(damaged: boolean): true {
    if (damaged) this.stats.damaged++;
    return true;
  }

  private take(record: EventRecord): boolean {
    if (record.ts < this.minTs) this.minTs = record.ts;
    this.stopped = !this.visit(record, this.minTs + this.tolerance);
    return !this.stopped;
  }
}

/**
 * What to do with the bytes after a file's last newline: in the live file (k = 0) they are a line
 * still being written and are skipped; in a rotated file they are its last line.
 */
export function tailSink(k: number, scan: LogScan): LineSink {
  return k === 0
    ? () => true
    : (bytes, start, end) => start === end || scan.line(bytes, start, end);
}

export const fileId = (st: Stats): string => `${st.dev}:${st.ino}`;

/**
 * Read-only, and non-blocking so that a FIFO at a log path cannot hang the open (a regular file
 * reads the same either way).
 */
export const OPEN_FLAGS = constants.O_RDONLY | constants.O_NONBLOCK;

export async function openIfExists(path: string): Promise<FileHandle | null> {
  try {
    return await open(path, OPEN_FLAGS);
  } catch (err) {
    if (isMissing(err)) return null;
    throw err;
  }
}

/** Gets a path that exists but is skipped, and why (a directory, no permission, …). */
export type SkipReporter = (path: string, reason: string) => void;

/**
 * Errors that make a path unusable as a log file however often it is tried: such a path is
 * skipped like a missing file (and reported), never a failed request.
 */
export const isUnreadable = (err: unknown): boolean => {
  const code = (err as NodeJS.ErrnoException).code;
  return (
    code === 'EACCES' ||
    code === 'EPERM' ||
    code === 'EISDIR' ||
    code === 'ELOOP' ||
    code === 'ENXIO' ||
    code === 'ENAMETOOLONG'
  );
};

/**
 * Passes a skipped path on the first time, and again only when the reason changes or
 * `quietMs` has passed: a directory left at a rotation path must not log on every request.
 */
export function reportSkipsOnce(report: SkipReporter, quietMs = 300_000): SkipReporter {
  const last = new Map<string, { reason: string; at: number }>();
  return (path, reason) => {
    const now = performance.now();
    const before = last.get(path);
    if (before && before.reason === reason && now - before.at < quietMs) return;
    last.set(path, { reason, at: now });
    report(path, reason);
  };
}

export const errorCode = (err: unknown): string =>
  (err as NodeJS.ErrnoException).code ?? String(err);

export const isMissing = (err: unknown): boolean => {
  const code = (err as NodeJS.ErrnoException).code;
  return code === 'ENOENT' || code === 'ENOTDIR';
};

/**
 * The file's stat, or null if there is none. Synchronous on purpose: the tail cache makes this the
 * only system call of most requests, and for a local file it costs ~2 µs, where the thread-pool
 * round trip of the asynchronous one costs ~20 µs (a third of a request served from memory).
 */
export function statIfExists(path: string): Stats | null {
  try {
    return statSync(path, { throwIfNoEntry: false }) ?? null;
  } catch (err) {
    if (isMissing(err)) return null;
    throw err;
  }
}

/**
 * Reads file `<path>` (k = its rotation number) backwards into the scan, without any cache,
 * unless a file with the same identity was read already in this scan.
 */
export async function readFileUncached(
  path: string,
  k: number,
  scan: LogScan,
  seen: Set<string>,
  chunkSize: number,
): Promise<void> {
  let file: FileHandle | null;
  try {
    file = await openIfExists(path);
  } catch (err) {
    if (!isUnreadable(err)) throw err;
    scan.onSkip(path, errorCode(err));
    return;
  }
  if (!file) return;
  try {
    const st = await file.stat();
    if (!st.isFile()) {
      scan.onSkip(path, 'not a regular file');
      return;
    }
    const id = fileId(st);
    if (st.ino !== 0 && seen.has(id)) return;
    seen.add(id);
    scan.stats.bytesRead += await readLinesBackwards(
      file,
      st.size,
      chunkSize,
      tailSink(k, scan),
      scan.line,
    );
  } finally {
    await file.close();
  }
}

/** `len` bytes at `pos`, fewer only where the file ends. */
export async function readAt(file: PositionalFile, pos: number, len: number): Promise<Buffer> {
  const buf = Buffer.allocUnsafe(len);
  let got = 0;
  while (got < len) {
    const { bytesRead } = await file.read(buf, got, len - got, pos + got);
    if (bytesRead === 0) break;
    got += bytesRead;
  }
  return got === len ? buf : buf.subarray(0, got);
}

const TS_PREFIX = Buffer.from('{"ts":');
const [COMMA, R_BRACE] = [0x2c, 0x7d];
export const NEWLINE = 0x0a;

/** Characters of a JSON number token (the full parse still judges whether it is one). */
const isNumberChar = (c: number): boolean =>
  (c >= 0x30 && c <= 0x39) || c === 0x2e || c === 0x2d || c === 0x2b || c === 0x45 || c === 0x65;

/**
 * The ts of a line written as the legacy logger writes them, `{"ts":<number>,…`, without parsing
 * the rest; undefined when the line does not start so, or when another `"ts"` key (or an escape
 * that could spell one) might replace that value in the parsed record.
 */
export function leadingTs(line: Buffer, start: number, end: number): number | undefined {
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
 * Feeds the lines of the file's first `size` bytes to `onLine` (false: stop), last line first,
 * reading `chunkSize` bytes at a time from the end. The bytes after the last newline (a line still
 * being written, a rotated file's unterminated last line, or nothing) go to `onTail` first. Lines
 * are split on the 0x0A byte and handed over whole (as a range of a buffer), so a multi-byte
 * character cut by a chunk boundary is never decoded in halves. An empty piece before a newline
 * at offset 0 is not a line. Returns the bytes read.
 */
export async function readLinesBackwards(
  file: PositionalFile,
  size: number,
  chunkSize: number,
  onTail: LineSink,
  onLine: LineSink,
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
      return onTail(bytes, from, to);
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
