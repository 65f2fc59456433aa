// An exact cache of the parsed tail of the legacy event log and its rotated files, so that a
// request costs a stat of the file and a walk over records in memory instead of reading and
// parsing the same last few thousand lines again.
//
// For each file it has read (keyed by identity, dev:ino) it keeps a segment: the parsed complete
// lines of a contiguous byte range [start, end) that reaches to the file's last newline, with the
// file's size and mtime at that point, the bytes just before `end` (a fingerprint), and an open
// handle on the file. Holding the handle pins the inode: its number cannot be reused by another
// file while the segment exists, and reading older bytes of "this file" stays right however it is
// renamed. A request stats the path (one syscall) and then:
// - same identity, size and mtime: the lines come from memory;
// - the file grew: one refresh per segment at a time (single flight) reads the bytes after `end`,
//   checks the fingerprint and appends the complete lines; a partial last line stays unread until
//   a later refresh finds it completed;
// - shrunk, fingerprint changed, or much more appended than is worth parsing eagerly: the segment
//   is emptied and refills from the end as requests read;
// - a new identity at the path (rotation, replacement): a new segment. The old one stays valid for
//   its inode, now found at `<path>.1`; segments whose files were deleted are closed.
// Lines older than the segment are read from the file (through the handle) and added in front of
// it while the bound allows; past the bound they are read and not kept. Every line, from memory or
// from the file, goes through the same LogScan step, so the answer, the stopping point and the
// counts are those of the reader without cache.
import { close, fstat, open, read, type Stats } from 'node:fs';
import { promisify } from 'node:util';
import {
  errorCode,
  fileId,
  isMissing,
  isUnreadable,
  LineRun,
  type LineSink,
  type LogScan,
  NEWLINE,
  OPEN_FLAGS,
  type PositionalFile,
  readAt,
  readFileUncached,
  readLinesBackwards,
  statIfExists,
  tailSink,
} from './log-scan.js';

export interface TailCacheLimits {
  /** Most lines kept, over all files (damaged and blank lines count). */
  maxLines: number;
  /** Most bytes of log text behind the kept lines. */
  maxBytes: number;
  chunkSize: number;
}

export interface TailCacheUsage {
  segments: number;
  lines: number;
  bytes: number;
}

/** Bytes before `end` remembered to tell an append from a rewrite. */
const FINGERPRINT_BYTES = 256;
const NEWLINE_BYTE = Buffer.from([NEWLINE]);

/** The file was renamed or replaced between the stat and the open: read it without cache. */
class Moved extends Error {}

/** The path cannot be opened as a log file (no permission, …): skipped. */
class Unreadable extends Error {}

const [openFd, readFd, fstatFd, closeFd] = [
  promisify(open),
  promisify(read),
  promisify(fstat),
  promisify(close),
];

/**
 * A file kept open by a plain descriptor: a FileHandle left to the garbage collector makes Node
 * warn (and is to become an error), while these are closed by the registry below when the cache
 * that holds them is collected without close().
 */
class OpenFile implements PositionalFile {
  constructor(readonly fd: number) {}
  read(buffer: Buffer, offset: number, length: number, position: number) {
    return readFd(this.fd, buffer, offset, length, position);
  }
  stat(): Promise<Stats> {
    return fstatFd(this.fd);
  }
}

const unclosed = new FinalizationRegistry<Set<number>>((fds) => {
  for (const fd of fds) close(fd, () => {});
});

class Segment {
  file: OpenFile | undefined;
  opening: Promise<void> | undefined;
  refreshing: Promise<void> | undefined;
  /** Requests using the segment; a dropped segment's file is closed when the last one leaves. */
  users = 0;
  dropped = false;
  /** The rotation number it was last read at; with `created`, orders segments newest first. */
  lastK = 0;
  /** Bumped when emptied, so that a read begun before cannot add its lines after. */
  epoch = 0;
  /** Offset after the last complete line as of `size`; -1: not known yet (fills on first read). */
  end = -1;
  size = -1;
  mtimeMs = Number.NaN;
  /** The file's bytes just before `end`. */
  fingerprint: Buffer = Buffer.alloc(0);
  /** Where the first kept line starts: the kept lines are the file's lines in [start, end). */
  start = -1;
  /** No line before `start`: the segment holds the whole file up to `end`. */
  whole = false;
  run = new LineRun();
  /**
   * The clock value when the latest successful refresh began: it saw the file as it was after
   * every stat that had completed by then.
   */
  refreshedAt = 0;

  constructor(
    readonly id: string,
    readonly created: number,
  ) {}

  /** Older data than `other`: found at a higher rotation number, or seen there first. */
  olderThan(other: Segment): boolean {
    return this.lastK > other.lastK || (this.lastK === other.lastK && this.created < other.created);
  }
}

