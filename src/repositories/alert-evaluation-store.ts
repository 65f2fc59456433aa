// The evaluator's SQL. Each rule is evaluated in one transaction that first locks the rule's
// row in alert_rule_state (FOR UPDATE SKIP LOCKED): one replica at a time evaluates a rule, and
// a replica that finds it locked skips it. The alert_history row and the rule's new position
// (the newest counted event, the end of its quiet time) commit together, so each matching event
// counts toward at most one alert, whichever replica fires it.
import { sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { alertDeliveries } from '../db/schema.js';
import { effectiveCamera, valuesOfRow } from '../domain/alert-rules.js';
import type { AlertHistoryRow, AlertRuleRow, RuleValues } from '../domain/alerts.js';
import {
  HISTORY_SELECT,
  historyFromRaw,
  naiveUtc,
  RULE_SELECT,
  rowsOf,
  ruleFromRaw,
} from './alert-sql.js';

export interface FiredAlert {
  history: AlertHistoryRow;
  rule: AlertRuleRow;
  values: RuleValues;
}

export interface DeliveryRecord {
  historyId: number;
  channel: string;
  target: string | null;
  outcome: 'delivered' | 'failed' | 'refused';
  attempts: number;
  statusCode: number | null;
  error: string | null;
  startedAt: Date;
  finishedAt: Date;
}

const SOURCES = {
  event_count: { table: 'events', type: 'type' },
  violation_count: { table: 'violation_events', type: 'violation_type' },
} as const;

interface Counted {
  n: number;
  last_id: string | number | null;
  cameras: string[] | null;
  first_at: string | null;
  last_at: string | null;
}

export class AlertEvaluationStore {
  constructor(private readonly db: Db) {}

  /** Ids of the enabled rules, oldest first. */
  async enabledRuleIds(): Promise<number[]> {
    // name: alerts.enabledRules
    const result = await this.db.execute(sql`SELECT id FROM alert_rules WHERE enabled ORDER BY id`);
    return rowsOf<{ id: number }>(result).map((r) => Number(r.id));
  }

  /** Evaluates one rule at `now`; the alert it fired, if any. */
  async evaluate(ruleId: number, now: Date): Promise<FiredAlert | undefined> {
    return this.db.transaction(async (tx) => {
      // name: alerts.ensureRuleState
      await tx.execute(sql`INSERT INTO alert_rule_state (rule_id, source) VALUES (${ruleId}, '')
        ON CONFLICT (rule_id) DO NOTHING`);
      // name: alerts.lockRuleState (another replica holding it evaluates the rule now)
      const locked = rowsOf<Record<string, unknown>>(
        await tx.execute(sql`SELECT s.source AS state_source, s.last_source_id, s.quiet_until,
            ${RULE_SELECT}
          FROM alert_rule_state s JOIN alert_rules r ON r.id = s.rule_id
          WHERE s.rule_id = ${ruleId} AND r.enabled
          FOR UPDATE OF s SKIP LOCKED`),
      )[0];
      if (!locked) return undefined;
      const rule = ruleFromRaw(locked);
      const values = valuesOfRow(rule);
      if (!values) return undefined;
      const quietUntil = locked.quiet_until ? new Date(locked.quiet_until as string) : undefined;
      if (quietUntil && quietUntil > now) return undefined;
      const source = SOURCES[values.rule_type];
      const cursor = locked.state_source === source.table ? Number(locked.last_source_id) : 0;
      const c = values.conditions;
      const camera = effectiveCamera(values);
      const since = new Date(now.getTime() - c.window_seconds * 1000);
      // name: alerts.countMatching (the type/camera + occurred_at indexes of the source)
      const counted = rowsOf<Counted>(
        await tx.execute(sql`SELECT count(*)::int AS n, max(id) AS last_id,
            array_agg(DISTINCT camera_id) AS cameras,
            ${sql.raw("to_char(min(occurred_at) AT TIME ZONE 'utc', 'YYYY-MM-DD\"T\"HH24:MI:SS.US')")} AS first_at,
            ${sql.raw("to_char(max(occurred_at) AT TIME ZONE 'utc', 'YYYY-MM-DD\"T\"HH24:MI:SS.US')")} AS last_at
          FROM ${sql.raw(source.table)}
          WHERE ${sql.raw(source.type)} = ${c.event_type}
            AND occurred_at > ${since.toISOString()}::timestamptz AND id > ${cursor}
            ${camera === undefined ? sql`` : sql`AND camera_id = ${camera}`}`),
      )[0]!;
      if (counted.n < c.threshold) return undefined;
      const cameras = (counted.cameras ?? []).filter((x) => x !== null);
      const alertCamera = camera ?? (cameras.length === 1 ? cameras[0]! : 'multiple');
      const details = {
        rule_condition: `count(${source.type} == '${c.event_type}'${camera ? ` and camera_id == '${camera}'` : ''}) >= ${c.threshold}`,
        threshold: c.threshold,
        time_window: c.window_seconds,
        cooldown: c.cooldown_seconds ?? 0,
        event_type: c.event_type,
        count: counted.n,
        cameras,
        first_event_at: counted.first_at,
        last_event_at: counted.last_at,
        source: source.table,
        last_source_id: Number(counted.last_id),
      };
      const channels = values.notification_channels.map((ch) => ch.type);
      // name: alerts.insertHistory
      const inserted = await tx.execute(sql`INSERT INTO alert_history (rule_id, camera_id,
          "timestamp", alert_type, message, details, notification_sent, notification_channels_used)
        VALUES (${rule.id}, ${alertCamera.slice(0, 50)}, ${naiveUtc(now)}, ${values.rule_type},
          ${`告警规则 '${rule.name}' 被触发`}, ${JSON.stringify(details)}::jsonb, false,
          ${JSON.stringify(channels)}::jsonb)
        RETURNING ${HISTORY_SELECT}`);
      const quiet = new Date(now.getTime() + (c.cooldown_seconds ?? 0) * 1000);
      // name: alerts.advanceRuleState
      await tx.execute(sql`UPDATE alert_rule_state SET source = ${source.table},
          last_source_id = ${Number(counted.last_id)}, last_fired_at = ${now.toISOString()}::timestamptz,
          quiet_until = ${quiet.toISOString()}::timestamptz, alerts = alerts + 1
        WHERE rule_id = ${rule.id}`);
      const history = historyFromRaw(rowsOf<Record<string, unknown>>(inserted)[0]!);
      return { history, rule, values };
    });
  }

  /** Records how one channel's delivery of an alert went. */
  async recordDelivery(d: DeliveryRecord): Promise<void> {
    // name: alerts.recordDelivery
    await this.db.insert(alertDeliveries).values(d);
  }

  /** After the deliveries: whether any channel got the alert through. */
  async markSent(historyId: number, sent: boolean): Promise<void> {
    // name: alerts.markSent
    await this.db.execute(
      sql`UPDATE alert_history SET notification_sent = ${sent} WHERE id = ${historyId}`,
    );
  }
}
