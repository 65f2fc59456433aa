// What both paths of the alert fields share in SQL: the text form of the columns (jsonb as its
// text, timestamps as naive UTC with microseconds, exactly as stored), the write context the
// audit trigger reads, and how a failed write transaction is classified for the rollout runner.
import { sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { isDefiniteFailure, pgErrorOf } from '../db/errors.js';
import type {
  AlertHistoryRow,
  AlertRuleRow,
  RuleWriteOutcome,
  WriteMeta,
} from '../domain/alerts.js';
import { WriteOutcomeUnknownError, WriteRolledBackError } from '../domain/write-errors.js';

export type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];

/** Python's isoformat of a naive datetime (SQL text): microseconds, dropped when they are zero. */
export const isoText = (column: string) =>
  `regexp_replace(to_char(${column}, 'YYYY-MM-DD"T"HH24:MI:SS.US'), '\\.000000$', '')`;

/** A Date as the naive UTC text the timestamp columns hold. */
export const naiveUtc = (at: Date) => at.toISOString().slice(0, 23);

/** The driver-independent rows of a raw statement (PGlite: { rows }, postgres.js: an array). */
export function rowsOf<T>(result: unknown): T[] {
  return (Array.isArray(result) ? result : (result as { rows: T[] }).rows) as T[];
}

/** The select list of a rule in text form (both paths use it, so they print alike). */
export const RULE_SELECT = sql.raw(`id, name, camera_id, rule_type, conditions::text as conditions,
  notification_channels::text as notification_channels, recipients::text as recipients, enabled,
  priority, ${isoText('created_at')} as created_at, ${isoText('updated_at')} as updated_at,
  created_by, updated_by`);

/** RULE_SELECT with every column taken from the alias `r`. */
const RULE_SELECT_R =
  sql.raw(`r.id, r.name, r.camera_id, r.rule_type, r.conditions::text as conditions,
  r.notification_channels::text as notification_channels, r.recipients::text as recipients,
  r.enabled, r.priority, ${isoText('r.created_at')} as created_at,
  ${isoText('r.updated_at')} as updated_at, r.created_by, r.updated_by`);

export const HISTORY_SELECT = sql.raw(`id, rule_id, camera_id, alert_type, message,
  details::text as details, notification_sent,
  notification_channels_used::text as notification_channels_used,
  ${isoText('"timestamp"')} as "timestamp"`);

type RawRule = Record<string, unknown>;

export function ruleFromRaw(r: RawRule): AlertRuleRow {
  return {
    id: Number(r.id),
    name: r.name as string,
    cameraId: (r.camera_id as string | null) ?? null,
    ruleType: r.rule_type as string,
    conditions: r.conditions as string,
    notificationChannels: (r.notification_channels as string | null) ?? null,
    recipients: (r.recipients as string | null) ?? null,
    enabled: (r.enabled as boolean | null) ?? null,
    priority: (r.priority as string | null) ?? null,
    createdAt: (r.created_at as string | null) ?? null,
    updatedAt: (r.updated_at as string | null) ?? null,
    createdBy: (r.created_by as string | null) ?? null,
    updatedBy: (r.updated_by as string | null) ?? null,
  };
}

export function historyFromRaw(r: RawRule): AlertHistoryRow {
  return {
    id: Number(r.id),
    ruleId: r.rule_id === null || r.rule_id === undefined ? null : Number(r.rule_id),
    cameraId: r.camera_id as string,
    alertType: r.alert_type as string,
    message: (r.message as string | null) ?? null,
    details: (r.details as string | null) ?? null,
    notificationSent: (r.notification_sent as boolean | null) ?? null,
    notificationChannelsUsed: (r.notification_channels_used as string | null) ?? null,
    timestamp: r.timestamp as string,
  };
}

