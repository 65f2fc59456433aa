// One file of the legacy JSONL log as the ingester sees it: an identity that survives renames
// (dev:ino plus a hash of the file's first line), and its complete lines from a byte position.
// A last line without its newline is still being written, so it is never returned.
import { createHash } from 'node:crypto';
import { type FileHandle, open } from 'node:fs/promises';
import { ROTATED_BACKUPS, rotatedPath } from '../legacy/rotation.js';

const NEWLINE = 0x0a;
const CHUNK_BYTES = 1 << 20;

export interface LogLine {
  /** Byte offset of the line's first byte. */
  offset: number;
  /** Byte offset just after its newline: where the next pass resumes. */
  next: number;
  /** The line's bytes without the newline. */
  bytes: Buffer;
}

export function shortHash(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex').slice(0, 16);
}

/** `dev:ino:head`, the form stored in ingest_checkpoints.file_id. */
function formatFileId(f: { dev: number; ino: number; head: string }): string {
  return `${f.dev}:${f.ino}:${f.head}`;
}

function parseFileId(id: string): { dev: string; ino: string; head: string } {
  const [dev = '', ino = '', head = ''] = id.split(':');
  return { dev, ino, head };
}

export class LogFile {
  private constructor(
    readonly path: string,
    private readonly fh: FileHandle,
    readonly dev: number,
    readonly ino: number,
    readonly size: number,
    /**
     * Hash of the bytes up to the first newline that ends a non-blank line; null until such a
     * line is complete. Appends never change it, renames and copies keep it, and the microsecond
     * timestamp of a first record makes two files sharing it practically impossible.
     */
    readonly head: string | null,
  ) {}

  /** Opens `path`; null when it does not exist. Identity comes from the open descriptor, so a
   * rename between open and read cannot mix two files up. */
  static async open(path: string): Promise<LogFile | null> {
    let fh: FileHandle;
    try {
      fh = await open(path, 'r');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw err;
    }
    try {
      const st = await fh.stat();
      const head = await readHead(fh);
      return new LogFile(path, fh, st.dev, st.ino, st.size, head);
    } catch (err) {
      await fh.close();
      throw err;
    }
  }

  get fileId(): string | null {
    return this.head === null
      ? null
      : formatFileId({ dev: this.dev, ino: this.ino, head: this.head });
  }

  /**
   * Complete lines from `from` up to the size seen at open, a chunk at a time. Lines appended
   * since are left for the next pass, so a pass ends even while the writer keeps writing.
   */
  async *lines(from: number): AsyncGenerator<LogLine[]> {
    let pos = from;
    let buf = Buffer.allocUnsafe(CHUNK_BYTES);
    for (;;) {
      const want = Math.min(buf.length, this.size - pos);
      if (want <= 0) return;
      const { bytesRead } = await this.fh.read(buf, 0, want, pos);
      if (bytesRead === 0) return;
      const lastNl = buf.lastIndexOf(NEWLINE, bytesRead - 1);
      if (lastNl < 0) {
        // A full buffer without a newline is one long line: read it again with room for it.
        if (bytesRead < buf.length) return;
        buf = Buffer.allocUnsafe(buf.length * 2);
        continue;
      }
      const out: LogLine[] = [];
      let start = 0;
      while (start <= lastNl) {
        const nl = buf.indexOf(NEWLINE, start);
        // Copied out of the shared read buffer, which the next read overwrites.
        out.push({
          offset: pos + start,
          next: pos + nl + 1,
          bytes: Buffer.from(buf.subarray(start, nl)),
        });
        start = nl + 1;
      }
      pos += lastNl + 1;
      yield out;
    }
  }

  close(): Promise<void> {
    return this.fh.close();
  }
}

async function readHead(fh: FileHandle): Promise<string | null> {
  const parts: Buffer[] = [];
  let pos = 0;
  let seenContent = false;
  const buf = Buffer.allocUnsafe(64 * 1024);
  for (;;) {
    const { bytesRead } = await fh.read(buf, 0, buf.length, pos);
    if (bytesRead === 0) return null;
    for (let i = 0; i < bytesRead; i++) {
      const b = buf[i]!;
      if (b === NEWLINE && seenContent) {
        parts.push(buf.subarray(0, i + 1));
        return shortHash(Buffer.concat(parts));
      }
      if (b !== NEWLINE && b !== 0x20 && b !== 0x09 && b !== 0x0d) seenContent = true;
    }
    parts.push(Buffer.from(buf.subarray(0, bytesRead)));
    pos += bytesRead;
  }
}

/** The rotated siblings `.1` … `.10` that exist, newest first, opened. */
async function openRotated(logPath: string): Promise<{ index: number; file: LogFile }[]> {
  const found: { index: number; file: LogFile }[] = [];
  for (let index = 1; index <= ROTATED_BACKUPS; index++) {
    const file = await LogFile.open(rotatedPath(logPath, index));
    if (file) found.push({ index, file });
  }
  return found;
}

export interface ReadStep {
  file: LogFile;
  from: number;
}

/**
 * The files to read, oldest first, each with where to begin, given the checkpoint. `lost` says
 * the checkpointed file is nowhere to be found (deleted, or rotated past `.10`). The caller
 * closes every step's file.
 */
export async function planReads(
  logPath: string,
  saved: { fileId: string; position: number } | null,
): Promise<{ steps: ReadStep[]; lost: boolean }> {
  const current = await LogFile.open(logPath);
  if (!saved) return { steps: current ? [{ file: current, from: 0 }] : [], lost: false };
  const id = parseFileId(saved.fileId);
  // A file shorter than the checkpoint was truncated and rewritten: all of it is new.
  const resume = (file: LogFile) => ({
    file,
    from: file.size >= saved.position ? saved.position : 0,
  });
  const exact = (f: LogFile) =>
    f.head === id.head && String(f.dev) === id.dev && String(f.ino) === id.ino;
  if (current && exact(current)) return { steps: [resume(current)], lost: false };
  // Otherwise it was rotated away (or replaced by a copy): find it by its head, preferring the
  // same inode (a copytruncate copy has a new one; a new file may reuse a freed one), finish it
  // from the checkpoint, then read every newer file from the start.
  const files = [
    ...(current ? [{ index: 0, file: current }] : []),
    ...(await openRotated(logPath)),
  ];
  const matches = files.filter((r) => r.file.head === id.head);
  const mine = matches.find((r) => exact(r.file)) ?? matches[0];
  const steps: ReadStep[] = [];
  for (const r of files.reverse()) {
    if (r === mine) steps.push(resume(r.file));
    // Older than the checkpointed file: read before it.
    else if (mine && r.index > mine.index) await r.file.close();
    // Newer than it, or it is gone: unread, as far as we can tell (the keys absorb re-reads).
    else steps.push({ file: r.file, from: 0 });
  }
  return { steps, lost: !mine };
}
