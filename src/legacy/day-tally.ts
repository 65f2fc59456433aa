// The day's legacy statistics kept up to date from the log itself, so that a request costs what
// was appended since the previous one instead of a scan of the whole day.
//
// Built once per day by the same backwards scan as the reader's (live file, then `.1`, `.2`, …,
// stopping where no older line can be of the day), then brought forward on each request: lines
// appended to the file it last saw live, and the files that appeared since (a rotation moves the
// live file to `.1` and starts a new one). Each file read is held open and counted apart (one
// Tally per file, keyed by identity), so a rotation never counts a line twice, the unterminated
// last line of a rotated file counts once it is no longer live (as the backwards scan counts it),
// and a file deleted by a rotation takes its records out of the answer, as it takes them out of
// a scan. Records dated after the request's `now` wait until a later request reaches them.
//
// The work runs only while a request waits for it, and stops (keeping its place) when every
// waiting request's budget has run out: a day too big to count within one budget is counted
// over several requests, each answered 503 until the count is complete.
//
// Assumes, like the tail cache, that the log is only appended to and rotated: a file that shrinks,
// or a rotated file that grows after its unterminated last line was counted, starts the day over.
import { open } from 'node:fs/promises';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type { EventRecord } from '../domain/types.js';
import { type DayCounts, dayCounts, Tally } from './day-counts.js';
import type { LogFiles } from './event-log.js';
import { parseLogLine } from './log-record.js';
import {
  errorCode,
  fileId,
  isMissing,
  isUnreadable,
  LogScan,
  NEWLINE,
  OPEN_FLAGS,
  type PositionalFile,
  readAt,
  readLinesBackwards,
  statIfExists,
} from './log-scan.js';
import { withDeadline } from './scan-limits.js';

type Handle = Awaited<ReturnType<typeof open>>;

/** A file of the log that has been read: what of it is counted. */
interface Tracked {
  id: string;
  file: Handle;
  /** Offset after the last counted line. */
  end: number;
  /** The file's size when it was last read up to `end`. */
  size: number;
  /** Its bytes after the last newline were counted as a line (it was no longer live). */
  tailCounted: boolean;
  tally: Tally;
  /** Records of the day dated after the newest `now` seen, oldest first. */
  later: { record: EventRecord; seq: number }[];
}

/** The log was not only appended to: count the day again. */
class StartOver extends Error {}
/** The tally was closed (a new day began) before it could answer. */
export class TallyClosed extends Error {}

interface Ticket {
  resolve: () => void;
  reject: (err: unknown) => void;
}

const YIELD_EVERY_MS = 10;

export class DayTally {
  /** The files read, oldest first. */
  private chain: Tracked[] = [];
  private built = false;
  /** Orders records as written: the build counts down from 0, reads forward count up. */
  private seqDown = 0;
  private seqUp = 0;
  /** The newest `now` answered: records dated after it wait in `later`. */
  private horizon = Number.NEGATIVE_INFINITY;
  private readonly tickets = new Set<Ticket>();
  private wake: (() => void) | undefined;
  private worker: Promise<void> | undefined;
  private closed = false;
  private lastYield = 0;
  /** Set when the work failed: the tally is no use any more. */
  failure: unknown;
  /** Bytes read from the files, and times the day was counted from the start. */
  readonly stats = { bytesRead: 0, builds: 0 };

  constructor(
    private readonly files: LogFiles,
    /** Local midnight of the day, in ms. */
    readonly dayStart: number,
  ) {}

  /**
   * Resolves once the counts include every line complete when it was called, for an answer at
   * `now`; past `deadline` (performance.now()) rejects with `refusal()`, the work keeping its
   * place for the next call. Rejects with TallyClosed if the tally was closed meanwhile.
   */
  async update(now: Date, deadline: number, refusal: () => Error): Promise<void> {
    if (this.failure) throw this.failure;
    if (this.closed) throw new TallyClosed();
    // Records dated up to the newest `now` are counted as they are read; later ones wait.
    this.horizon = Math.max(this.horizon, now.getTime());
    let ticket: Ticket | undefined;
    const done = new Promise<void>((resolve, reject) => {
      ticket = { resolve, reject };
    });
    this.tickets.add(ticket!);
    this.worker ??= this.work();
    this.wake?.();
    try {
      await (Number.isFinite(deadline) ? withDeadline(done, deadline, refusal) : done);
    } finally {
      this.tickets.delete(ticket!);
    }
  }