/** What a backwards read of a segment's file found and kept. */
interface Batch {
  /** Kept lines, in reverse file order. */
  run: LineRun;
  /** Start of the oldest kept line (the read's end offset when none). */
  start: number;
  /** Offset after the last complete line of the range read. */
  end: number;
  /** The read went to the start of the file and kept every line. */
  whole: boolean;
  /** The file's last bytes before `end`. */
  fingerprint: Buffer;
}

export class TailCache {
  private readonly segments = new Map<string, Segment>();
  private clock = 0;
  private created = 0;
  private currentId: string | undefined;
  /** Descriptors open now, and closes under way. */
  private readonly fds = new Set<number>();
  private readonly closing = new Set<Promise<void>>();

  constructor(private readonly limits: TailCacheLimits) {
    unclosed.register(this, this.fds);
  }

  usage(): TailCacheUsage {
    let [lines, bytes] = [0, 0];
    for (const s of this.segments.values())
      [lines, bytes] = [lines + s.run.count, bytes + s.run.bytes];
    return { segments: this.segments.size, lines, bytes };
  }

  /** Drops every segment and closes the files (the cache refills on the next read). */
  async close(): Promise<void> {
    for (const s of [...this.segments.values()]) this.drop(s);
    this.currentId = undefined;
    await Promise.all(this.closing);
  }

  /**
   * Feeds file `<path>` (rotation number k) to the scan, newest line first, unless a file with the
   * same identity was read already in this scan: from memory where it can, else from the file.
   */
  async read(path: string, k: number, scan: LogScan, seen: Set<string>): Promise<void> {
    let st: Stats | null;
    try {
      st = statIfExists(path);
    } catch (err) {
      if (!isUnreadable(err)) throw err;
      st = null;
      scan.onSkip(path, errorCode(err));
    }
    if (k === 0) await this.noteCurrent(st);
    if (!st) return;
    if (!st.isFile()) {
      scan.onSkip(path, 'not a regular file');
      return;
    }
    const { chunkSize } = this.limits;
    if (st.ino === 0) return readFileUncached(path, k, scan, seen, chunkSize);
    const id = fileId(st);
    if (seen.has(id)) return;
    seen.add(id);
    let seg: Segment | undefined;
    try {
      seg = await this.acquire(path, id, st, ++this.clock, scan);
    } catch (err) {
      if (!(err instanceof Unreadable)) throw err;
      scan.onSkip(path, err.message);
      return;
    }
    if (!seg) {
      seen.delete(id);
      return readFileUncached(path, k, scan, seen, chunkSize);
    }
    try {
      seg.lastK = k;
      if (seg.end < 0) {
        await this.fill(seg, scan, st, tailSink(k, scan));
        return;
      }
      if (k > 0 && seg.size > seg.end) {
        const tail = await readAt(seg.file!, seg.end, seg.size - seg.end);
        scan.stats.bytesRead += tail.length;
        if (tail.length > 0 && !scan.line(tail, 0, tail.length)) return;
      }
      if (scan.replay(seg.run) && !seg.whole) await this.extend(seg, scan);
    } finally {
      this.release(seg);
    }
  }

  /** The segment of file `id`, open and refreshed to at least `st`; undefined if it moved. */
  private async acquire(
    path: string,
    id: string,
    st: Stats,
    statedAt: number,
    scan: LogScan,
  ): Promise<Segment | undefined> {
    let seg = this.segments.get(id);
    if (!seg) {
      seg = new Segment(id, ++this.created);
      this.segments.set(id, seg);
      seg.opening = this.open(seg, path);
    }
    seg.users++;
    try {
      if (seg.opening) await seg.opening;
      // Refreshes are single-flight: a request that finds one under way waits for it, and then
      // needs its own only if that one began before this request's stat.
      while (seg.refreshing && !seg.dropped) await seg.refreshing.catch(() => {});
      const current = seg.size === st.size && seg.mtimeMs === st.mtimeMs;
      if (!seg.dropped && seg.end >= 0 && !current && seg.refreshedAt < statedAt) {
        const refresh = this.refresh(seg, ++this.clock, scan);
        seg.refreshing = refresh.finally(() => {
          seg.refreshing = undefined;
        });
        await seg.refreshing;
      }
    } catch (err) {
      this.release(seg);
      if (err instanceof Moved) return undefined;
      throw err;
    }
    if (!seg.dropped) return seg;
    this.release(seg);
    return undefined;
  }

