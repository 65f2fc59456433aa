// Domain path of the alert fields: history and rules through drizzle, and rule writes as one
// transaction each: lock, validate against the stored rule, write, with the audit row added by
// the table's trigger (it records who, when, the request id and the idempotency key). A repeated
// idempotency key answers from the audit trail instead of writing again.
import { and, desc, eq, type SQL, sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { alertHistory, alertRules } from '../db/schema.js';
import { checkRule, valuesOfRow } from '../domain/alert-rules.js';
import type {
  AlertHistoryQuery,
  AlertHistoryRow,
  AlertHistorySource,
  AlertRuleQuery,
  AlertRuleRow,
  AlertRuleSource,
  AlertRuleWriter,
  CreateRule,
  RuleValues,
  RuleWriteOutcome,
  UpdateRule,
} from '../domain/alerts.js';
import {
  lastChangeId,
  naiveUtc,
  replayAfterRace,
  replayByKey,
  runWrite,
  setWriteContext,
  type Tx,
} from './alert-sql.js';

const text = (column: SQL | unknown) => sql<string | null>`${column}::text`;

function isoSql(column: unknown) {
  return sql<string>`regexp_replace(to_char(${column}, 'YYYY-MM-DD"T"HH24:MI:SS.US'), '\\.000000$', '')`;
}

const h = alertHistory;
const r = alertRules;

const historyColumns = {
  id: h.id,
  ruleId: h.ruleId,
  cameraId: h.cameraId,
  alertType: h.alertType,
  message: h.message,
  details: text(h.details),
  notificationSent: h.notificationSent,
  notificationChannelsUsed: text(h.notificationChannelsUsed),
  timestamp: isoSql(h.timestamp),
};

export const ruleColumns = {
  id: r.id,
  name: r.name,
  cameraId: r.cameraId,
  ruleType: r.ruleType,
  conditions: sql<string>`${r.conditions}::text`,
  notificationChannels: text(r.notificationChannels),
  recipients: text(r.recipients),
  enabled: r.enabled,
  priority: r.priority,
  createdAt: sql<string | null>`${isoSql(r.createdAt)}`,
  updatedAt: sql<string | null>`${isoSql(r.updatedAt)}`,
  createdBy: r.createdBy,
  updatedBy: r.updatedBy,
};

/** The columns of a write, as stored (JSON columns as jsonb). */
export function columnsOf(v: Partial<RuleValues>) {
  return {
    name: v.name,
    cameraId: v.camera_id,
    ruleType: v.rule_type,
    conditions: v.conditions,
    notificationChannels: v.notification_channels,
    recipients: v.recipients,
    enabled: v.enabled,
    priority: v.priority,
  };
}

export class AlertRepository implements AlertHistorySource, AlertRuleSource, AlertRuleWriter {
  constructor(
    private readonly db: Db,
    /** Test seam: runs inside a write transaction after its statement. */
    private readonly beforeCommit?: (tx: Tx) => Promise<void>,
  ) {}

  async history(q: AlertHistoryQuery): Promise<AlertHistoryRow[]> {
    const where: SQL[] = [];
    if (q.cameraId !== undefined) where.push(eq(h.cameraId, q.cameraId));
    if (q.alertType !== undefined) where.push(eq(h.alertType, q.alertType));
    // name: alerts.history
    return this.db
      .select(historyColumns)
      .from(h)
      .where(and(...where))
      .orderBy(desc(h.timestamp), desc(h.id))
      .limit(q.limit);
  }

  async rules(q: AlertRuleQuery): Promise<AlertRuleRow[]> {
    const where: SQL[] = [];
    if (q.cameraId !== undefined) where.push(eq(r.cameraId, q.cameraId));
    if (q.enabled !== undefined) where.push(eq(r.enabled, q.enabled));
    // name: alerts.rules
    return this.db
      .select(ruleColumns)
      .from(r)
      .where(and(...where))
      .orderBy(desc(r.updatedAt), desc(r.id));
  }

  create(c: CreateRule): Promise<RuleWriteOutcome> {
    return runWrite(
      this.db,
      async (tx, writing) => {
        const replay = await replayByKey(tx, c.meta);
        if (replay) return replay;
        await setWriteContext(tx, 'domain', c.meta);
        writing();
        const at = naiveUtc(c.meta.at);
        // name: alerts.createRule
        const [rule] = await tx
          .insert(r)
          .values({
            ...columnsOf(c.values),
            createdBy: c.meta.actor,
            updatedBy: c.meta.actor,
            createdAt: at,
            updatedAt: at,
          } as typeof r.$inferInsert)
          .returning(ruleColumns);
        const changeId = await lastChangeId(tx, rule!.id);
        await this.beforeCommit?.(tx);
        return { kind: 'saved', rule: rule!, replayed: false, changeId };
      },
      () => replayAfterRace(this.db, c.meta),
    );
  }

  update(u: UpdateRule): Promise<RuleWriteOutcome> {
    return runWrite(
      this.db,
      async (tx, writing) => {
        // name: alerts.lockRule (serialises changes of one rule)
        const [current] = await tx.select(ruleColumns).from(r).where(eq(r.id, u.id)).for('update');
        if (!current) return { kind: 'not_found', id: u.ref };
        const replay = await replayByKey(tx, u.meta);
        if (replay) return replay;
        const stored = valuesOfRow(current);
        if (stored) {
          const issues = checkRule({ ...stored, ...u.patch });
          if (issues.length > 0) return { kind: 'invalid', issues };
        }
        if (Object.keys(u.patch).length === 0) {
          return { kind: 'saved', rule: current, replayed: false, changeId: null };
        }
        await setWriteContext(tx, 'domain', u.meta);
        writing();
        // name: alerts.updateRule
        const [rule] = await tx
          .update(r)
          .set({
            ...columnsOf(u.patch),
            updatedBy: u.meta.actor,
            updatedAt: naiveUtc(u.meta.at),
          } as Partial<typeof r.$inferInsert>)
          .where(eq(r.id, u.id))
          .returning(ruleColumns);
        const changeId = await lastChangeId(tx, rule!.id);
        await this.beforeCommit?.(tx);
        return { kind: 'saved', rule: rule!, replayed: false, changeId };
      },
      () => replayAfterRace(this.db, u.meta),
    );
  }
}
