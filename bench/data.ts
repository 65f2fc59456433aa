// Benchmark data sets, generated in seconds: a legacy JSONL log written by a fast writer, the
// same events streamed into PostgreSQL with COPY (indexes dropped during the load and rebuilt),
// and the statistics tables filled with generate_series. Also the benchmark database's life cycle.
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import type { Writable } from 'node:stream';
import postgres from 'postgres';
import { openDatabase } from '../src/db/client.js';
import { runMigrations } from '../src/db/migrate.js';
import { CAMERAS, REGIONS, seedReference } from '../src/demo/seed.js';
import { seededRng } from '../src/demo/simulator.js';

export const EVENT_TYPES = [
  'NO_HAIRNET_AT_SINK',
  'INSUFFICIENT_DWELL_TIME',
  'SKIP_DRYING',
  'HANDWASHING_ACTIVE',
] as const;

/**
 * The SQL drizzle sends for the shim's default query (EventRepository.recentEvents of the logged
 * lines only, as the shim's selection `{ logLine }` asks).
 */
export const RECENT_SQL =
  'select "raw" from "events" where "events"."occurred_at" >= $1 order by "events"."occurred_at" desc, "events"."id" desc limit $2';

/** The SQL drizzle sends for recentEvents' typed fields (what /graphql's scenarios select). */
export const TYPED_SQL =
  'select "ts", "occurred_at", "type", "camera_id", "track_id", "evidence"::text from "events" where "events"."occurred_at" >= $1 order by "events"."occurred_at" desc, "events"."id" desc limit $2';

/** A postgres:// URL with another database name. */
export function withDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

/** Drops and recreates `name`, applies the migrations and the reference data (cameras, regions). */
export async function recreateDatabase(adminUrl: string, name: string): Promise<string> {
  await dropDatabase(adminUrl, name);
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(`create database ${name}`);
  } finally {
    await admin.end();
  }
  const url = withDatabase(adminUrl, name);
  const handle = await openDatabase({ url, poolMax: 2 });
  try {
    await runMigrations(handle);
    await seedReference(handle);
  } finally {
    await handle.close();
  }
  return url;
}

export async function dropDatabase(adminUrl: string, name: string): Promise<void> {
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(`drop database if exists ${name} with (force)`);
  } finally {
    await admin.end();
  }
}

/** A float that prints the same in JS and Python (never integral: Python would print `.0`). */
function decimals(x: number, digits: number): number {
  const f = 10 ** digits;
  const v = Math.round(x * f) / f;
  return Number.isInteger(v) ? v + 1 / f : v;
}

export interface EventsLoad {
  lines: number;
  bytes: number;
  firstTs: number;
  lastTs: number;
}

async function write(stream: Writable, chunk: string): Promise<void> {
  if (!stream.write(chunk)) await once(stream, 'drain');
}

/**
 * Writes `lines` events spread evenly over the 24 h before `end` (oldest first, as a detection
 * pipeline appends them) to `logPath`, and the same events to `events` through COPY (and the
 * newest `copy.lines` to `copy.file` in COPY text format, for PGlite). Lines look like the
 * pipeline's (docs/legacy-contract.md, the event log).
 */
