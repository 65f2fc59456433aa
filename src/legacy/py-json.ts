// Python `json` compatibility for the legacy path. The old service read log lines with
// `json.loads` and answered with FastAPI's JSONResponse (`json.dumps`, compact, non-ASCII kept),
// so the REST shims must parse and print exactly like that to stay byte-compatible.

/**
 * A value as Python's `json.loads` returns it. The mapping keeps what Python can tell apart and
 * JavaScript's JSON.parse cannot: int ↔ `bigint` (any size, exact), float ↔ `number` (including
 * NaN, ±Infinity and -0.0), dict ↔ `Map` (insertion order, so a duplicated key keeps its first
 * position and its last value, like a Python dict; integer-like keys are not hoisted).
 */
export type PyValue = null | boolean | string | number | bigint | PyValue[] | PyDict;
export type PyDict = Map<string, PyValue>;

/**
 * Python 3.11 refuses to convert ints longer than this (`sys.get_int_max_str_digits()`), and
 * json.loads fails with it.
 */
export const PY_MAX_INT_DIGITS = 4300;
/**
 * json.loads hits RecursionError at 996 nested containers in a bare python3.11 process (a
 * service has more frames on the stack, so its limit was a little lower). Bounding depth also
 * keeps our recursive scanner far from the JS stack limit.
 */
export const PY_MAX_DEPTH = 995;

// Character codes the scanner dispatches on.
const [QUOTE, PLUS, COMMA, MINUS, DOT, COLON, BACKSLASH] = [
  0x22, 0x2b, 0x2c, 0x2d, 0x2e, 0x3a, 0x5c,
];
const [ZERO, NINE, BIG_E, SMALL_E] = [0x30, 0x39, 0x45, 0x65];
const [L_BRACKET, R_BRACKET, L_BRACE, R_BRACE] = [0x5b, 0x5d, 0x7b, 0x7d];

/** `\x` escapes other than `\uXXXX`: the character after the backslash, and what it means. */
const ESCAPED = '"\\/bfnrt';
const UNESCAPED = '"\\/\b\f\n\r\t';

const isDigit = (c: number): boolean => c >= ZERO && c <= NINE;
/** Python's json whitespace is exactly these four characters (no BOM, no NBSP). */
export const isJsonWs = (c: number): boolean =>
  c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;

function skipDigits(s: string, from: number): number {
  let i = from;
  while (isDigit(s.charCodeAt(i))) i++;
  return i;
}

class Scanner {
  i = 0;
  constructor(private readonly s: string) {}

  fail(what: string, at = this.i): never {
    throw new SyntaxError(`${what} at char ${at}`);
  }

  skipWs(): void {
    while (isJsonWs(this.s.charCodeAt(this.i))) this.i++;
  }

  value(depth: number): PyValue {
    const s = this.s;
    const c = s.charCodeAt(this.i);
    switch (c) {
      case QUOTE:
        this.i++;
        return this.string();
      case L_BRACE:
        return this.object(depth + 1);
      case L_BRACKET:
        return this.array(depth + 1);
    }
    if (c === MINUS || isDigit(c)) return this.number();
    if (this.literal('null')) return null;
    if (this.literal('true')) return true;
    if (this.literal('false')) return false;
    if (this.literal('NaN')) return Number.NaN;
    if (this.literal('Infinity')) return Number.POSITIVE_INFINITY;
    return this.fail('Expecting value');
  }

  private literal(word: string): boolean {
    if (!this.s.startsWith(word, this.i)) return false;
    this.i += word.length;
    return true;
  }

  private object(depth: number): PyDict {
    const out: PyDict = new Map();
    this.items(R_BRACE, depth, () => {
      if (this.s.charCodeAt(this.i) !== QUOTE) {
        this.fail('Expecting property name enclosed in double quotes');
      }
      this.i++;
      const key = this.string();
      this.skipWs();
      if (this.s.charCodeAt(this.i++) !== COLON) this.fail("Expecting ':' delimiter", this.i - 1);
      this.skipWs();
      out.set(key, this.value(depth));
    });
    return out;
  }

