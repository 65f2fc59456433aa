// The alert model shared by both paths of the alert fields: rules and history entries as the
// tables hold them, the changes a write asks for, and what each path implements. Values are
// kept as PostgreSQL printed them (jsonb text, timestamps as naive UTC with microseconds), so
// the REST shims can print them exactly as the old service did.
import type { ALERT_PRIORITIES, ALERT_RULE_TYPES } from '../db/schema.js';

export type AlertRuleType = (typeof ALERT_RULE_TYPES)[number];
export type AlertPriority = (typeof ALERT_PRIORITIES)[number];

/** An alert_rules row. JSON columns are jsonb text; timestamps `YYYY-MM-DDTHH:MM:SS[.ffffff]` (UTC). */
export interface AlertRuleRow {
  id: number;
  name: string;
  cameraId: string | null;
  ruleType: string;
  conditions: string;
  notificationChannels: string | null;
  recipients: string | null;
  enabled: boolean | null;
  priority: string | null;
  createdAt: string | null;
  updatedAt: string | null;
  createdBy: string | null;
  updatedBy: string | null;
}

/** An alert_history row, in the same representation. */
export interface AlertHistoryRow {
  id: number;
  ruleId: number | null;
  cameraId: string;
  alertType: string;
  message: string | null;
  details: string | null;
  notificationSent: boolean | null;
  notificationChannelsUsed: string | null;
  timestamp: string;
}

export interface AlertHistoryQuery {
  limit: number;
  /** undefined: any camera. */
  cameraId?: string | undefined;
  alertType?: string | undefined;
}

export interface AlertRuleQuery {
  cameraId?: string | undefined;
  enabled?: boolean | undefined;
}

/** Both paths of `alertHistory`: newest first (timestamp, then id). */
export interface AlertHistorySource {
  history(q: AlertHistoryQuery): Promise<AlertHistoryRow[]>;
}

/** Both paths of `alertRules`: most recently changed first (updated_at, then id). */
export interface AlertRuleSource {
  rules(q: AlertRuleQuery): Promise<AlertRuleRow[]>;
}

export interface ConditionsValue {
  event_type: string;
  camera_id?: string | undefined;
  threshold: number;
  window_seconds: number;
  cooldown_seconds?: number | undefined;
}

export type ChannelValue =
  | { type: 'log' }
  | { type: 'webhook'; url: string; timeout_ms?: number | undefined; retries?: number | undefined };

/** Every column a client sets, after defaults: what both paths store. */
export interface RuleValues {
  name: string;
  camera_id: string | null;
  rule_type: AlertRuleType;
  conditions: ConditionsValue;
  notification_channels: ChannelValue[];
  recipients: string[];
  enabled: boolean;
  priority: AlertPriority;
}

/** Who, when, and how to recognise a repeat: what every write carries besides its values. */
export interface WriteMeta {
  actor: string | null;
  at: Date;
  requestId: string;
  idempotencyKey?: string | undefined;
  /** A fingerprint of the request (action, id, values, actor): a reused key must match it. */
  requestHash: string;
}

export interface CreateRule {
  values: RuleValues;
  meta: WriteMeta;
}

export interface UpdateRule {
  /** 0 when the requested id cannot exist (past the serial's range). */
  id: number;
  /** The id as requested, for the not-found answer. */
  ref: string;
  /** Only the keys the caller sent (null already replaced by the default). */
  patch: Partial<RuleValues>;
  meta: WriteMeta;
}

/** A problem with a value, located by its path in the request body (snake_case keys). */
export interface AlertIssue {
  path: (string | number)[];
  type: string;
  msg: string;
  input: unknown;
  ctx?: Record<string, unknown>;
}

export type RuleWriteOutcome =
  | { kind: 'saved'; rule: AlertRuleRow; replayed: boolean; changeId: number | null }
  | { kind: 'not_found'; id: string }
  | { kind: 'invalid'; issues: AlertIssue[] }
  | { kind: 'conflict'; message: string };

/** Both paths of createAlertRule / updateAlertRule. Throw WriteRolledBackError or WriteOutcomeUnknownError. */
export interface AlertRuleWriter {
  create(c: CreateRule): Promise<RuleWriteOutcome>;
  update(u: UpdateRule): Promise<RuleWriteOutcome>;
}
