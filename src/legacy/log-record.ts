// One line of the legacy event log → an EventRecord. Both the legacy reader (per request) and
// the log ingester (feeding the domain tables) use it, so both paths accept and reject the same
// lines the way the old service's `json.loads` did.
import type { EventRecord } from '../domain/types.js';
import { isJsonWs, PY_MAX_DEPTH, type PyValue, parsePyJson, toPlain } from './py-json.js';

export type LogLineResult =
  | { ok: true; record: EventRecord; value: PyValue }
  | { ok: false; reason: 'not_json' | 'not_object' | 'bad_ts' };

/**
 * Up to this length JSON.parse accepts exactly what json.loads accepts (minus NaN/Infinity, which
 * make JSON.parse throw): the text is too short to nest past Python's depth limit or to hold an
 * int past its digit limit. Longer lines take the exact scanner.
 */
const FAST_PATH_MAX_LENGTH = 2 * PY_MAX_DEPTH;
/** ECMAScript's Date range, in seconds. */
const MAX_DATE_SECONDS = 8.64e12;

/** Strips Python's json whitespace only: a BOM or NBSP stays and makes the line invalid. */
export function trimJsonWhitespace(line: string): string {
  let start = 0;
  let end = line.length;
  while (start < end && isJsonWs(line.charCodeAt(start))) start++;
  while (end > start && isJsonWs(line.charCodeAt(end - 1))) end--;
  return start === 0 && end === line.length ? line : line.slice(start, end);
}

interface Fields {
  ts: unknown;
  type: unknown;
  camera_id: unknown;
  track_id: unknown;
  evidence: unknown;
}

/**
 * Reads one log line. A record is a JSON object with a finite numeric `ts` (epoch seconds) that
 * a Date can hold; `type`/`camera_id` are kept when strings, `track_id` when an integral number
 * (`126.0` counts: JSON.parse cannot tell it from `126`, and both paths must agree), `evidence`
 * as plain JSON with NaN/Infinity replaced by null. `raw` is the line without its surrounding
 * whitespace; `value` (built on first access when the fast path was taken) is the exact tree.
 */
export function parseLogLine(line: string): LogLineResult {
  const raw = trimJsonWhitespace(line);
  let fields: Fields | undefined;
  let value: PyValue | undefined;
  // NaN/Infinity would make JSON.parse throw, and a thrown exception costs more than the parse.
  if (raw.length <= FAST_PATH_MAX_LENGTH && !raw.includes('NaN') && !raw.includes('Infinity')) {
    try {
      const parsed: unknown = JSON.parse(raw);
      if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
        return { ok: false, reason: 'not_object' };
      }
      fields = parsed as Fields;
    } catch {
      return { ok: false, reason: 'not_json' };
    }
  }
  if (fields === undefined) {
    try {
      value = parsePyJson(raw);
    } catch {
      return { ok: false, reason: 'not_json' };
    }
    if (!(value instanceof Map)) return { ok: false, reason: 'not_object' };
    fields = fieldsOf(value);
  }

  const ts = fields.ts;
  if (typeof ts !== 'number' || !Number.isFinite(ts) || Math.abs(ts) > MAX_DATE_SECONDS) {
    return { ok: false, reason: 'bad_ts' };
  }
  const record: EventRecord = {
    ts,
    occurredAt: new Date(ts * 1000),
    type: typeof fields.type === 'string' ? fields.type : null,
    cameraId: typeof fields.camera_id === 'string' ? fields.camera_id : null,
    trackId: Number.isSafeInteger(fields.track_id) ? (fields.track_id as number) : null,
    evidence: fields.evidence === undefined ? null : fields.evidence,
    raw,
  };
  return new ParsedLine(record, value);
}

/** A class rather than an object literal with a getter: V8 keeps it a fast, shared shape. */
class ParsedLine {
  readonly ok = true;
  constructor(
    readonly record: EventRecord,
    private tree: PyValue | undefined,
  ) {}

  /** Most callers never look at the tree; building it for every line would double the cost. */
  get value(): PyValue {
    if (this.tree === undefined) this.tree = parsePyJson(this.record.raw);
    return this.tree;
  }
}

/** The same view of a record as JSON.parse would give, from the exact tree. */
function fieldsOf(dict: Map<string, PyValue>): Fields {
  const num = (v: PyValue | undefined): unknown => (typeof v === 'bigint' ? Number(v) : v);
  const evidence = dict.get('evidence');
  return {
    ts: num(dict.get('ts')),
    type: dict.get('type'),
    camera_id: dict.get('camera_id'),
    track_id: num(dict.get('track_id')),
    evidence: evidence === undefined ? undefined : toPlain(evidence),
  };
}
