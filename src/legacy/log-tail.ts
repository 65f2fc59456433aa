// Follows the live legacy log from its current end, like `tail -F`: every complete line appended
// after start() is parsed and handed on once, in file order. A last line still being written
// waits for its newline (never split, never dropped). A rotation (a new file at the path) is
// noticed by its inode: the old file, still open, is read to its end first, and kept for a short
// grace period in case a writer that has not rotated yet still appends to it; then the new file
// is read from its first byte. A file that shrank in place (truncated) is read again from 0.
// Damaged lines are skipped and counted, as the legacy reader does.
import { type FileHandle, open, stat } from 'node:fs/promises';
import type { EventRecord } from '../domain/types.js';
import { parseLogLine } from './log-record.js';

export interface LogTailOptions {
  /** How often the file is checked. Default 200 ms. */
  pollMs?: number;
  /** How long a rotated file is still read after the rotation. Default 5000 ms. */
  retiredGraceMs?: number;
  /** Most bytes read from one file per check (the rest waits for the next). Default 4 MiB. */
  maxReadBytes?: number;
  /** Called for every damaged line (not JSON, not an object, no usable `ts`). */
  onDamaged?: (reason: string) => void;
  /** Called when a check fails (the next one tries again). */
  onError?: (error: unknown) => void;
}

interface Followed {
  fh: FileHandle;
  ino: number;
  /** Byte offset of the first unread byte (the start of a partial line, if any). */
  position: number;
  /** When a rotated file stops being read (ms since epoch); undefined for the live file. */
  retireAt?: number;
}

const NEWLINE = 0x0a;

export class LogTail {
  readonly #path: string;
  readonly #pollMs: number;
  readonly #graceMs: number;
  readonly #maxRead: number;
  readonly #options: LogTailOptions;
  #live: Followed | undefined;
  #retired: Followed[] = [];
  #timer: NodeJS.Timeout | undefined;
  #running = false;
  #checking: Promise<void> = Promise.resolve();
  #emit: ((records: EventRecord[]) => void) | undefined;

  constructor(path: string, options: LogTailOptions = {}) {
    this.#path = path;
    this.#options = options;
    this.#pollMs = options.pollMs ?? 200;
    this.#graceMs = options.retiredGraceMs ?? 5000;
    this.#maxRead = options.maxReadBytes ?? 4 << 20;
  }

  /** Starts at the current end of the log (nothing already written is sent). */
  async start(emit: (records: EventRecord[]) => void): Promise<void> {
    if (this.#running) return;
    this.#emit = emit;
    this.#running = true;
    this.#live = await this.#open(true);
    this.#schedule();
  }

  async stop(): Promise<void> {
    this.#running = false;
    clearTimeout(this.#timer);
    await this.#checking;
    for (const f of [...this.#retired, ...(this.#live ? [this.#live] : [])]) {
      await f.fh.close().catch(() => {});
    }
    this.#live = undefined;
    this.#retired = [];
  }

  /** One check now (tests call it instead of waiting for the timer). */
  check(): Promise<void> {
    this.#checking = this.#checking.then(() => this.#check());
    return this.#checking;
  }

  #schedule(): void {
    if (!this.#running) return;
    this.#timer = setTimeout(() => {
      void this.check().finally(() => this.#schedule());
    }, this.#pollMs);
    this.#timer.unref();
  }

  async #open(atEnd: boolean): Promise<Followed | undefined> {
    let fh: FileHandle;
    try {
      fh = await open(this.#path, 'r');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
    const st = await fh.stat();
    return { fh, ino: st.ino, position: atEnd ? st.size : 0 };
  }

  async #check(): Promise<void> {
    if (!this.#running) return;
    try {
      const current = await stat(this.#path).catch((error: NodeJS.ErrnoException) => {
        if (error.code === 'ENOENT') return undefined;
        throw error;
      });
      const live = this.#live;
      if (live && (!current || current.ino !== live.ino)) {
        // Rotated (or removed): the old file's remaining lines come before the new file's.
        live.retireAt = Date.now() + this.#graceMs;
        this.#retired.push(live);
        this.#live = undefined;
      } else if (live && current && current.size < live.position) {
        live.position = 0; // truncated in place: everything in it is new
      }
      const records: EventRecord[] = [];
      for (const f of this.#retired) await this.#read(f, records);
      await this.#closeExpired();
      if (!this.#live && current) this.#live = await this.#open(false);
      if (this.#live) await this.#read(this.#live, records);
      if (records.length > 0) this.#emit?.(records);
    } catch (error) {
      this.#options.onError?.(error);
    }
  }

  async #closeExpired(): Promise<void> {
    const now = Date.now();
    const keep: Followed[] = [];
    for (const f of this.#retired) {
      if ((f.retireAt ?? 0) > now) {
        keep.push(f);
        continue;
      }
      // What is left after the grace period will never be completed.
      const size = (await f.fh.stat()).size;
      if (size > f.position) this.#options.onDamaged?.('not_json');
      await f.fh.close().catch(() => {});
    }
    this.#retired = keep;
  }

  /** Reads the complete lines after `f.position` into `out` and moves the position past them. */
  async #read(f: Followed, out: EventRecord[]): Promise<void> {
    const size = (await f.fh.stat()).size;
    if (size <= f.position) return;
    const want = Math.min(size - f.position, this.#maxRead);
    const buf = Buffer.allocUnsafe(want);
    const { bytesRead } = await f.fh.read(buf, 0, want, f.position);
    const lastNl = buf.lastIndexOf(NEWLINE, bytesRead - 1);
    if (lastNl < 0) {
      // One line longer than a whole read: hand it over as damaged rather than wait forever.
      if (bytesRead === this.#maxRead) {
        this.#options.onDamaged?.('not_json');
        f.position += bytesRead;
      }
      return;
    }
    let start = 0;
    while (start <= lastNl) {
      const nl = buf.indexOf(NEWLINE, start);
      const line = buf.toString('utf8', start, nl);
      start = nl + 1;
      if (line.trim() === '') continue;
      const parsed = parseLogLine(line);
      if (parsed.ok) out.push(parsed.record);
      else this.#options.onDamaged?.(parsed.reason);
    }
    f.position += lastNl + 1;
  }
}
