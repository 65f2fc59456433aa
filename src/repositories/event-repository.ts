// Domain path of `recentEvents`: one indexed query on `events` (occurred_at desc, id desc), so
// PostgreSQL reads exactly `limit` index entries whatever the table size. The query has six
// shapes (type filter or not × camera: any, none, one); each is a prepared statement built on
// first use, so PostgreSQL does not plan it again on every request (an unprepared statement
// costs about twice the database CPU). On PGlite, whose `query()` parses and plans every call,
// it is prepared in PGlite itself (PgliteStatement). Rows come back as the driver reads them and
// are mapped here: drizzle's generic per-column mapping was a tenth of a REST request's CPU.
//
// Each statement reads only the columns its caller uses (EventProjection): the REST shim prints
// `raw` and nothing else, a GraphQL selection of typed fields never reads `raw`. Turning jsonb and
// timestamptz into text costs the server (and PGlite, which runs in this process) most of such
// a query: on PGlite, 100 rows of `raw` alone take a quarter of the time of every column.
//
// Cancellation: on PostgreSQL the statement is sent through postgres.js directly (the same text,
// parameters and query log as drizzle's prepared query), so an aborted read cancels its query in
// the server (`cancel()` sends a CancelRequest; drizzle hides the pending query). PGlite runs one
// statement at a time in this process and cannot cancel one: there an aborted read is abandoned
// (best effort) and its statement finishes in the background.
import type { PGlite } from '@electric-sql/pglite';
import { and, desc, eq, fillPlaceholders, gte, isNull, or, type SQL, sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { PgliteStatement } from '../db/pglite-statement.js';
import { events } from '../db/schema.js';
import { parsePgTimestamptz } from '../domain/instant-text.js';
import type {
  EventProjection,
  EventReadOptions,
  EventRecord,
  EventSource,
  ReadSignal,
  RecentEventsQuery,
} from '../domain/types.js';

type CameraFilter = 'any' | 'none' | 'one';

const TYPED = {
  ts: events.ts,
  occurredAt: events.occurredAt,
  type: events.type,
  cameraId: events.cameraId,
  trackId: events.trackId,
  // As text, parsed only if a caller reads it.
  evidence: sql<string | null>`${events.evidence}::text`,
};
const COLUMNS = {
  raw: { raw: events.raw },
  typed: TYPED,
  all: { ...TYPED, raw: events.raw },
};

function prepareRecent(
  db: Db,
  hasType: boolean,
  camera: CameraFilter,
  projection: EventProjection,
) {
  const conditions: SQL[] = [gte(events.occurredAt, sql.placeholder('since'))];
  if (hasType) conditions.push(eq(events.type, sql.placeholder('type')));
  if (camera === 'none') {
    // The old service matched records without a camera for an empty camera_id.
    conditions.push(or(isNull(events.cameraId), eq(events.cameraId, ''))!);
  } else if (camera === 'one') {
    conditions.push(eq(events.cameraId, sql.placeholder('cameraId')));
  }
  // name: events.recent
  return db
    .select(COLUMNS[projection])
    .from(events)
    .where(and(...conditions))
    .orderBy(desc(events.occurredAt), desc(events.id))
    .limit(sql.placeholder('limit'))
    .prepare(`events_recent_${hasType ? 'type' : 'all'}_${camera}_${projection}`);
}

type Prepared = ReturnType<typeof prepareRecent>;

export class EventRepository implements EventSource {
  private readonly statements = new Map<string, Prepared>();
  readonly #pgliteStatements = new Map<string, PgliteStatement>();

  constructor(private readonly db: Db) {}

  async recentEvents(
    query: RecentEventsQuery,
    options: EventReadOptions = {},
  ): Promise<EventRecord[]> {
    options.signal?.throwIfAborted();
    const hasType = Boolean(query.type);
    const camera: CameraFilter =
      query.cameraId === undefined ? 'any' : query.cameraId === '' ? 'none' : 'one';
    const projection = options.projection ?? 'all';
    const key = `${hasType}:${camera}:${projection}`;
    let statement = this.statements.get(key);
    if (!statement) {
      statement = prepareRecent(this.db, hasType, camera, projection);
      this.statements.set(key, statement);
    }
    // Placeholders skip the column's encoder: pass the timestamp as drizzle would encode it.
    const values = {
      since: query.since.toISOString(),
      type: query.type,
      cameraId: query.cameraId,
      limit: query.limit,
    };
    const prepared = statement as unknown as DriverPrepared;
    if (!prepared.client?.unsafe && !prepared.client?.execProtocolRawStream) {
      return (await prepared.all(values)).map(toEventRecord);
    }
    // What drizzle's `all()` does first, then the driver's own call.
    const p = prepared as Required<DriverPrepared>;
    const params = fillPlaceholders(p.params, values);
    p.logger.logQuery(p.queryString, params);
    const rows = p.client.unsafe
      ? await cancellable(p, params, options.signal)
      : await this.#readOnPglite(key, p, params);
    return rows.map(toEventRecord);
  }

  /** On PGlite: the statement prepared in PGlite itself, once. */
  #readOnPglite(key: string, p: Required<DriverPrepared>, params: unknown[]): Promise<DriverRow[]> {
    let statement = this.#pgliteStatements.get(key);
    if (!statement) {
      // Its plan (the newest rows through an index on the time, filters from the same index)
      // does not depend on the values, and PGlite plans in this thread: planned once.
      statement = new PgliteStatement(p.client as unknown as PGlite, p.queryString, {
        genericPlan: true,
      });
      this.#pgliteStatements.set(key, statement);
    }
    return statement.rows(params) as Promise<DriverRow[]>;
  }
}

