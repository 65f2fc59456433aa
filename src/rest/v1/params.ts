// Declarative parameter tables for the legacy REST shims. Values are read the way pydantic 2's
// lax mode read the old FastAPI service's strings, and failures render FastAPI's 422 body byte
// for byte, so callers of the Python service cannot tell the shims apart from it.

import { isStorableText, UNSTORABLE_TEXT } from '../../domain/text.js';

export type Location = 'query' | 'path';

export interface ValidationErrorEntry {
  type: string;
  loc: [Location, string];
  msg: string;
  input: string | null;
  ctx?: Record<string, number>;
}

type Conversion<T> =
  | { ok: true; value: T }
  | { ok: false; type: string; msg: string; ctx?: Record<string, number> };

/** `Always` is true when the parsed value is never `undefined` (required or defaulted). */
export interface Param<T, Always extends boolean> {
  readonly alwaysSet: Always;
  readonly required: boolean;
  readonly default: T | undefined;
  readonly convert: (raw: string) => Conversion<T>;
}

export interface ParamBuilder<T, O> {
  (options: O & { required: true }): Param<T, true>;
  (options: O & { default: T }): Param<T, true>;
  (options?: O): Param<T, false>;
}

interface BaseOptions<T> {
  required?: boolean;
  default?: T;
}

export interface IntOptions<T> extends BaseOptions<T> {
  ge?: number;
  le?: number;
}

export type ParamValues<D> = {
  [K in keyof D]: D[K] extends Param<infer T, infer S>
    ? S extends true
      ? T
      : T | undefined
    : never;
};

export interface ParseFailure {
  ok: false;
  status: 422;
  errors: ValidationErrorEntry[];
  body: string;
}

export type ParseResult<V> = { ok: true; value: V } | ParseFailure;

/** Repeated names: the last value wins, as Starlette's QueryParams.get did. */
export type ParamSource =
  | URLSearchParams
  | ReadonlyMap<string, string>
  | Readonly<Record<string, string | readonly string[] | undefined>>;

export interface ParamTable<V> {
  readonly location: Location;
  parse(source: ParamSource): ParseResult<V>;
}

function builder<T, O extends BaseOptions<T>>(
  makeConvert: (options: O) => (raw: string) => Conversion<T>,
): ParamBuilder<T, O> {
  return ((options?: O) => {
    const o = options ?? ({} as O);
    if (o.required === true && o.default !== undefined) {
      throw new TypeError('a required parameter cannot have a default');
    }
    return {
      alwaysSet: o.required === true || o.default !== undefined,
      required: o.required === true,
      default: o.default,
      convert: makeConvert(o),
    };
  }) as ParamBuilder<T, O>;
}

// Rust's `str::trim` (Unicode White_Space), which pydantic-core applies; it differs from JS
// `trim()` on U+0085 (stripped here) and U+FEFF (kept here).
const RUST_WHITESPACE = /[\t-\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]/;

function rustTrim(s: string): string {
  let start = 0;
  let end = s.length;
  while (start < end && RUST_WHITESPACE.test(s[start]!)) start++;
  while (end > start && RUST_WHITESPACE.test(s[end - 1]!)) end--;
  return s.slice(start, end);
}

// pydantic-core first tries the raw string as a JSON integer (jiter), then a cleaned copy. Only
// the first try can report the size limit: a leading digit run over 4300 characters.
const JSON_INT = /^-?(?:0|[1-9][0-9]*)$/;
const LEADING_DIGIT_RUN = /^-?[1-9][0-9]*/;
const MAX_INT_CHARS = 4300;

function stripLeadingZeros(s: string): string | null {
  const first = s[0];
  if (first === undefined) return null;
  if (first !== '0') return (first >= '1' && first <= '9') || first === '-' ? s : null;
  for (let i = 1; i < s.length; i++) {
    const c = s[i]!;
    if (c === '0' || c === '_') continue;
    if ((c >= '1' && c <= '9') || c === '-') return s.slice(i);
    // Keep one zero before the point so `00.0` still reads as `0.0`.
    if (c === '.') return s.slice(i - 1);
    return null;
  }
  return s.slice(-1);
}

