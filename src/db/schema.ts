// The domain model (docs/architecture.md, "Data"): tables only. Every timestamp is timestamptz
// in `Date` mode (timezone-less columns and string mode drift); descending indexes are NULLS
// FIRST so they match a plain `ORDER BY … DESC` (drizzle's default, NULLS LAST, does not, and
// PostgreSQL would sort the whole window instead of reading the index).
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
  numeric,
  pgTable,
  primaryKey,
  real,
  serial,
  text,
  timestamp,
  uniqueIndex,
  varchar,
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

/**
 * Per-minute totals of `detection_records` (by recorded_at) and `violation_events` (by
 * occurred_at, any status) for the statistics: one row per UTC minute `bucket` that has rows.
 * Written only by the triggers of drizzle/0003_detection_stats_minute_triggers.sql, which keep it
 * exactly equal to aggregating the source rows (INSERT, UPDATE, DELETE, TRUNCATE); the sums are
 * `numeric`, so adding and removing rows never leaves rounding behind.
 */
export const detectionStatsMinute = pgTable('detection_stats_minute', {
  /** Start of the minute: date_bin('1 minute', t, 'epoch'), independent of any time zone. */
  bucket: tstz('bucket').primaryKey(),
  detections: bigint('detections', { mode: 'number' }).notNull().default(0),
  handwash: bigint('handwash', { mode: 'number' }).notNull().default(0),
  sanitize: bigint('sanitize', { mode: 'number' }).notNull().default(0),
  hairnet: bigint('hairnet', { mode: 'number' }).notNull().default(0),
  /** Exact sum of processing_time::numeric. */
  processingSum: numeric('processing_sum').notNull().default('0'),
  /** Exact sum of avg_confidence::float8::numeric. */
  confidenceSum: numeric('confidence_sum').notNull().default('0'),
  violations: bigint('violations', { mode: 'number' }).notNull().default(0),
});

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

// Rollout control plane (docs/operations.md): one row per flag is the source of truth
// once seeded from the environment; every applied change appends a row to rollout_changes in the
// same transaction, so the log holds exactly the changes that took effect.
export const ROLLOUT_MODES = ['active', 'paused', 'killed'] as const;
export const ROLLOUT_ACTIONS = [
  'seed',
  'set',
  'promote',
  'pause',
  'resume',
  'kill',
  'shadow',
  'guard',
  'unguard',
  'rollback',
] as const;

export const rolloutFlags = pgTable(
  'rollout_flags',
  {
    flag: text('flag').primaryKey(),
    /** Share of callers on the domain path, 0–100 (hundredths honoured, as the engine's buckets). */
    percent: doublePrecision('percent').notNull(),
    mode: text('mode', { enum: ROLLOUT_MODES }).notNull().default('active'),
    /** The step schedule `promote` walks, ascending percentages. */
    steps: jsonb('steps').$type<number[]>().notNull(),
    /** Bumped by every change; writers pass the version they read (optimistic concurrency). */
    version: integer('version').notNull().default(1),
    /** Share of reads (0–100) whose other path also runs, after the answer, for comparison. */
    shadowPercent: doublePrecision('shadow_percent').notNull().default(0),
    updatedAt: tstz('updated_at').notNull().defaultNow(),
    updatedBy: text('updated_by').notNull(),
  },
  (t) => [
    check('rollout_flags_percent_ck', sql`${t.percent} >= 0 and ${t.percent} <= 100`),
    check('rollout_flags_mode_ck', sql`${t.mode} in ('active', 'paused', 'killed')`),
    check('rollout_flags_steps_ck', sql`jsonb_typeof(${t.steps}) = 'array'`),
    check(
      'rollout_flags_shadow_percent_ck',
      sql`${t.shadowPercent} >= 0 and ${t.shadowPercent} <= 100`,
    ),
  ],
);

