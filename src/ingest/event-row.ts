// One log line → the `events` row it becomes, or the reason it is skipped. The row's source
// key is derived from the line's content and place in its file, so re-reading, renaming or
// copying a file never produces a second row for the same line.
import { parseLogLine, trimJsonWhitespace } from '../legacy/log-record.js';
import { type LogLine, shortHash } from './log-file.js';

export type SkipReason = Extract<ReturnType<typeof parseLogLine>, { ok: false }>['reason'];

/** An `events` row as a batch's JSON carries it: column names, ISO timestamp. */
export interface EventRow {
  occurred_at: string;
  ts: number;
  type: string | null;
  camera_id: string | null;
  track_id: number | null;
  evidence: unknown;
  raw: string;
  source_key: string;
}

export function noSkips(): Record<SkipReason, number> {
  return { not_json: 0, not_object: 0, bad_ts: 0 };
}

/** The row for a line of the file whose head hash is `head`; null for a blank line. */
export function toEventRow(line: LogLine, head: string): EventRow | SkipReason | null {
  const text = line.bytes.toString('utf8');
  if (trimJsonWhitespace(text) === '') return null;
  const parsed = parseLogLine(text);
  if (!parsed.ok) return parsed.reason;
  // Only JSON escapes can produce what PostgreSQL refuses; most lines have none.
  const raw = parsed.record.raw;
  const r = raw.includes('\\u') || raw.includes('\0') ? storable(parsed.record) : parsed.record;
  return {
    occurred_at: r.occurredAt.toISOString(),
    ts: r.ts,
    type: r.type,
    camera_id: r.cameraId,
    track_id: r.trackId,
    evidence: r.evidence ?? null,
    raw: r.raw,
    source_key: sourceKey(head, line),
  };
}

/**
 * `<file head>:<byte offset>:<line hash>`. Renames (RotatingFileHandler) and copies
 * (copytruncate, restores) keep a line's file head and offset, so its key survives them; two
 * byte-identical records at different offsets stay two events, as the legacy reader shows them.
 * The line hash guards against two files whose first lines happen to be equal.
 */
export function sourceKey(head: string, line: LogLine): string {
  return `${head}:${line.offset}:${shortHash(line.bytes)}`;
}

// PostgreSQL text and jsonb reject NUL and unpaired surrogates (JSON escapes can produce both),
// and one such value would fail its whole batch on every retry; U+FFFD keeps the rest of it.
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

function storable<T>(value: T): T {
  if (typeof value === 'string') {
    return value.replaceAll('\0', '\ufffd').replace(LONE_SURROGATE, '\ufffd') as T;
  }
  if (Array.isArray(value)) return value.map(storable) as T;
  // Plain objects only: the record's Date must stay a Date.
  if (value && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.fromEntries(
      Object.entries(value as object).map(([k, v]) => [storable(k), storable(v)]),
    ) as T;
  }
  return value;
}
