// The bytes the old service printed for a logged record: `reencodePy(line)`, the line parsed as
// Python's json.loads read it and printed compactly by json.dumps. Lines already in that form
// (almost all) are recognised with one scan and printed as they are. Callers poll, so the same
// newest lines come back request after request: the answers are remembered in a map bounded in
// characters (oldest entry out first; long lines are not kept). One printer per app.
// A line read from the database is a new string on every request, and a map hashes every
// character of a new string (a seventh of a REST shim's CPU for 100 lines): a second map, keyed
// by a few sampled characters, finds the remembered copy of the line, whose hash is already
// known, and one comparison of the two texts confirms it.
// A printed form is kept as its UTF-8 bytes, one character per byte (for the ASCII forms, almost
// all, that is the printed string itself): an answer of many records is then copied into its
// buffer as it is, where encoding their joined text took twice as long.
// The last answer is remembered too: polling callers mostly get the same newest records again,
// which then cost one comparison of each line with the last call's (equal strings; the same
// objects when they come from the legacy log's tail cache), instead of a lookup and a copy.
import { isPrintedAsIs, reencodePy } from './py-json.js';

export interface RecordPrinterOptions {
  /**
   * Most characters remembered, lines and their printed forms together (a form printed as is
   * shares the line's string; a form that is not ASCII counts its UTF-8 bytes). Default 4 Mi:
   * 4–8 MiB of strings at most.
   */
  maxChars?: number;
  /** Lines longer than this (characters) are not remembered. Default 2,048. */
  maxLineChars?: number;
}

export const DEFAULT_PRINTER_CHARS = 4 * 1024 * 1024;

/** An answer larger than this (bytes) is not remembered as the last answer. */
export const MAX_REMEMBERED_ANSWER_BYTES = 1024 * 1024;

interface Answer {
  /** The lines asked for: equal lines give equal bytes. */
  lines: readonly string[];
  bytes: Buffer<ArrayBuffer>;
}

export class LegacyRecordPrinter {
  readonly #printed = new Map<string, string>();
  /** Sample of a line → the remembered line of that sample (the last one remembered). */
  readonly #bySample = new Map<number, string>();
  readonly #maxChars: number;
  readonly #maxLineChars: number;
  #chars = 0;
  #last: Answer | undefined;

  constructor(options: RecordPrinterOptions = {}) {
    this.#maxChars = options.maxChars ?? DEFAULT_PRINTER_CHARS;
    this.#maxLineChars = options.maxLineChars ?? 2_048;
  }

  /** Characters remembered now. */
  get chars(): number {
    return this.#chars;
  }

  /**
   * The old service's JSON array of these records (`[a,b]`), as the bytes it sent. The same
   * records as the last call give the same buffer: the caller sends it and must not change it.
   */
  array(lines: readonly string[]): Buffer<ArrayBuffer> {
    const last = this.#last;
    if (last && sameItems(lines, last.lines)) return last.bytes;
    const printed = lines.map((line) => this.#bytes(line));
    let size = 1 + Math.max(printed.length, 1);
    for (const bytes of printed) size += bytes.length;
    const out = Buffer.allocUnsafe(size);
    out[0] = 0x5b; // [
    let at = 1;
    for (let i = 0; i < printed.length; i++) {
      if (i > 0) out[at++] = 0x2c; // ,
      at += out.write(printed[i]!, at, 'latin1');
    }
    out[at] = 0x5d; // ]
    this.#last = size <= MAX_REMEMBERED_ANSWER_BYTES ? { lines, bytes: out } : undefined;
    return out;
  }

  /** The printed form of `line` as UTF-8 bytes, one character per byte. */
  #bytes(line: string): string {
    const copy = this.#bySample.get(sample(line));
    const known = this.#printed.get(copy === line ? copy : line);
    if (known !== undefined) return known;
    const text = isPrintedAsIs(line) ? line : reencodePy(line);
    const bytes = isAscii(text) ? text : Buffer.from(text).toString('latin1');
    const size = sizeOf(line, bytes);
    if (line.length <= this.#maxLineChars && size <= this.#maxChars) {
      while (this.#chars + size > this.#maxChars) {
        const [oldLine, oldBytes] = this.#printed.entries().next().value!;
        this.#printed.delete(oldLine);
        const oldSample = sample(oldLine);
        if (this.#bySample.get(oldSample) === oldLine) this.#bySample.delete(oldSample);
        this.#chars -= sizeOf(oldLine, oldBytes);
      }
      this.#printed.set(line, bytes);
      this.#bySample.set(sample(line), line);
      this.#chars += size;
    }
    return bytes;
  }
}

/** Whether both hold equal strings, in the same order. */
function sameItems(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

const sizeOf = (line: string, printed: string) =>
  line.length + (printed === line ? 0 : printed.length);

/** Whether every character of `text` is ASCII (its UTF-8 bytes are its characters). */
const isAscii = (text: string) => Buffer.byteLength(text) === text.length;

/**
 * The length and 16 characters of a line, spread over it: a cheap key that separates the lines
 * of a log almost always (two that share one only take the slower way); equal lines give equal
 * samples.
 */
function sample(line: string): number {
  const n = line.length;
  let h = n;
  for (let i = 0; i < 16 && n > 0; i++) {
    h = (Math.imul(h, 31) + line.charCodeAt((i * n) >> 4)) | 0;
  }
  return h;
}