export const rolloutChanges = pgTable(
  'rollout_changes',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    flag: text('flag')
      .notNull()
      .references(() => rolloutFlags.flag),
    at: tstz('at').notNull().defaultNow(),
    by: text('by').notNull(),
    action: text('action', { enum: ROLLOUT_ACTIONS }).notNull(),
    /** Null for the seed row: there was no state before it. */
    fromPercent: doublePrecision('from_percent'),
    fromMode: text('from_mode', { enum: ROLLOUT_MODES }),
    toPercent: doublePrecision('to_percent').notNull(),
    toMode: text('to_mode', { enum: ROLLOUT_MODES }).notNull(),
    /** The flag's version after this change. */
    version: integer('version').notNull(),
    reason: text('reason').notNull(),
    requestId: text('request_id'),
    /** What else changed or why: shadow share, guard settings, the guard's evidence. */
    detail: jsonb('detail'),
  },
  (t) => [
    index('rollout_changes_flag_id_idx').on(t.flag, t.id.desc().nullsFirst()),
    uniqueIndex('rollout_changes_flag_version_uq').on(t.flag, t.version),
  ],
);

// Alerts (docs/alerts.md): the old service's alert_rules and alert_history, column for column
// (timestamps without time zone as there, holding UTC), plus what the evaluator and the audit
// need. Every listing orders by a timestamp and then id, so equal timestamps keep one order.
export const ALERT_RULE_TYPES = ['event_count', 'violation_count'] as const;
export const ALERT_PRIORITIES = ['low', 'medium', 'high', 'critical'] as const;
const naiveUtc = (name: string) => timestamp(name, { mode: 'string' });
const utcNow = sql`(now() at time zone 'utc')`;

export const alertRules = pgTable(
  'alert_rules',
  {
    id: serial('id').primaryKey(),
    name: varchar('name', { length: 100 }).notNull(),
    /** Null: the rule watches every camera. */
    cameraId: varchar('camera_id', { length: 50 }),
    ruleType: varchar('rule_type', { length: 50 }).notNull(),
    conditions: jsonb('conditions').notNull(),
    notificationChannels: jsonb('notification_channels'),
    recipients: jsonb('recipients'),
    enabled: boolean('enabled').default(true),
    priority: varchar('priority', { length: 20 }).default('medium'),
    createdAt: naiveUtc('created_at').default(utcNow),
    updatedAt: naiveUtc('updated_at').default(utcNow),
    createdBy: varchar('created_by', { length: 100 }),
    updatedBy: varchar('updated_by', { length: 100 }),
  },
  (t) => [
    index('alert_rules_camera_enabled_idx').on(t.cameraId).where(sql`${t.enabled}`),
    index('alert_rules_type_enabled_idx').on(t.ruleType).where(sql`${t.enabled}`),
    index('alert_rules_enabled_idx').on(t.enabled),
    index('alert_rules_updated_at_idx').on(
      t.updatedAt.desc().nullsFirst(),
      t.id.desc().nullsFirst(),
    ),
    check('alert_rules_type_ck', sql`${t.ruleType} in ('event_count', 'violation_count')`),
    check('alert_rules_priority_ck', sql`${t.priority} in ('low', 'medium', 'high', 'critical')`),
  ],
);

export const alertHistory = pgTable(
  'alert_history',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    ruleId: integer('rule_id').references(() => alertRules.id, { onDelete: 'cascade' }),
    cameraId: varchar('camera_id', { length: 50 }).notNull(),
    timestamp: naiveUtc('timestamp').notNull().default(utcNow),
    alertType: varchar('alert_type', { length: 50 }).notNull(),
    message: text('message'),
    details: jsonb('details'),
    notificationSent: boolean('notification_sent').default(false),
    notificationChannelsUsed: jsonb('notification_channels_used'),
    createdAt: naiveUtc('created_at').default(utcNow),
  },
  (t) => [
    index('alert_history_timestamp_idx').on(
      t.timestamp.desc().nullsFirst(),
      t.id.desc().nullsFirst(),
    ),
    index('alert_history_camera_timestamp_idx').on(
      t.cameraId,
      t.timestamp.desc().nullsFirst(),
      t.id.desc().nullsFirst(),
    ),
    index('alert_history_rule_timestamp_idx').on(
      t.ruleId,
      t.timestamp.desc().nullsFirst(),
      t.id.desc().nullsFirst(),
    ),
  ],
);