  private array(depth: number): PyValue[] {
    const out: PyValue[] = [];
    this.items(R_BRACKET, depth, () => out.push(this.value(depth)));
    return out;
  }

  /** The comma-separated items of a container, from its opening to its closing character. */
  private items(close: number, depth: number, item: () => void): void {
    if (depth > PY_MAX_DEPTH) this.fail('Maximum nesting depth exceeded');
    this.i++;
    this.skipWs();
    if (this.s.charCodeAt(this.i) === close) {
      this.i++;
      return;
    }
    for (;;) {
      item();
      this.skipWs();
      const c = this.s.charCodeAt(this.i++);
      if (c === close) return;
      if (c !== COMMA) this.fail("Expecting ',' delimiter", this.i - 1);
      this.skipWs();
    }
  }

  /** Called just after the opening quote. */
  private string(): string {
    const s = this.s;
    const start = this.i;
    let i = start;
    let chunkStart = start;
    let out = '';
    for (;;) {
      const c = s.charCodeAt(i);
      if (c === QUOTE) {
        this.i = i + 1;
        return out + s.slice(chunkStart, i);
      }
      if (c === BACKSLASH) {
        out += s.slice(chunkStart, i);
        const e = s.charAt(i + 1);
        const simple = e === '' ? -1 : ESCAPED.indexOf(e);
        if (simple !== -1) {
          out += UNESCAPED.charAt(simple);
          i += 2;
        } else if (e === 'u') {
          const hex = s.slice(i + 2, i + 6);
          // Strict hex, like the C scanner Python uses by default (the pure-Python one is laxer).
          if (!/^[0-9a-fA-F]{4}$/.test(hex)) this.fail('Invalid \\uXXXX escape', i);
          // Surrogate pairs written as two escapes join by themselves in a UTF-16 string.
          out += String.fromCharCode(Number.parseInt(hex, 16));
          i += 6;
        } else {
          this.fail('Invalid \\escape', i);
        }
        chunkStart = i;
      } else if (c < 0x20 || Number.isNaN(c)) {
        this.fail(
          Number.isNaN(c) ? 'Unterminated string starting' : 'Invalid control character',
          i,
        );
      } else {
        i++;
      }
    }
  }

  private number(): number | bigint {
    const s = this.s;
    const start = this.i;
    let i = start;
    if (s.charCodeAt(i) === MINUS) {
      i++;
      if (s.startsWith('Infinity', i)) {
        this.i = i + 8;
        return Number.NEGATIVE_INFINITY;
      }
    }
    const first = s.charCodeAt(i);
    if (first === ZERO) i++;
    else if (isDigit(first)) i = skipDigits(s, i + 1);
    else this.fail('Expecting value', start);
    let isFloat = false;
    if (s.charCodeAt(i) === DOT && isDigit(s.charCodeAt(i + 1))) {
      isFloat = true;
      i = skipDigits(s, i + 2);
    }
    const e = s.charCodeAt(i);
    if (e === SMALL_E || e === BIG_E) {
      let j = i + 1;
      const sign = s.charCodeAt(j);
      if (sign === PLUS || sign === MINUS) j++;
      if (isDigit(s.charCodeAt(j))) {
        isFloat = true;
        i = skipDigits(s, j + 1);
      }
    }
    this.i = i;
    const lexeme = s.slice(start, i);
    // Both Python's float() and Number() round correctly, so they agree bit for bit.
    if (isFloat) return Number(lexeme);
    const digits = lexeme.charCodeAt(0) === MINUS ? lexeme.length - 1 : lexeme.length;
    if (digits > PY_MAX_INT_DIGITS) this.fail('Integer exceeds the Python digit limit', start);
    return BigInt(lexeme);
  }
}

