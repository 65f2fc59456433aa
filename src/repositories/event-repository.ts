// Domain path of `recentEvents`: one indexed query on `events` (occurred_at desc, id desc), so
// PostgreSQL reads exactly `limit` index entries whatever the table size. The query has six
// shapes (type filter or not × camera: any, none, one); each is a prepared statement built on
// first use, so PostgreSQL does not plan it again on every request (an unprepared statement costs about twice the database CPU). Rows
// come back as the driver reads them and are mapped here: drizzle's generic per-column mapping
// was a tenth of a REST request's CPU.
import { and, desc, eq, gte, isNull, or, type SQL, sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { events } from '../db/schema.js';
import type { EventRecord, EventSource, RecentEventsQuery } from '../domain/types.js';

type CameraFilter = 'any' | 'none' | 'one';

function prepareRecent(db: Db, hasType: boolean, camera: CameraFilter) {
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
    .select({
      ts: events.ts,
      occurredAt: events.occurredAt,
      type: events.type,
      cameraId: events.cameraId,
      trackId: events.trackId,
      // As text, parsed only if a caller reads it (the REST shim sends `raw` and never does).
      evidence: sql<string | null>`${events.evidence}::text`,
      raw: events.raw,
    })
    .from(events)
    .where(and(...conditions))
    .orderBy(desc(events.occurredAt), desc(events.id))
    .limit(sql.placeholder('limit'))
    .prepare(`events_recent_${hasType ? 'type' : 'all'}_${camera}`);
}

type Prepared = ReturnType<typeof prepareRecent>;

export class EventRepository implements EventSource {
  private readonly statements = new Map<string, Prepared>();

  constructor(private readonly db: Db) {}

  async recentEvents(query: RecentEventsQuery): Promise<EventRecord[]> {
    const hasType = Boolean(query.type);
    const camera: CameraFilter =
      query.cameraId === undefined ? 'any' : query.cameraId === '' ? 'none' : 'one';
    const key = `${hasType}:${camera}`;
    let statement = this.statements.get(key);
    if (!statement) {
      statement = prepareRecent(this.db, hasType, camera);
      this.statements.set(key, statement);
    }
    // Placeholders skip the column's encoder: pass the timestamp as drizzle would encode it.
    const rows = await (statement as unknown as DriverPrepared).all({
      since: query.since.toISOString(),
      type: query.type,
      cameraId: query.cameraId,
      limit: query.limit,
    });
    return rows.map(toEventRecord);
  }
}

/** Both drivers' prepared queries (postgres-js and pglite sessions) have a public `all()`. */
interface DriverPrepared {
  all(values: Record<string, unknown>): Promise<DriverRow[]>;
}

/**
 * A row as both drivers return it under drizzle's type parsers: timestamptz as PostgreSQL's
 * text, bigint as a string (postgres.js) or a number, evidence as JSON text.
 */
export interface DriverRow {
  ts: number;
  occurred_at: string;
  type: string | null;
  camera_id: string | null;
  track_id: string | number | null;
  evidence: string | null;
  raw: string;
}

export function toEventRecord(row: DriverRow): EventRecord {
  const text = row.evidence;
  let evidence: unknown;
  return {
    ts: row.ts,
    occurredAt: new Date(row.occurred_at),
    type: row.type,
    cameraId: row.camera_id,
    trackId: row.track_id === null ? null : Number(row.track_id),
    get evidence() {
      if (evidence === undefined) evidence = text === null ? null : JSON.parse(text);
      return evidence;
    },
    raw: row.raw,
  };
}