/**
 * The audit of alert rules: one row per INSERT or UPDATE of alert_rules, written by a trigger
 * (drizzle/*_alert_rules_audit.sql) whichever path or tool changed the row. Who and when come
 * from the row (updated_by, updated_at); the writing transaction may add its path, request id,
 * idempotency key and request fingerprint with set_config('alerts.*', …, true).
 */
export const alertRuleChanges = pgTable(
  'alert_rule_changes',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    ruleId: integer('rule_id')
      .notNull()
      .references(() => alertRules.id, { onDelete: 'cascade' }),
    action: text('action', { enum: ['create', 'update'] }).notNull(),
    changedBy: varchar('changed_by', { length: 100 }),
    changedAt: tstz('changed_at').notNull(),
    /** domain, legacy, or sql (a change made outside the gateway). */
    path: text('path').notNull(),
    requestId: text('request_id'),
    idempotencyKey: text('idempotency_key'),
    requestHash: text('request_hash'),
    before: jsonb('before'),
    after: jsonb('after').notNull(),
  },
  (t) => [
    index('alert_rule_changes_rule_idx').on(t.ruleId, t.id),
    uniqueIndex('alert_rule_changes_idempotency_uq').on(t.idempotencyKey),
  ],
);

/**
 * The evaluator's position per rule: events (or violations) with an id up to last_source_id
 * were counted by an earlier alert; no alert before quiet_until. The row is the lock that lets
 * one replica at a time evaluate a rule.
 */
export const alertRuleState = pgTable('alert_rule_state', {
  ruleId: integer('rule_id')
    .primaryKey()
    .references(() => alertRules.id, { onDelete: 'cascade' }),
  /** The table last_source_id refers to: events or violation_events. */
  source: text('source').notNull(),
  lastSourceId: bigint('last_source_id', { mode: 'number' }).notNull().default(0),
  lastFiredAt: tstz('last_fired_at'),
  quietUntil: tstz('quiet_until'),
  alerts: integer('alerts').notNull().default(0),
});

/** One row per notification attempt series (a channel of one alert) and its outcome. */
export const alertDeliveries = pgTable(
  'alert_deliveries',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    historyId: bigint('history_id', { mode: 'number' })
      .notNull()
      .references(() => alertHistory.id, { onDelete: 'cascade' }),
    channel: text('channel').notNull(),
    target: text('target'),
    /** delivered, failed (attempts exhausted) or refused (host not allowed). */
    outcome: text('outcome').notNull(),
    attempts: integer('attempts').notNull(),
    statusCode: integer('status_code'),
    error: text('error'),
    startedAt: tstz('started_at').notNull(),
    finishedAt: tstz('finished_at').notNull(),
  },
  (t) => [index('alert_deliveries_history_idx').on(t.historyId, t.id)],
);

// Guarded rollouts (README "Guarded rollouts"): a guard per flag, the evidence every replica
// publishes for the flag's current version, the last mismatches of the shadow comparison, and
// the lease that makes exactly one replica the guard's controller.
export const GUARD_BREACH_ACTIONS = ['previous', 'kill'] as const;