export async function loadEvents(
  url: string,
  logPath: string,
  lines: number,
  end: Date,
  copy?: { file: string; lines: number },
): Promise<EventsLoad> {
  const sql = postgres(url, { max: 2, onnotice: () => {} });
  try {
    // Bulk load without the secondary indexes, then rebuild them exactly as migrated.
    const indexes = await sql<{ name: string; def: string }[]>`
      select indexname as name, indexdef as def from pg_indexes
      where tablename = 'events' and indexname <> 'events_pkey'`;
    for (const i of indexes) await sql.unsafe(`drop index ${i.name}`);
    const pg =
      await sql`copy events (occurred_at, ts, type, camera_id, track_id, evidence, raw, source_key) from stdin`.writable();
    const log = createWriteStream(logPath);
    const copyOut = copy ? createWriteStream(copy.file) : undefined;
    const copyFrom = copy ? lines - copy.lines : lines;
    const rand = seededRng(42);
    const start = end.getTime() / 1000 - 86_400;
    const step = 86_400 / lines;
    let bytes = 0;
    let firstTs = 0;
    let lastTs = 0;
    for (let i = 0; i < lines; ) {
      let text = '';
      let rows = '';
      let tail = '';
      for (const stop = Math.min(lines, i + 5000); i < stop; i++) {
        const ts = decimals(start + (i + rand() * 0.9) * step, 6);
        if (i === 0) firstTs = ts;
        lastTs = ts;
        const camera = CAMERAS[i % CAMERAS.length]!;
        const type = EVENT_TYPES[Math.floor(rand() * EVENT_TYPES.length)]!;
        const region = REGIONS[Math.floor(rand() * REGIONS.length)]!.name;
        const x = Math.floor(rand() * 1700);
        const y = Math.floor(rand() * 900);
        const bbox = `[${x},${y},${x + 120 + (i % 80)},${y + 200 + (i % 150)}]`;
        const evidence = `{"region":"${region}","confidence":${decimals(0.5 + rand() * 0.49, 3)},"bbox":${bbox}}`;
        const track = 1 + (i % 5000);
        const line = `{"ts":${ts},"type":"${type}","camera_id":"${camera.id}","track_id":${track},"evidence":${evidence}}`;
        text += `${line}\n`;
        const at = new Date(ts * 1000).toISOString();
        const row = `${at}\t${ts}\t${type}\t${camera.id}\t${track}\t${evidence}\t${line}\tbench:${i}\n`;
        rows += row;
        if (i >= copyFrom) tail += row;
      }
      bytes += Buffer.byteLength(text);
      await Promise.all([write(log, text), write(pg, rows), copyOut && write(copyOut, tail)]);
    }
    const closed = [log, pg, ...(copyOut ? [copyOut] : [])].map((s) => once(s, 'finish'));
    log.end();
    pg.end();
    copyOut?.end();
    await Promise.all(closed);
    // Two at a time: this machine has two cores.
    for (let k = 0; k < indexes.length; k += 2) {
      await Promise.all(indexes.slice(k, k + 2).map((i) => sql.unsafe(i.def)));
    }
    await sql`vacuum analyze events`;
    return { lines, bytes, firstTs, lastTs };
  } finally {
    await sql.end();
  }
}

/**
 * `detections` detection records and `violations` violation events, all of them "today" (from
 * local midnight in `timeZone` to `now`): the worst case for the day's aggregates, whose window
 * then covers the whole table. A fifth of the violations are pending. The migrations' triggers
 * fill the per-minute rollup (detection_stats_minute) as the rows go in.
 */
export async function loadStatistics(
  url: string,
  detections: number,
  violations: number,
  now: Date,
  timeZone: string,
): Promise<void> {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    const iso = now.toISOString();
    const [{ day_start: dayStart }] = (await sql`
      select (date_trunc('day', ${iso}::timestamptz at time zone ${timeZone}) at time zone ${timeZone})::text as day_start`) as unknown as [
      { day_start: string },
    ];
    const span = sql`(${iso}::timestamptz - ${dayStart}::timestamptz)`;
    await sql`
      insert into detection_records (camera_id, recorded_at, person_count, hairnet_violations,
        handwash_events, sanitize_events, processing_time, fps, avg_confidence)
      select 'cam' || (g % 8), ${dayStart}::timestamptz + ${span} * (g::float8 / ${detections}),
        g % 5, (g % 3 = 0)::int, (g % 4 = 0)::int, (g % 7 = 0)::int,
        0.02 + (g % 50) / 1000.0, 15 + (g % 10), 0.8 + (g % 20) / 100.0
      from generate_series(0, ${detections - 1}) g`;
    await sql`
      insert into violation_events (camera_id, occurred_at, violation_type, track_id, confidence,
        bbox, status)
      select 'cam' || (g % 8), ${dayStart}::timestamptz + ${span} * (g::float8 / ${violations}),
        (array['no_hairnet', 'no_handwash', 'no_sanitize'])[1 + g % 3], g % 5000,
        0.5 + (g % 50) / 100.0, jsonb_build_array(g % 1000, 10, 200, 400),
        (array['pending', 'resolved', 'resolved', 'confirmed', 'false_positive'])[1 + g % 5]
      from generate_series(0, ${violations - 1}) g`;
    await sql`vacuum analyze detection_records`;
    await sql`vacuum analyze violation_events`;
    await sql`vacuum analyze detection_stats_minute`;
  } finally {
    await sql.end();
  }
}