/** Parses like Python's `json.loads`; throws SyntaxError where json.loads raises. */
export function parsePyJson(text: string): PyValue {
  const sc = new Scanner(text);
  sc.skipWs();
  const v = sc.value(0);
  sc.skipWs();
  if (sc.i !== text.length) sc.fail('Extra data');
  return v;
}

/** Plain JS for a GraphQL JSON scalar: NaN/±Infinity become null, big ints lose precision. */
export function toPlain(v: PyValue): unknown {
  if (v === null || typeof v !== 'object') {
    if (typeof v === 'number') return Number.isFinite(v) ? v : null;
    if (typeof v === 'bigint') return Number(v);
    return v;
  }
  if (Array.isArray(v)) return v.map(toPlain);
  const out: Record<string, unknown> = {};
  for (const [k, x] of v) {
    // Assigning `__proto__` would replace the prototype instead of adding a key, as JSON.parse does.
    if (k === '__proto__') {
      Object.defineProperty(out, k, {
        value: toPlain(x),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    } else {
      out[k] = toPlain(x);
    }
  }
  return out;
}

/** Python's `repr(float)`: shortest round-trip digits, `.0` on integral values, `1e-05` style. */
export function pyFloatRepr(x: number): string {
  if (!Number.isFinite(x)) return 'null';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  const a = Math.abs(x);
  // In this range JS and Python both print positional digits; only the `.0` differs.
  if (a >= 1e-4 && a < 1e16) {
    const s = String(x);
    return Number.isInteger(x) ? `${s}.0` : s;
  }
  const s = x.toExponential();
  const e = s.indexOf('e');
  const expDigits = s.slice(e + 2);
  return `${s.slice(0, e + 2)}${expDigits.length < 2 ? `0${expDigits}` : expDigits}`;
}

/**
 * Python's `json.dumps(v, ensure_ascii=False, separators=(',', ':'))`, except that NaN and
 * ±Infinity print as `null` (a correction, see docs/legacy-contract.md: Python raised and answered 500).
 * Strings go through JSON.stringify, whose escapes are Python's (lowercase `\u00XX` for other
 * control characters, `/` and non-ASCII kept) for every well-formed string; a lone surrogate is
 * escaped as `\udXXX` where Python would have failed to encode the response at all.
 */
export function dumpPy(v: PyValue): string {
  if (v === null) return 'null';
  switch (typeof v) {
    case 'string':
      return JSON.stringify(v);
    case 'number':
      return pyFloatRepr(v);
    case 'bigint':
      return v.toString();
    case 'boolean':
      return v ? 'true' : 'false';
  }
  if (Array.isArray(v)) {
    let out = '[';
    for (let i = 0; i < v.length; i++) {
      if (i > 0) out += ',';
      out += dumpPy(v[i] as PyValue);
    }
    return `${out}]`;
  }
  let out = '{';
  let first = true;
  for (const [k, x] of v) {
    if (!first) out += ',';
    first = false;
    out += `${JSON.stringify(k)}:${dumpPy(x)}`;
  }
  return `${out}}`;
}

/**
 * Python's `json.dumps(v)` with every default: separators `", "` and `": "`, `ensure_ascii`
 * (each character outside printable ASCII as `\uXXXX`, astral ones as a surrogate pair, DEL
 * included), floats in repr and NaN / Infinity / -Infinity as those bare words. The old
 * websocket printed its messages this way.
 */
export function dumpPyDefault(v: PyValue): string {
  if (v === null) return 'null';
  switch (typeof v) {
    case 'string':
      return asciiString(v);
    case 'number':
      if (Number.isNaN(v)) return 'NaN';
      if (!Number.isFinite(v)) return v > 0 ? 'Infinity' : '-Infinity';
      return pyFloatRepr(v);
    case 'bigint':
      return v.toString();
    case 'boolean':
      return v ? 'true' : 'false';
  }
  if (Array.isArray(v)) return `[${v.map((x) => dumpPyDefault(x)).join(', ')}]`;
  const items: string[] = [];
  for (const [k, x] of v) items.push(`${asciiString(k)}: ${dumpPyDefault(x)}`);
  return `{${items.join(', ')}}`;
}

const SHORT_ESCAPES: Record<string, string> = {
  '"': '\\"',
  '\\': '\\\\',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
  '\b': '\\b',
  '\f': '\\f',
};

/** Python's `py_encode_basestring_ascii`: what needs no escape is printable ASCII. */
function asciiString(s: string): string {
  return `"${s.replace(/[^\x20-\x21\x23-\x5b\x5d-\x7e]/g, (c) => SHORT_ESCAPES[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)}"`;
}

/** The bytes the old service answered for a logged JSON text (with NaN/Infinity as null). */
export function reencodePy(text: string): string {
  return dumpPy(parsePyJson(text));
}

// --- Recognising text that json.dumps would print unchanged -------------------------------
// Almost every line the pipeline logs is already in json.dumps' compact form; recognising those
// with one scan and no tree saves re-parsing each one (a fifth of a REST request).

/** Nesting past this is left to the exact path. */
const AS_IS_MAX_DEPTH = 64;

/**
 * True only if `reencodePy(text) === text`: valid JSON without whitespace, NaN or Infinity;
 * strings without escapes (JSON.stringify's escapes are left to the exact path); no repeated key
 * in an object; every number spelled as Python prints it. False means "not sure".
 */
export function isPrintedAsIs(text: string): boolean {
  const end = asIsValue(text, 0, 0);
  return end === text.length;
}

/** Index after the value at `i`, or -1. */
function asIsValue(s: string, i: number, depth: number): number {
  const c = s.charCodeAt(i);
  if (c === 0x22) return asIsString(s, i);
  if (c === 0x7b) return asIsObject(s, i, depth + 1);
  if (c === 0x5b) return asIsArray(s, i, depth + 1);
  if (c === 0x2d || (c >= 0x30 && c <= 0x39)) return asIsNumber(s, i);
  for (const word of ['true', 'false', 'null']) {
    if (s.startsWith(word, i)) return i + word.length;
  }
  return -1;
}

function asIsString(s: string, start: number): number {
  for (let i = start + 1; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x22) return i + 1;
    // An escape, a control character or half of a surrogate pair: the exact path decides.
    if (c === 0x5c || c < 0x20 || (c >= 0xd800 && c <= 0xdfff)) return -1;
  }
  return -1;
}

function asIsObject(s: string, start: number, depth: number): number {
  if (depth > AS_IS_MAX_DEPTH) return -1;
  let i = start + 1;
  if (s.charCodeAt(i) === 0x7d) return i + 1;
  /** Start and end of each key so far (quotes included). */
  const keys: number[] = [];
  for (;;) {
    const keyEnd = asIsString(s, i);
    if (keyEnd < 0 || s.charCodeAt(keyEnd) !== 0x3a) return -1;
    // Python keeps the first position and the last value of a repeated key.
    for (let k = 0; k < keys.length; k += 2) {
      if (sameText(s, keys[k]!, keys[k + 1]!, i, keyEnd)) return -1;
    }
    keys.push(i, keyEnd);
    i = asIsValue(s, keyEnd + 1, depth);
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

function asIsArray(s: string, start: number, depth: number): number {
  if (depth > AS_IS_MAX_DEPTH) return -1;
  let i = start + 1;
  if (s.charCodeAt(i) === 0x5d) return i + 1;
  for (;;) {
    i = asIsValue(s, i, depth);
    if (i < 0) return -1;
    const c = s.charCodeAt(i);
    if (c === 0x5d) return i + 1;
    if (c !== 0x2c) return -1;
    i++;
  }
}

function asIsNumber(s: string, start: number): number {
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