/**
 * Both drivers' prepared queries (postgres-js and pglite sessions) have a public `all()`; the
 * postgres-js one also keeps its client, statement text and parameters.
 */
interface DriverPrepared {
  all(values: Record<string, unknown>): Promise<DriverRow[]>;
  client?: {
    /** PGlite's (the pglite session's client). */
    execProtocolRawStream?: unknown;
    unsafe?(
      query: string,
      params: unknown[],
      options: { prepare: boolean },
    ): Promise<DriverRow[]> & { cancel(): void };
  };
  queryString?: string;
  params?: unknown[];
  prepare?: boolean;
  logger?: { logQuery(query: string, params: unknown[]): void };
}

/** postgres-js' query, as drizzle's `all()` sends it, cancelled on abort. */
async function cancellable(
  p: Required<DriverPrepared>,
  params: unknown[],
  signal: ReadSignal | undefined,
): Promise<DriverRow[]> {
  const pending = p.client.unsafe!(p.queryString, params, { prepare: p.prepare });
  if (!signal) return pending;
  const cancel = () => pending.cancel();
  signal.addEventListener('abort', cancel, { once: true });
  try {
    return await pending;
  } finally {
    signal.removeEventListener('abort', cancel);
  }
}

/**
 * A row as both drivers return it under drizzle's type parsers: timestamptz as PostgreSQL's
 * text, bigint as a string (postgres.js) or a number, evidence as JSON text. The columns the
 * statement did not select are missing: all but `raw`, or `raw`.
 */
export interface DriverRow {
  ts?: number;
  occurred_at?: string;
  type?: string | null;
  camera_id?: string | null;
  track_id?: string | number | null;
  evidence?: string | null;
  raw?: string;
}

/**
 * An event read from the table; only the parts the statement read (a REST shim's rows carry
 * `raw` alone, a typed selection's no `raw`). A plain object of plain values, so callers may
 * copy it: an earlier version parsed `occurredAt` and `evidence` on first use through getters of
 * each object, and building and reading such objects cost three times as much as parsing both
 * (150 µs against 57 µs for 100 events, most of it `JSON.parse` of the evidence).
 */
export function toEventRecord(row: DriverRow): EventRecord {
  if (row.ts === undefined) return { raw: row.raw } as EventRecord;
  return {
    ts: row.ts,
    occurredAt: parsePgTimestamptz(row.occurred_at!),
    type: row.type!,
    cameraId: row.camera_id!,
    trackId: row.track_id === null ? null : Number(row.track_id),
    evidence: row.evidence === null ? null : JSON.parse(row.evidence!),
    raw: row.raw!,
  };
}