  private async open(seg: Segment, path: string): Promise<void> {
    try {
      const fd = await openFd(path, OPEN_FLAGS).catch((err) => {
        if (isUnreadable(err)) throw new Unreadable(errorCode(err));
        throw isMissing(err) ? new Moved() : err;
      });
      this.fds.add(fd);
      seg.file = new OpenFile(fd);
      const st = await seg.file.stat();
      if (fileId(st) !== seg.id) throw new Moved();
      seg.opening = undefined;
    } catch (err) {
      this.drop(seg);
      throw err;
    }
  }

  /**
   * Brings an initialised segment up to its file as it is now: appends the lines completed since,
   * or empties the segment when the file was not only appended to (or too much was).
   */
  private async refresh(seg: Segment, startedAt: number, scan: LogScan): Promise<void> {
    const file = seg.file!;
    const st = await file.stat();
    if (st.size !== seg.size || st.mtimeMs !== seg.mtimeMs) {
      // Parsing a large append eagerly would cost one request what the lazy refill spreads out.
      const limit = Math.min(this.limits.maxBytes, 16 * this.limits.chunkSize);
      let appended = false;
      if (st.size >= seg.size && st.size - seg.end <= limit) {
        const from = seg.end - seg.fingerprint.length;
        const buf = await readAt(file, from, st.size - from);
        scan.stats.bytesRead += buf.length;
        if (seg.dropped) return;
        appended =
          buf.length === st.size - from &&
          buf.subarray(0, seg.fingerprint.length).equals(seg.fingerprint);
        if (appended) this.append(seg, buf, from);
      }
      if (appended) Object.assign(seg, { size: st.size, mtimeMs: st.mtimeMs });
      else this.empty(seg);
    }
    seg.refreshedAt = startedAt;
    this.evict();
  }

  /** Appends the complete lines of `buf` (the file from offset `from`) after `seg.end`. */
  private append(seg: Segment, buf: Buffer, from: number): void {
    let pos = seg.end - from;
    for (let nl = buf.indexOf(NEWLINE, pos); nl !== -1; nl = buf.indexOf(NEWLINE, pos)) {
      // An empty piece before a newline at offset 0 is not a line (as readLinesBackwards has it):
      // the segment was empty at 0, and its first line starts at 1.
      if (from + nl === 0) seg.start = 1;
      else seg.run.push(buf, pos, nl);
      pos = nl + 1;
    }
    const end = from + pos;
    if (end === seg.end) return;
    seg.fingerprint = Buffer.from(buf.subarray(Math.max(0, pos - FINGERPRINT_BYTES), pos));
    seg.end = end;
  }

  /** Forgets the segment's lines; the next read fills it again from the end of the file. */
  private empty(seg: Segment): void {
    Object.assign(seg, { run: new LineRun(), end: -1, start: -1, size: -1, whole: false });
    seg.mtimeMs = Number.NaN;
    seg.fingerprint = Buffer.alloc(0);
    seg.epoch++;
  }

  /** First read of a segment: its file backwards from the size stated, kept while room allows. */
  private async fill(seg: Segment, scan: LogScan, st: Stats, onTail: LineSink): Promise<void> {
    const epoch = seg.epoch;
    const batch = await this.readBack(seg, scan, st.size, onTail);
    if (seg.dropped || seg.end >= 0 || seg.epoch !== epoch) return;
    Object.assign(seg, { size: st.size, mtimeMs: st.mtimeMs, end: batch.end });
    seg.fingerprint = batch.fingerprint;
    // Stated before the read began: not necessarily as new as every other request's stat.
    seg.refreshedAt = 0;
    this.prepend(seg, batch);
  }

  /** Reads the lines before the segment from its file, keeping them in front while room allows. */
  private async extend(seg: Segment, scan: LogScan): Promise<void> {
    const [epoch, from] = [seg.epoch, seg.start];
    // Just before `start` is a newline: the "tail" of the range is empty.
    const batch = await this.readBack(seg, scan, from, () => true);
    if (seg.dropped || seg.epoch !== epoch || seg.start !== from) return;
    this.prepend(seg, batch);
  }

  private prepend(seg: Segment, batch: Batch): void {
    seg.run.prepend(batch.run);
    seg.start = batch.start;
    seg.whole = batch.whole;
    this.evict();
  }

