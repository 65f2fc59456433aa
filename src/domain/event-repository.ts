// Domain path of `recentEvents`: one indexed query on `events` (occurred_at desc, id desc), so
// PostgreSQL reads exactly `limit` index entries whatever the table size.
import { and, desc, eq, gte, isNull, or, type SQL } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { events } from '../db/schema.js';
import type { EventRecord, EventSource, RecentEventsQuery } from './types.js';

export class EventRepository implements EventSource {
  constructor(private readonly db: Db) {}

  async recentEvents(query: RecentEventsQuery): Promise<EventRecord[]> {
    const conditions: SQL[] = [gte(events.occurredAt, query.since)];
    if (query.type) conditions.push(eq(events.type, query.type));
    if (query.cameraId === '') {
      // The old service matched records without a camera for an empty camera_id.
      conditions.push(or(isNull(events.cameraId), eq(events.cameraId, ''))!);
    } else if (query.cameraId !== undefined) {
      conditions.push(eq(events.cameraId, query.cameraId));
    }
    // name: events.recent
    return this.db
      .select({
        ts: events.ts,
        occurredAt: events.occurredAt,
        type: events.type,
        cameraId: events.cameraId,
        trackId: events.trackId,
        evidence: events.evidence,
        raw: events.raw,
      })
      .from(events)
      .where(and(...conditions))
      .orderBy(desc(events.occurredAt), desc(events.id))
      .limit(query.limit);
  }
}
