// The bytes the old service printed for a logged record: `reencodePy(line)`, the line parsed as
// Python's json.loads read it and printed compactly by json.dumps. Lines already in that form
// (almost all) are recognised with one scan and printed as they are. Callers poll, so the same
// newest lines come back request after request: the answers are remembered in a bounded map
// (oldest entry out first; long lines are not kept). One printer per app.
import { isPrintedAsIs, reencodePy } from './py-json.js';

export interface RecordPrinterOptions {
  /** Most lines remembered. Default 10,000. */
  maxLines?: number;
  /** Lines longer than this (characters) are not remembered. Default 2,048. */
  maxLineChars?: number;
}

export class LegacyRecordPrinter {
  readonly #printed = new Map<string, string>();
  readonly #maxLines: number;
  readonly #maxLineChars: number;

  constructor(options: RecordPrinterOptions = {}) {
    this.#maxLines = options.maxLines ?? 10_000;
    this.#maxLineChars = options.maxLineChars ?? 2_048;
  }

  /** What the old service answered for a logged record. */
  record(line: string): string {
    const known = this.#printed.get(line);
    if (known !== undefined) return known;
    const bytes = isPrintedAsIs(line) ? line : reencodePy(line);
    if (line.length <= this.#maxLineChars && this.#maxLines > 0) {
      if (this.#printed.size >= this.#maxLines) {
        this.#printed.delete(this.#printed.keys().next().value!);
      }
      this.#printed.set(line, bytes);
    }
    return bytes;
  }
}
