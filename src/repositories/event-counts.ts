// Counts of the ingested events by camera and type, added since a known id (the legacy
// `hbd_events_total` metric catches up with it on every scrape).
import { sql } from 'drizzle-orm';
import type { DatabaseHandle } from '../db/client.js';

export interface EventCountRow {
  camera_id: string | null;
  type: string | null;
  /** bigint and numeric arrive as strings on postgres.js. */
  n: string | number;
  max_id: string | number;
}

export function eventCountsSince(handle: DatabaseHandle, lastId: number): Promise<EventCountRow[]> {
  // name: metrics.hbdEventsSince
  return handle.rows<EventCountRow>(sql`
    select camera_id, type, count(*) as n, max(id) as max_id
    from events where id > ${lastId} group by camera_id, type`);
}