function stripUnderscores(s: string): string | null {
  if (s.startsWith('_') || s.endsWith('_') || !s.includes('_') || s.includes('__')) return null;
  return s.replaceAll('_', '');
}

// A port of pydantic-core's `clean_int_str`, quirks included (e.g. `0-5` cleans to `-5`).
function cleanIntString(raw: string): string | null {
  let s = rustTrim(raw);
  if (s.startsWith('+')) {
    if (s.startsWith('+-')) return null;
    s = s.slice(1);
  }
  let sign = '';
  if (s.startsWith('-')) {
    if (s.startsWith('--') || s.startsWith('-+')) return null;
    sign = '-';
    s = s.slice(1);
  }
  const unpadded = stripLeadingZeros(s);
  if (unpadded === null) return null;
  s = unpadded;
  const point = s.indexOf('.');
  if (point >= 0 && /^0+$/.test(s.slice(point + 1))) s = s.slice(0, point);
  const joined = stripUnderscores(s);
  if (joined !== null) return sign + joined;
  return s.length === raw.length ? null : sign + s;
}

export type LaxIntResult = bigint | 'int_parsing' | 'int_parsing_size';

/** pydantic 2 lax `str` → `int`, exactly; exported for shims needing the integer unbounded. */
export function parseLaxInt(raw: string): LaxIntResult {
  const run = LEADING_DIGIT_RUN.exec(raw);
  if (run !== null && run[0].length > MAX_INT_CHARS) return 'int_parsing_size';
  if (JSON_INT.test(raw)) return BigInt(raw);
  const cleaned = cleanIntString(raw);
  if (cleaned === null || !JSON_INT.test(cleaned) || cleaned.length > MAX_INT_CHARS) {
    return 'int_parsing';
  }
  return BigInt(cleaned);
}

const INT_ERRORS = {
  int_parsing: 'Input should be a valid integer, unable to parse string as an integer',
  int_parsing_size: 'Unable to parse input string as an integer, exceeded maximum size',
} as const;

function intConverter<T>(toValue: (n: bigint) => T) {
  return (options: IntOptions<T>) => {
    const { ge, le } = options;
    for (const bound of [ge, le]) {
      if (bound !== undefined && !Number.isSafeInteger(bound)) {
        throw new TypeError(`integer bounds must be safe integers, got ${bound}`);
      }
    }
    return (raw: string): Conversion<T> => {
      const n = parseLaxInt(raw);
      if (typeof n === 'string') return { ok: false, type: n, msg: INT_ERRORS[n] };
      // pydantic-core checks `le` before `ge`; only one bound error is ever reported.
      if (le !== undefined && n > BigInt(le)) {
        const msg = `Input should be less than or equal to ${le}`;
        return { ok: false, type: 'less_than_equal', msg, ctx: { le } };
      }
      if (ge !== undefined && n < BigInt(ge)) {
        const msg = `Input should be greater than or equal to ${ge}`;
        return { ok: false, type: 'greater_than_equal', msg, ctx: { ge } };
      }
      return { ok: true, value: toValue(n) };
    };
  };
}

/** An integer as a JS number; past ±2^53 (only reachable without bounds) precision is lost. */
export const int: ParamBuilder<number, IntOptions<number>> = builder(intConverter(Number));

/** An integer kept exact, for ids that must be echoed back as Python would print them. */
export const bigint: ParamBuilder<bigint, IntOptions<bigint>> = builder(intConverter((n) => n));

const TRUE_WORDS = new Set(['1', 't', 'y', 'on', 'yes', 'true']);
const FALSE_WORDS = new Set(['0', 'f', 'n', 'no', 'off', 'false']);

