// The ingester's writes: a batch of event rows and the checkpoint that covers them, in one
// transaction, so a crash or a stop can never leave rows without their checkpoint or a
// checkpoint ahead of its rows. Also detects a second ingester working on the same log.
import { eq, sql } from 'drizzle-orm';
import type { DatabaseHandle, Db } from '../db/client.js';
import { ingestCheckpoints } from '../db/schema.js';
import { EVENTS_CHANNEL } from '../repositories/event-feed.js';
import type { EventRow } from './event-row.js';

/** Where a log has been read to: a file (`dev:ino:head`) and a byte position in it. */
export type Cursor = { fileId: string; position: number } | null;

export function sameCursor(a: Cursor, b: Cursor): boolean {
  return a?.fileId === b?.fileId && a?.position === b?.position;
}

/** Rolls a batch back: the checkpoint is not where this ingester last saw it. */
export class CheckpointMoved extends Error {}

export async function loadCursor(handle: DatabaseHandle, logPath: string): Promise<Cursor> {
  const [row] = await handle.db
    .select({ fileId: ingestCheckpoints.fileId, position: ingestCheckpoints.position })
    .from(ingestCheckpoints)
    .where(eq(ingestCheckpoints.logPath, logPath));
  return row ?? null;
}

/** Stores `rows`, moves the checkpoint from `expected` to `next`; returns rows inserted. */
export async function commitBatch(
  handle: DatabaseHandle,
  logPath: string,
  expected: Cursor,
  next: NonNullable<Cursor>,
  rows: EventRow[],
  skipped: number,
): Promise<number> {
  return handle.db.transaction(async (tx) => {
    // Locks the checkpoint row: a second ingester on the same log waits here, then notices.
    const [row] = await tx
      .select({ fileId: ingestCheckpoints.fileId, position: ingestCheckpoints.position })
      .from(ingestCheckpoints)
      .where(eq(ingestCheckpoints.logPath, logPath))
      .for('update');
    if (!sameCursor(row ?? null, expected)) throw new CheckpointMoved();
    const inserted = rows.length ? await insertEvents(tx, rows) : 0;
    if (row) {
      await tx
        .update(ingestCheckpoints)
        .set({
          ...next,
          linesIngested: sql`${ingestCheckpoints.linesIngested} + ${inserted}`,
          linesSkipped: sql`${ingestCheckpoints.linesSkipped} + ${skipped}`,
          updatedAt: sql`now()`,
        })
        .where(eq(ingestCheckpoints.logPath, logPath));
    } else {
      const created = await tx
        .insert(ingestCheckpoints)
        .values({ logPath, ...next, linesIngested: inserted, linesSkipped: skipped })
        .onConflictDoNothing()
        .returning({ logPath: ingestCheckpoints.logPath });
      // Another ingester created it first; our rows roll back with this transaction.
      if (!created.length) throw new CheckpointMoved();
    }
    return inserted;
  });
}

type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];

/**
 * One statement per batch with the whole batch as a single jsonb parameter: about 2.4× the rate
 * of drizzle's multi-row VALUES on PostgreSQL (8 bound parameters per row are costly to build
 * and to parse), and no 65535-parameter ceiling on the batch size. When it inserted rows, the
 * same statement announces their id range on EVENTS_CHANNEL; PostgreSQL delivers the
 * notification when (and only if) the transaction commits.
 */
async function insertEvents(tx: Tx, rows: EventRow[]): Promise<number> {
  const result = await tx.execute(sql`
    with ins as (
      insert into events (occurred_at, ts, type, camera_id, track_id, evidence, raw, source_key)
      select occurred_at, ts, type, camera_id, track_id, evidence, raw, source_key
      from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) as x(occurred_at timestamptz,
        ts float8, type text, camera_id text, track_id int8, evidence jsonb, raw text, source_key text)
      on conflict (source_key) do nothing
      returning id
    ),
    agg as (select count(*)::int as n, min(id) as lo, max(id) as hi from ins)
    select n, (select count(*) from (
      select pg_notify(${EVENTS_CHANNEL}, lo::text || ':' || hi::text) where n > 0) s
    )::int as notified
    from agg`);
  // PGlite answers { rows }, postgres.js an array.
  const out = ((result as { rows?: unknown }).rows ?? result) as { n: number }[];
  return Number(out[0]?.n ?? 0);
}
