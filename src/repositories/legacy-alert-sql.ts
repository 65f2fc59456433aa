// Legacy path of the alert fields: the old service's statements (plain SQL, equality filters,
// no audit of its own, no idempotency), with the corrections both paths share: a tie-breaker on
// every ordering, an unknown rule id reported as not found, the same stored defaults, and the
// write context the audit trigger records (path 'legacy', idempotency keys honoured alike).
import { type SQL, sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';
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
  HISTORY_SELECT,
  historyFromRaw,
  lastChangeId,
  naiveUtc,
  RULE_SELECT,
  replayAfterRace,
  replayByKey,
  rowsOf,
  ruleFromRaw,
  runWrite,
  setWriteContext,
} from './alert-sql.js';

const json = (v: unknown) => sql`${JSON.stringify(v)}::jsonb`;

/** The old UPDATE's SET list: only the keys sent, in the old order. */
const SET_COLUMNS: [keyof RuleValues, string, boolean][] = [
  ['name', 'name', false],
  ['camera_id', 'camera_id', false],
  ['rule_type', 'rule_type', false],
  ['conditions', 'conditions', true],
  ['notification_channels', 'notification_channels', true],
  ['recipients', 'recipients', true],
  ['enabled', 'enabled', false],
  ['priority', 'priority', false],
];

export class LegacyAlertSql implements AlertHistorySource, AlertRuleSource, AlertRuleWriter {
  constructor(private readonly db: Db) {}

  async history(q: AlertHistoryQuery): Promise<AlertHistoryRow[]> {
    const where: SQL[] = [sql`1 = 1`];
    if (q.cameraId !== undefined) where.push(sql`camera_id = ${q.cameraId}`);
    if (q.alertType !== undefined) where.push(sql`alert_type = ${q.alertType}`);
    // name: alerts.historyLegacy
    const result = await this.db.execute(
      sql`SELECT ${HISTORY_SELECT} FROM alert_history WHERE ${sql.join(where, sql` AND `)}
        ORDER BY "timestamp" DESC, id DESC LIMIT ${q.limit}`,
    );
    return rowsOf<Record<string, unknown>>(result).map(historyFromRaw);
  }

  async rules(q: AlertRuleQuery): Promise<AlertRuleRow[]> {
    const where: SQL[] = [sql`1 = 1`];
    if (q.cameraId !== undefined) where.push(sql`camera_id = ${q.cameraId}`);
    if (q.enabled !== undefined) where.push(sql`enabled = ${q.enabled}`);
    // name: alerts.rulesLegacy
    const result = await this.db.execute(
      sql`SELECT ${RULE_SELECT} FROM alert_rules WHERE ${sql.join(where, sql` AND `)}
        ORDER BY updated_at DESC, id DESC`,
    );
    return rowsOf<Record<string, unknown>>(result).map(ruleFromRaw);
  }

  create(c: CreateRule): Promise<RuleWriteOutcome> {
    const v = c.values;
    const at = naiveUtc(c.meta.at);
    return runWrite(
      this.db,
      async (tx, writing) => {
        const replay = await replayByKey(tx, c.meta);
        if (replay) return replay;
        await setWriteContext(tx, 'legacy', c.meta);
        writing();
        // name: alerts.createRuleLegacy
        const result = await tx.execute(sql`INSERT INTO alert_rules (name, camera_id, rule_type,
            conditions, notification_channels, recipients, enabled, priority, created_by,
            updated_by, created_at, updated_at)
          VALUES (${v.name}, ${v.camera_id}, ${v.rule_type}, ${json(v.conditions)},
            ${json(v.notification_channels)}, ${json(v.recipients)}, ${v.enabled}, ${v.priority},
            ${c.meta.actor}, ${c.meta.actor}, ${at}, ${at})
          RETURNING ${RULE_SELECT}`);
        const rule = ruleFromRaw(rowsOf<Record<string, unknown>>(result)[0]!);
        return { kind: 'saved', rule, replayed: false, changeId: await lastChangeId(tx, rule.id) };
      },
      () => replayAfterRace(this.db, c.meta),
    );
  }

  update(u: UpdateRule): Promise<RuleWriteOutcome> {
    return runWrite(
      this.db,
      async (tx, writing) => {
        // name: alerts.lockRuleLegacy
        const found = await tx.execute(
          sql`SELECT ${RULE_SELECT} FROM alert_rules WHERE id = ${u.id} FOR UPDATE`,
        );
        const raw = rowsOf<Record<string, unknown>>(found)[0];
        if (!raw) return { kind: 'not_found', id: u.ref };
        const current = ruleFromRaw(raw);
        const replay = await replayByKey(tx, u.meta);
        if (replay) return replay;
        const stored = valuesOfRow(current);
        if (stored) {
          const issues = checkRule({ ...stored, ...u.patch });
          if (issues.length > 0) return { kind: 'invalid', issues };
        }
        const sets = SET_COLUMNS.filter(([key]) => u.patch[key] !== undefined).map(
          ([key, column, isJson]) =>
            sql`${sql.raw(column)} = ${isJson ? json(u.patch[key]) : u.patch[key]}`,
        );
        if (sets.length === 0)
          return { kind: 'saved', rule: current, replayed: false, changeId: null };
        sets.push(sql`updated_by = ${u.meta.actor}`, sql`updated_at = ${naiveUtc(u.meta.at)}`);
        await setWriteContext(tx, 'legacy', u.meta);
        writing();
        // name: alerts.updateRuleLegacy
        const result = await tx.execute(
          sql`UPDATE alert_rules SET ${sql.join(sets, sql`, `)} WHERE id = ${u.id} RETURNING ${RULE_SELECT}`,
        );
        const rule = ruleFromRaw(rowsOf<Record<string, unknown>>(result)[0]!);
        return { kind: 'saved', rule, replayed: false, changeId: await lastChangeId(tx, rule.id) };
      },
      () => replayAfterRace(this.db, u.meta),
    );
  }
}