  /** The day's counts over the records dated up to `now` (or the newest `now` answered). */
  snapshot(now: Date): DayCounts {
    const at = now.getTime();
    if (at > this.horizon) this.horizon = at;
    for (const t of this.chain) {
      while (t.later.length > 0 && t.later[0]!.record.occurredAt.getTime() <= this.horizon) {
        const { record, seq } = t.later.shift()!;
        t.tally.add(record, seq);
      }
    }
    return dayCounts(this.chain.map((t) => t.tally));
  }

  /** Files held open and records kept dated later than the newest answer. */
  usage(): { files: number; later: number } {
    return { files: this.chain.length, later: this.chain.reduce((n, t) => n + t.later.length, 0) };
  }

  async close(): Promise<void> {
    this.closed = true;
    this.wake?.();
    await this.worker?.catch(() => {});
    await this.closeFiles();
  }

  private async work(): Promise<void> {
    try {
      for (;;) {
        await this.demand();
        try {
          if (!this.built) {
            await this.build();
            this.built = true;
          }
          const served = [...this.tickets];
          await this.catchUp();
          for (const t of served) t.resolve();
        } catch (err) {
          if (!(err instanceof StartOver)) throw err;
          await this.closeFiles();
          this.built = false;
        }
      }
    } catch (err) {
      if (err instanceof TallyClosed) {
        for (const t of this.tickets) t.reject(err);
        return;
      }
      this.failure = err;
      for (const t of this.tickets) t.reject(err);
      await this.closeFiles();
    }
  }

  /** Returns while a request waits for the work; lets others run now and then. */
  private async demand(): Promise<void> {
    if (performance.now() - this.lastYield >= YIELD_EVERY_MS) {
      await yieldToEventLoop();
      this.lastYield = performance.now();
    }
    for (;;) {
      if (this.closed) throw new TallyClosed();
      if (this.tickets.size > 0) return;
      await new Promise<void>((resolve) => {
        this.wake = resolve;
      });
      this.wake = undefined;
    }
  }

  private async closeFiles(): Promise<void> {
    const chain = this.chain;
    this.chain = [];
    await Promise.all(chain.map((t) => t.file.close().catch(() => {})));
  }

  private pathOf(k: number): string {
    return k === 0 ? this.files.path : `${this.files.path}.${k}`;
  }

  /** A regular file's stat, or null (missing, or skipped and reported). */
  private statFile(k: number) {
    const path = this.pathOf(k);
    try {
      const st = statIfExists(path);
      if (st && !st.isFile()) {
        this.files.onSkip(path, 'not a regular file');
        return null;
      }
      return st;
    } catch (err) {
      if (!isUnreadable(err)) throw err;
      this.files.onSkip(path, errorCode(err));
      return null;
    }
  }

  /** Opens file k if it is still the file `id`; null when it moved or cannot be read. */
  private async openFile(k: number, id: string | undefined): Promise<Handle | null> {
    const path = this.pathOf(k);
    let file: Handle;
    try {
      file = await open(path, OPEN_FLAGS);
    } catch (err) {
      if (isMissing(err)) return null;
      if (!isUnreadable(err)) throw err;
      this.files.onSkip(path, errorCode(err));
      return null;
    }
    const st = await file.stat();
    if (!st.isFile() || (id !== undefined && fileId(st) !== id)) {
      await file.close();
      return null;
    }
    return file;
  }

  private track(id: string, file: Handle): Tracked {
    return { id, file, end: 0, size: 0, tailCounted: false, tally: new Tally(), later: [] };
  }

  /** A file whose reads wait while no request wants the work. */
  private paced(file: Handle): PositionalFile {
    return {
      read: async (buffer, offset, length, position) => {
        await this.demand();
        const got = await file.read(buffer, offset, length, position);
        this.stats.bytesRead += got.bytesRead;
        return got;
      },
    };
  }

  private count(t: Tracked, record: EventRecord, seq: number): void {
    if (record.ts < this.dayStart / 1000) return;
    if (record.occurredAt.getTime() <= this.horizon) t.tally.add(record, seq);
    else {
      const at = record.occurredAt.getTime();
      let i = t.later.length;
      while (i > 0 && t.later[i - 1]!.record.occurredAt.getTime() > at) i--;
      t.later.splice(i, 0, { record, seq });
    }
  }

