// The domain model (DESIGN.md "Domain model"): tables only. Every timestamp is timestamptz in
// `Date` mode (STACK_NOTES trap 10); descending indexes are NULLS FIRST so they match a plain
// `ORDER BY … DESC` (trap 11).
import { sql } from 'drizzle-orm';
import {
  bigint,
  bigserial,
  boolean,
  check,
  doublePrecision,
  index,
  integer,
  jsonb,
  pgTable,
  real,
  text,
  timestamp,
  uniqueIndex,
} from 'drizzle-orm/pg-core';

const tstz = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });

export const regions = pgTable('regions', {
  id: text('id').primaryKey(),
  name: text('name').notNull().unique(),
});

export const cameras = pgTable('cameras', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  regionId: text('region_id').references(() => regions.id),
  isActive: boolean('is_active').notNull().default(true),
  createdAt: tstz('created_at').notNull().defaultNow(),
});

/** Events of the legacy JSONL log, ingested once each (source_key is unique). */
export const events = pgTable(
  'events',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    occurredAt: tstz('occurred_at').notNull(),
    /** Epoch seconds exactly as logged (`ts`), kept beside occurred_at for lossless echo. */
    ts: doublePrecision('ts').notNull(),
    type: text('type'),
    cameraId: text('camera_id'),
    trackId: bigint('track_id', { mode: 'number' }),
    evidence: jsonb('evidence'),
    /** The record as logged (its own keys, in its own order), for byte-compatible REST output. */
    raw: text('raw').notNull(),
    sourceKey: text('source_key').notNull(),
    ingestedAt: tstz('ingested_at').notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('events_source_key_uq').on(t.sourceKey),
    index('events_occurred_at_idx').on(t.occurredAt.desc().nullsFirst(), t.id.desc().nullsFirst()),
    index('events_camera_occurred_at_idx').on(
      t.cameraId,
      t.occurredAt.desc().nullsFirst(),
      t.id.desc().nullsFirst(),
    ),
    index('events_type_occurred_at_idx').on(
      t.type,
      t.occurredAt.desc().nullsFirst(),
      t.id.desc().nullsFirst(),
    ),
  ],
);

/** Where the log ingester has got to in each log file; written in the same transaction as the rows. */
export const ingestCheckpoints = pgTable('ingest_checkpoints', {
  logPath: text('log_path').primaryKey(),
  fileId: text('file_id').notNull(),
  position: bigint('position', { mode: 'number' }).notNull(),
  linesIngested: bigint('lines_ingested', { mode: 'number' }).notNull().default(0),
  linesSkipped: bigint('lines_skipped', { mode: 'number' }).notNull().default(0),
  updatedAt: tstz('updated_at').notNull().defaultNow(),
});

export const detectionRecords = pgTable(
  'detection_records',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    cameraId: text('camera_id').notNull(),
    recordedAt: tstz('recorded_at').notNull(),
    personCount: integer('person_count').notNull().default(0),
    hairnetViolations: integer('hairnet_violations').notNull().default(0),
    handwashEvents: integer('handwash_events').notNull().default(0),
    sanitizeEvents: integer('sanitize_events').notNull().default(0),
    processingTime: doublePrecision('processing_time').notNull().default(0),
    fps: real('fps').notNull().default(0),
    avgConfidence: real('avg_confidence').notNull().default(0),
  },
  (t) => [index('detection_records_recorded_at_idx').on(t.recordedAt.desc().nullsFirst())],
);

export const VIOLATION_TYPES = ['no_hairnet', 'no_handwash', 'no_sanitize'] as const;
export const VIOLATION_STATUSES = ['pending', 'confirmed', 'false_positive', 'resolved'] as const;
export type ViolationStatusValue = (typeof VIOLATION_STATUSES)[number];

export const violationEvents = pgTable(
  'violation_events',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    cameraId: text('camera_id').notNull(),
    occurredAt: tstz('occurred_at').notNull(),
    violationType: text('violation_type', { enum: VIOLATION_TYPES }).notNull(),
    trackId: bigint('track_id', { mode: 'number' }),
    confidence: real('confidence'),
    bbox: jsonb('bbox').$type<number[]>(),
    status: text('status', { enum: VIOLATION_STATUSES }).notNull().default('pending'),
    notes: text('notes'),
    handledBy: text('handled_by'),
    handledAt: tstz('handled_at'),
    createdAt: tstz('created_at').notNull().defaultNow(),
    updatedAt: tstz('updated_at').notNull().defaultNow(),
  },
  (t) => [
    index('violation_events_occurred_at_idx').on(t.occurredAt.desc().nullsFirst()),
    index('violation_events_status_occurred_at_idx').on(
      t.status,
      t.occurredAt.desc().nullsFirst(),
      t.id.desc().nullsFirst(),
    ),
    index('violation_events_camera_occurred_at_idx').on(
      t.cameraId,
      t.occurredAt.desc().nullsFirst(),
    ),
    check(
      'violation_events_status_ck',
      sql`${t.status} in ('pending', 'confirmed', 'false_positive', 'resolved')`,
    ),
  ],
);

export const violationStatusHistory = pgTable(
  'violation_status_history',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    violationId: bigint('violation_id', { mode: 'number' })
      .notNull()
      .references(() => violationEvents.id, { onDelete: 'cascade' }),
    fromStatus: text('from_status', { enum: VIOLATION_STATUSES }).notNull(),
    toStatus: text('to_status', { enum: VIOLATION_STATUSES }).notNull(),
    notes: text('notes'),
    changedBy: text('changed_by'),
    changedAt: tstz('changed_at').notNull().defaultNow(),
    path: text('path').notNull(),
    requestId: text('request_id'),
    idempotencyKey: text('idempotency_key'),
  },
  (t) => [
    index('violation_status_history_violation_idx').on(t.violationId, t.id),
    uniqueIndex('violation_status_history_idempotency_uq').on(t.idempotencyKey),
  ],
);