export const rolloutGuards = pgTable('rollout_guards', {
  flag: text('flag')
    .primaryKey()
    .references(() => rolloutFlags.flag),
  steps: jsonb('steps').$type<number[]>().notNull(),
  /** Least time a step is held, in ms, before the guard promotes. */
  holdMs: integer('hold_ms').notNull(),
  /** Domain executions (served or shadowed) a step needs before it is judged. */
  minRequests: integer('min_requests').notNull(),
  /** Shadow comparisons a read's step needs before it is judged. */
  minComparisons: integer('min_comparisons').notNull(),
  /** Gates: null = off. Rates are fractions (0.01 = 1%). */
  maxErrorRate: doublePrecision('max_error_rate'),
  maxFallbackRate: doublePrecision('max_fallback_rate'),
  maxMismatchRate: doublePrecision('max_mismatch_rate'),
  maxP99Ratio: doublePrecision('max_p99_ratio'),
  /** The sample-ratio test fails below this p-value; null = off. */
  srmPValue: doublePrecision('srm_p_value'),
  onBreach: text('on_breach', { enum: GUARD_BREACH_ACTIONS }).notNull(),
  updatedAt: tstz('updated_at').notNull().defaultNow(),
  updatedBy: text('updated_by').notNull(),
  reason: text('reason').notNull(),
});

/** One replica's cumulative counters for one version of a flag (the version is the step). */
export const rolloutEvidence = pgTable(
  'rollout_evidence',
  {
    flag: text('flag').notNull(),
    version: integer('version').notNull(),
    replica: text('replica').notNull(),
    /** Domain executions, served or shadowed, and how many failed (error or time budget). */
    domainRuns: bigint('domain_runs', { mode: 'number' }).notNull().default(0),
    domainErrors: bigint('domain_errors', { mode: 'number' }).notNull().default(0),
    /** Requests the domain path was chosen to serve, and how many fell back to legacy. */
    domainServed: bigint('domain_served', { mode: 'number' }).notNull().default(0),
    fallbacks: bigint('fallbacks', { mode: 'number' }).notNull().default(0),
    comparisons: bigint('comparisons', { mode: 'number' }).notNull().default(0),
    mismatches: bigint('mismatches', { mode: 'number' }).notNull().default(0),
    noise: bigint('noise', { mode: 'number' }).notNull().default(0),
    /** Sticky-bucket decisions (distinct callers) by side: the sample-ratio test's counts. */
    bucketDomain: bigint('bucket_domain', { mode: 'number' }).notNull().default(0),
    bucketLegacy: bigint('bucket_legacy', { mode: 'number' }).notNull().default(0),
    /** Latency histograms (counts per bucket of GUARD_LATENCY_BUCKETS, then +Inf). */
    domainLatency: jsonb('domain_latency').$type<number[]>().notNull(),
    legacyLatency: jsonb('legacy_latency').$type<number[]>().notNull(),
    updatedAt: tstz('updated_at').notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.flag, t.version, t.replica] })],
);

export const rolloutMismatches = pgTable(
  'rollout_mismatches',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    flag: text('flag').notNull(),
    at: tstz('at').notNull().defaultNow(),
    /** The field's arguments (never headers or tokens). */
    args: jsonb('args').notNull(),
    /** SHA-256 of the sticky key, truncated: tells callers apart without naming them. */
    keyHash: text('key_hash'),
    primaryPath: text('primary_path').notNull(),
    primaryMs: doublePrecision('primary_ms').notNull(),
    shadowMs: doublePrecision('shadow_ms').notNull(),
    /** [{ path, primary, shadow }] on the field paths that were not noise. */
    diff: jsonb('diff').notNull(),
    version: integer('version').notNull(),
  },
  (t) => [index('rollout_mismatches_flag_id_idx').on(t.flag, t.id.desc().nullsFirst())],
);

/** The controller lease: the replica in `holder` evaluates guards until `expiresAt`. */
export const rolloutController = pgTable('rollout_controller', {
  name: text('name').primaryKey(),
  holder: text('holder').notNull(),
  acquiredAt: tstz('acquired_at').notNull().defaultNow(),
  expiresAt: tstz('expires_at').notNull(),
});
