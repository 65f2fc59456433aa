// The bytes the old service printed for a logged record are `reencodePy(line)`: the line parsed
// as Python's json.loads read it and printed compactly by json.dumps. Almost every line the
// pipeline logs is already in that form, and re-parsing each one into a tree was a fifth of a
// REST request; `isPrintedAsIs` recognises those lines with one scan and no tree. Callers poll:
// the same newest lines come back request after request, so the answers are also remembered
// (a bounded map, oldest entry out first; lines longer than CACHED_LINE_CHARS are not kept).
import { pyFloatRepr, reencodePy } from '../../legacy/py-json.js';

const CACHED_LINES = 10_000;
const CACHED_LINE_CHARS = 2_048;
const printed = new Map<string, string>();

/** What the old service answered for a logged record (see the module comment). */
export function legacyRecordBytes(line: string): string {
  const known = printed.get(line);
  if (known !== undefined) return known;
  const bytes = isPrintedAsIs(line) ? line : reencodePy(line);
  if (line.length <= CACHED_LINE_CHARS) {
    if (printed.size >= CACHED_LINES) printed.delete(printed.keys().next().value!);
    printed.set(line, bytes);
  }
  return bytes;
}

const MAX_DEPTH = 64;

/**
 * True only if `reencodePy(text) === text`: valid JSON without whitespace, NaN or Infinity;
 * strings without escapes (JSON.stringify's escapes are left to the exact path); no repeated key
 * in an object; every number spelled as Python prints it. False means "not sure".
 */
export function isPrintedAsIs(text: string): boolean {
  const end = value(text, 0, 0);
  return end === text.length;
}

/** Index after the value at `i`, or -1. */
function value(s: string, i: number, depth: number): number {
  const c = s.charCodeAt(i);
  if (c === 0x22) return string(s, i);
  if (c === 0x7b) return object(s, i, depth + 1);
  if (c === 0x5b) return array(s, i, depth + 1);
  if (c === 0x2d || (c >= 0x30 && c <= 0x39)) return number(s, i);
  for (const word of ['true', 'false', 'null']) {
    if (s.startsWith(word, i)) return i + word.length;
  }
  return -1;
}

function string(s: string, start: number): number {
  for (let i = start + 1; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x22) return i + 1;
    // An escape, a control character or half of a surrogate pair: the exact path decides.
    if (c === 0x5c || c < 0x20 || (c >= 0xd800 && c <= 0xdfff)) return -1;
  }
  return -1;
}

function object(s: string, start: number, depth: number): number {
  if (depth > MAX_DEPTH) return -1;
  let i = start + 1;
  if (s.charCodeAt(i) === 0x7d) return i + 1;
  /** Start and end of each key so far (quotes included). */
  const keys: number[] = [];
  for (;;) {
    const keyEnd = string(s, i);
    if (keyEnd < 0 || s.charCodeAt(keyEnd) !== 0x3a) return -1;
    // Python keeps the first position and the last value of a repeated key.
    for (let k = 0; k < keys.length; k += 2) {
      if (sameText(s, keys[k]!, keys[k + 1]!, i, keyEnd)) return -1;
    }
    keys.push(i, keyEnd);
    i = value(s, keyEnd + 1, depth);
    if (i < 0) return -1;
    const c = s.charCodeAt(i);
    if (c === 0x7d) return i + 1;
    if (c !== 0x2c) return -1;
    i++;
  }
}

function sameText(s: string, a: number, aEnd: number, b: number, bEnd: number): boolean {
  if (aEnd - a !== bEnd - b) return false;
  for (let k = 0; a + k < aEnd; k++) if (s.charCodeAt(a + k) !== s.charCodeAt(b + k)) return false;
  return true;
}

function array(s: string, start: number, depth: number): number {
  if (depth > MAX_DEPTH) return -1;
  let i = start + 1;
  if (s.charCodeAt(i) === 0x5d) return i + 1;
  for (;;) {
    i = value(s, i, depth);
    if (i < 0) return -1;
    const c = s.charCodeAt(i);
    if (c === 0x5d) return i + 1;
    if (c !== 0x2c) return -1;
    i++;
  }
}

const isDigit = (c: number) => c >= 0x30 && c <= 0x39;

function number(s: string, start: number): number {
  let i = start;
  if (s.charCodeAt(i) === 0x2d) i++;
  if (s.charCodeAt(i) === 0x30) i++;
  else if (isDigit(s.charCodeAt(i))) while (isDigit(s.charCodeAt(i))) i++;
  else return -1;
  let float = false;
  if (s.charCodeAt(i) === 0x2e) {
    if (!isDigit(s.charCodeAt(i + 1))) return -1;
    float = true;
    i += 2;
    while (isDigit(s.charCodeAt(i))) i++;
  }
  const e = s.charCodeAt(i);
  if (e === 0x65 || e === 0x45) {
    float = true;
    i++;
    const sign = s.charCodeAt(i);
    if (sign === 0x2b || sign === 0x2d) i++;
    if (!isDigit(s.charCodeAt(i))) return -1;
    while (isDigit(s.charCodeAt(i))) i++;
  }
  if (!float) {
    // An int prints its own digits; `-0` prints as `0`; very long ints take the exact path.
    const minusZero =
      i - start === 2 && s.charCodeAt(start) === 0x2d && s.charCodeAt(i - 1) === 0x30;
    return minusZero || i - start > 300 ? -1 : i;
  }
  const lexeme = s.slice(start, i);
  return pyFloatRepr(Number(lexeme)) === lexeme ? i : -1;
}