  /** The day's lines in the files as they are now: the reader's backwards scan. */
  private async build(): Promise<void> {
    this.stats.builds++;
    const since = this.dayStart / 1000;
    let current: Tracked | undefined;
    const scan = new LogScan(this.files.orderToleranceSeconds, (record, bound) => {
      this.count(current!, record, --this.seqDown);
      return bound >= since;
    });
    const seen = new Set<string>();
    for (let k = 0; k <= this.files.maxRotated && !scan.stopped; k++) {
      if (!this.statFile(k)) continue;
      const file = await this.openFile(k, undefined);
      if (!file) continue;
      const st = await file.stat();
      const id = fileId(st);
      if (seen.has(id)) {
        await file.close();
        continue;
      }
      seen.add(id);
      const t = this.track(id, file);
      this.chain.unshift(t);
      current = t;
      await readLinesBackwards(
        this.paced(file),
        st.size,
        this.files.chunkSize,
        (bytes, start, end) => {
          // The live file's last bytes may be a line still being written: left for later. In a
          // rotated file they are its last line.
          t.size = st.size;
          t.end = st.size - (end - start);
          if (k === 0 || start === end) return true;
          t.end = st.size;
          t.tailCounted = true;
          return scan.line(bytes, start, end);
        },
        scan.line,
      );
    }
  }

  /** Counts what was appended and what appeared since the last call. */
  private async catchUp(): Promise<void> {
    const newest = this.chain[this.chain.length - 1];
    const live = this.statFile(0);
    if (newest && live && fileId(live) === newest.id) {
      // No rotation since: at most lines appended to the live file.
      if (live.size !== newest.size) await this.readForward(newest, false);
      return;
    }
    // A rotation (or a new file): find every file again, oldest first.
    const found = new Map<string, number>();
    for (let k = 0; k <= this.files.maxRotated; k++) {
      const st = k === 0 ? live : this.statFile(k);
      if (st && !found.has(fileId(st))) found.set(fileId(st), k);
    }
    const kept = this.chain.filter((t) => found.has(t.id));
    if (kept.length === 0 && this.chain.length > 0) throw new StartOver();
    for (const t of this.chain) if (!found.has(t.id)) await t.file.close().catch(() => {});
    this.chain = kept;
    // Files newer than the newest one read are new: every line of theirs is.
    const newestK = kept.length > 0 ? found.get(kept[kept.length - 1]!.id)! : Infinity;
    const fresh = [...found]
      .filter(([id, k]) => k < newestK && !kept.some((t) => t.id === id))
      .sort((a, b) => b[1] - a[1]);
    for (const t of this.chain) await this.readForward(t, found.get(t.id)! > 0);
    for (const [id, k] of fresh) {
      const file = await this.openFile(k, id);
      // Renamed again meanwhile: the next call finds it where it went.
      if (!file) continue;
      const t = this.track(id, file);
      this.chain.push(t);
      await this.readForward(t, k > 0);
    }
  }

  /**
   * Counts the complete lines after `t.end`; when the file is no longer live (`rotated`), also its
   * unterminated last line.
   */
  private async readForward(t: Tracked, rotated: boolean): Promise<void> {
    const st = await t.file.stat();
    if (st.size < t.end || (t.tailCounted && st.size > t.end)) throw new StartOver();
    const since = this.dayStart / 1000;
    const chunk = this.files.chunkSize;
    let carry = Buffer.alloc(0);
    let pos = t.end;
    while (pos < st.size) {
      await this.demand();
      const got = await readAt(t.file, pos, Math.min(chunk, st.size - pos));
      if (got.length === 0) break;
      this.stats.bytesRead += got.length;
      const bytes = carry.length > 0 ? Buffer.concat([carry, got]) : got;
      const base = pos - carry.length;
      let from = 0;
      for (let nl = bytes.indexOf(NEWLINE); nl !== -1; nl = bytes.indexOf(NEWLINE, from)) {
        // An empty piece before a newline at offset 0 is not a line.
        if (base + nl > 0) this.line(t, bytes, from, nl, since);
        from = nl + 1;
      }
      pos += got.length;
      t.end = base + from;
      carry = Buffer.from(bytes.subarray(from));
    }
    t.size = pos;
    if (rotated && !t.tailCounted) {
      if (carry.length > 0) this.line(t, carry, 0, carry.length, since);
      t.end = pos;
      t.tailCounted = true;
    }
  }

  /** One complete line read forward, counted as the backwards scan counts it. */
  private line(t: Tracked, bytes: Buffer, start: number, end: number, since: number): void {
    const parsed = parseLogLine(bytes.toString('utf8', start, end));
    if (parsed.ok && parsed.record.ts >= since) this.count(t, parsed.record, ++this.seqUp);
  }
}