/** Tells the audit trigger who writes, on which path, for which request (transaction-local). */
export async function setWriteContext(tx: Tx, path: 'domain' | 'legacy', meta: WriteMeta) {
  // name: alerts.setWriteContext
  await tx.execute(sql`select set_config('alerts.path', ${path}, true),
    set_config('alerts.actor', ${meta.actor ?? ''}, true),
    set_config('alerts.request_id', ${meta.requestId}, true),
    set_config('alerts.idempotency_key', ${meta.idempotencyKey ?? ''}, true),
    set_config('alerts.request_hash', ${meta.requestHash}, true)`);
}

export const IDEMPOTENCY_INDEX = 'alert_rule_changes_idempotency_uq';

/**
 * Runs a write transaction and classifies its failure: before COMMIT was sent, or refused by the
 * server at COMMIT, it certainly rolled back (WriteRolledBackError: the runner may fall back); a
 * connection lost during COMMIT leaves the outcome unknown. A transaction that wrote nothing
 * keeps its answer. `onKeyReused` answers a concurrent write that took the same idempotency key.
 */
export async function runWrite<T>(
  db: Db,
  body: (tx: Tx, writing: () => void) => Promise<T>,
  onKeyReused: () => Promise<T>,
): Promise<T> {
  let outcome: { value: T } | undefined;
  let wrote = false;
  try {
    return await db.transaction(async (tx) => {
      const value = await body(tx, () => {
        wrote = true;
      });
      outcome = { value };
      return value;
    });
  } catch (error) {
    if (outcome === undefined) {
      if (pgErrorOf(error)?.constraint === IDEMPOTENCY_INDEX) return onKeyReused();
      throw new WriteRolledBackError('alert rule transaction rolled back', { cause: error });
    }
    if (!wrote) return outcome.value;
    if (isDefiniteFailure(error)) {
      throw new WriteRolledBackError('COMMIT refused, transaction rolled back', { cause: error });
    }
    throw new WriteOutcomeUnknownError('connection lost during COMMIT', { cause: error });
  }
}

/**
 * The earlier change made with this idempotency key, answered again, or a conflict when the key
 * came with a different request. Both paths record keys (through the audit trigger), so both
 * honour them.
 */
export async function replayByKey(
  tx: Tx | Db,
  meta: WriteMeta,
): Promise<RuleWriteOutcome | undefined> {
  if (meta.idempotencyKey === undefined) return undefined;
  // name: alerts.changeByIdempotencyKey
  const found = await tx.execute(sql`SELECT c.id AS change_id, c.request_hash, ${RULE_SELECT_R}
    FROM alert_rule_changes c JOIN alert_rules r ON r.id = c.rule_id
    WHERE c.idempotency_key = ${meta.idempotencyKey}`);
  const row = rowsOf<Record<string, unknown>>(found)[0];
  if (!row) return undefined;
  if (row.request_hash !== meta.requestHash) {
    return {
      kind: 'conflict',
      message: `Idempotency key "${meta.idempotencyKey}" was already used for a different change`,
    };
  }
  return { kind: 'saved', rule: ruleFromRaw(row), replayed: true, changeId: Number(row.change_id) };
}

/** After a concurrent write took the same key (and committed): answer as it did. */
export async function replayAfterRace(db: Db, meta: WriteMeta): Promise<RuleWriteOutcome> {
  const answer = await replayByKey(db, meta);
  if (answer) return answer;
  throw new WriteRolledBackError('idempotency key taken by a write that is not visible');
}

/** The id of the audit row the trigger wrote for this transaction's change of `ruleId`. */
export async function lastChangeId(tx: Tx, ruleId: number): Promise<number | null> {
  // name: alerts.lastChange
  const found = await tx.execute(
    sql`SELECT max(id) AS id FROM alert_rule_changes WHERE rule_id = ${ruleId}`,
  );
  const id = rowsOf<{ id: unknown }>(found)[0]?.id;
  return id === null || id === undefined ? null : Number(id);
}