  /**
   * Feeds the scan the lines of the segment's file before offset `from`, newest first, parsing and
   * keeping them while the room left by newer segments allows, and past that reading them as the
   * reader without cache does.
   */
  private async readBack(
    seg: Segment,
    scan: LogScan,
    from: number,
    onTail: LineSink,
  ): Promise<Batch> {
    let [roomLines, roomBytes] = [this.limits.maxLines, this.limits.maxBytes];
    for (const s of this.segments.values()) {
      if (s.olderThan(seg)) continue;
      roomLines -= s.run.count;
      roomBytes -= s.run.bytes;
    }
    const run = new LineRun();
    const batch: Batch = { run, start: from, end: from, whole: false, fingerprint: NEWLINE_BYTE };
    /** Offset of the newline that ends the next line. */
    let cursor = from - 1;
    let keeping = true;
    let stopped = false;
    /** Still collecting the fingerprint: the FINGERPRINT_BYTES before `end`, across lines. */
    let printing = true;
    const onLine: LineSink = (bytes, start, end) => {
      const length = end - start;
      if (printing) {
        // The newest lines' last bytes and newlines tell an append from a rewrite later: up to
        // FINGERPRINT_BYTES, so every line kept is in it when they are fewer bytes than that. A
        // short (or empty) newest line alone would not do: a rewrite that happens to put the
        // same few bytes there would pass for an append, and the cache would keep lines it
        // replaced.
        const newest = cursor === batch.end - 1;
        const room = FINGERPRINT_BYTES - (newest ? 0 : batch.fingerprint.length);
        const last = bytes.subarray(Math.max(start, end - room + 1), end);
        batch.fingerprint = Buffer.concat(
          newest ? [last, NEWLINE_BYTE] : [last, NEWLINE_BYTE, batch.fingerprint],
        );
        printing = batch.fingerprint.length < FINGERPRINT_BYTES;
      }
      cursor -= length + 1;
      keeping &&= run.count < roomLines && run.bytes + length + 1 <= roomBytes;
      if (keeping) {
        run.push(bytes, start, end);
        batch.start = cursor + 1;
        stopped = !scan.replay(run, run.count - 1, run.count - 1);
      } else {
        stopped = !scan.line(bytes, start, end);
      }
      return !stopped;
    };
    scan.stats.bytesRead += await readLinesBackwards(
      seg.file!,
      from,
      this.limits.chunkSize,
      (bytes, start, end) => {
        batch.end = batch.start = from - (end - start);
        cursor = batch.end - 1;
        if (batch.end === 0) batch.fingerprint = Buffer.alloc(0);
        stopped = !onTail(bytes, start, end);
        return !stopped;
      },
      onLine,
    );
    batch.whole = !stopped && keeping;
    return batch;
  }

  /** Over the bound: drops the oldest lines of the oldest segments, down to 15/16 of it. */
  private evict(): void {
    const { maxLines, maxBytes } = this.limits;
    let { lines, bytes } = this.usage();
    if (lines > maxLines || bytes > maxBytes) {
      const [targetLines, targetBytes] = [maxLines - (maxLines >> 4), maxBytes - (maxBytes >> 4)];
      const oldestFirst = [...this.segments.values()].sort((a, b) =>
        a.olderThan(b) ? -1 : b.olderThan(a) ? 1 : 0,
      );
      for (const seg of oldestFirst) {
        const lengths = seg.run.lengths;
        let [n, dropped] = [0, 0];
        while (n < lengths.length && (lines - n > targetLines || bytes - dropped > targetBytes)) {
          dropped += lengths[n++]! + 1;
        }
        if (n === 0) continue;
        seg.run.dropFront(n);
        Object.assign(seg, { start: seg.start + dropped, whole: false });
        [lines, bytes] = [lines - n, bytes - dropped];
      }
    }
    // An empty segment of an older file only holds its file open.
    for (const seg of [...this.segments.values()]) {
      if (seg.run.count === 0 && seg.id !== this.currentId && seg.end >= 0) this.drop(seg);
    }
  }

  /**
   * A new file at the path (or none) means a rotation or a replacement happened: segments whose
   * files have since been deleted are closed, so that their disk space is freed.
   */
  private async noteCurrent(st: Stats | null): Promise<void> {
    const id = st ? fileId(st) : undefined;
    if (id === this.currentId) return;
    const before = this.currentId;
    this.currentId = id;
    if (before === undefined) return;
    await Promise.all(
      [...this.segments.values()].map(async (seg) => {
        if (seg.id === id || !seg.file) return;
        const linked = await seg.file.stat().then(
          (s) => s.nlink > 0,
          () => false,
        );
        if (!linked) this.drop(seg);
      }),
    );
  }

  private drop(seg: Segment): void {
    if (seg.dropped) return;
    seg.dropped = true;
    if (this.segments.get(seg.id) === seg) this.segments.delete(seg.id);
    seg.run = new LineRun();
    if (seg.users === 0) this.closeFile(seg);
  }

  private release(seg: Segment): void {
    seg.users--;
    if (seg.dropped && seg.users === 0) this.closeFile(seg);
  }

  private closeFile(seg: Segment): void {
    const file = seg.file;
    if (!file) return;
    seg.file = undefined;
    this.fds.delete(file.fd);
    const closing = closeFd(file.fd)
      .catch(() => {})
      .finally(() => this.closing.delete(closing));
    this.closing.add(closing);
  }
}