export const bool: ParamBuilder<boolean, BaseOptions<boolean>> = builder(() => (raw) => {
  // ASCII-only case folding, as Rust's eq_ignore_ascii_case; no whitespace is stripped.
  const word = raw.replace(/[A-Z]/g, (c) => c.toLowerCase());
  if (TRUE_WORDS.has(word)) return { ok: true, value: true };
  if (FALSE_WORDS.has(word)) return { ok: true, value: false };
  return {
    ok: false,
    type: 'bool_parsing',
    msg: 'Input should be a valid boolean, unable to interpret input',
  };
});

export interface StrOptions extends BaseOptions<string> {
  /**
   * Refuse text PostgreSQL cannot store (NUL, unpaired surrogates) with a 422, in pydantic's
   * words for a failed custom check, instead of letting the database fail on it.
   */
  storable?: boolean;
}

export const str: ParamBuilder<string, StrOptions> = builder(({ storable }) => (raw) => {
  if (storable && !isStorableText(raw)) {
    return { ok: false, type: 'value_error', msg: `Value error, ${UNSTORABLE_TEXT}` };
  }
  return { ok: true, value: raw };
});

function lastValue(source: ParamSource, name: string): string | undefined {
  if (source instanceof URLSearchParams) return source.getAll(name).at(-1);
  if (source instanceof Map) return (source as ReadonlyMap<string, string>).get(name);
  const record = source as Readonly<Record<string, string | readonly string[] | undefined>>;
  if (!Object.hasOwn(record, name)) return undefined;
  const value = record[name];
  return typeof value === 'string' ? value : value?.at(-1);
}

/** FastAPI's 422 body: `{"detail":[...]}`; JSON.stringify escapes strings as json.dumps does. */
function validationErrorBody(errors: readonly ValidationErrorEntry[]): string {
  return JSON.stringify({ detail: errors });
}

function failure(errors: ValidationErrorEntry[]): ParseFailure {
  return { ok: false, status: 422, errors, body: validationErrorBody(errors) };
}

/** The `{"detail":"..."}` body FastAPI gave HTTPException (404, 400, 405). */
export function detailBody(message: string): string {
  return JSON.stringify({ detail: message });
}

export function defineParams<D extends Record<string, Param<unknown, boolean>>>(
  definition: D,
  location: Location,
): ParamTable<ParamValues<D>> {
  const entries = Object.entries(definition);
  return {
    location,
    parse(source) {
      const value: Record<string, unknown> = {};
      const errors: ValidationErrorEntry[] = [];
      for (const [name, param] of entries) {
        const raw = lastValue(source, name);
        if (raw === undefined) {
          if (param.required) {
            errors.push({
              type: 'missing',
              loc: [location, name],
              msg: 'Field required',
              input: null,
            });
          } else {
            value[name] = param.default;
          }
          continue;
        }
        const converted = param.convert(raw);
        if (converted.ok) {
          value[name] = converted.value;
          continue;
        }
        // Key order is part of the byte contract: type, loc, msg, input, then ctx if any.
        const entry: ValidationErrorEntry = {
          type: converted.type,
          loc: [location, name],
          msg: converted.msg,
          input: raw,
        };
        if (converted.ctx !== undefined) entry.ctx = converted.ctx;
        errors.push(entry);
      }
      return errors.length === 0 ? { ok: true, value: value as ParamValues<D> } : failure(errors);
    },
  };
}

/**
 * Joins results of several tables of one request. Pass them in FastAPI's order (path before
 * query) so the errors of both land in one 422 body in the order the old service listed them.
 */
export function combine<A extends object, B extends object>(
  first: ParseResult<A>,
  second: ParseResult<B>,
): ParseResult<A & B> {
  if (first.ok && second.ok) return { ok: true, value: { ...first.value, ...second.value } };
  return failure([...(first.ok ? [] : first.errors), ...(second.ok ? [] : second.errors)]);
}
