// AlertHistoryEntry and AlertRule: the alert model as GraphQL types, shared by the alert fields
// (src/fields/alert-*). Timestamps are stored as naive UTC; `legacyJson` is the item exactly as
// the old REST endpoints printed it (what the shims answer).
import { ALERT_PRIORITIES, ALERT_RULE_TYPES } from '../../db/schema.js';
import { valuesOfRow } from '../../domain/alert-rules.js';
import type {
  AlertHistoryRow,
  AlertIssue,
  AlertRuleRow,
  ChannelValue,
  ConditionsValue,
  RuleValues,
} from '../../domain/alerts.js';
import { printHistoryItem, printRuleItem } from '../../legacy/alert-printer.js';
import { builder } from '../builder.js';

const upperValues = <T extends string>(values: readonly T[]) =>
  Object.fromEntries(values.map((value) => [value.toUpperCase(), { value }])) as Record<
    Uppercase<T>,
    { value: T }
  >;

export const AlertRuleType = builder.enumType('AlertRuleType', {
  description:
    'EVENT_COUNT counts ingested log events of a type; VIOLATION_COUNT counts violations of a type.',
  values: upperValues(ALERT_RULE_TYPES),
});
export const AlertPriority = builder.enumType('AlertPriority', {
  values: upperValues(ALERT_PRIORITIES),
});
export const AlertChannelType = builder.enumType('AlertChannelType', {
  values: { LOG: { value: 'log' }, WEBHOOK: { value: 'webhook' } } as const,
});

const utc = (naive: string | null) => (naive === null ? null : new Date(`${naive}Z`));
const parsed = (text: string | null) => (text === null ? null : (JSON.parse(text) as unknown));

export const AlertHistoryEntry = builder.objectRef<AlertHistoryRow>('AlertHistoryEntry').implement({
  description: 'One alert that fired.',
  fields: (t) => ({
    id: t.exposeID('id'),
    ruleId: t.exposeID('ruleId', {
      nullable: true,
      description: 'The rule that fired; null for alerts of the old error monitor.',
    }),
    cameraId: t.exposeString('cameraId', {
      description:
        "The rule's camera; for a rule on every camera, the one camera whose events counted, else `multiple`.",
    }),
    alertType: t.exposeString('alertType'),
    message: t.exposeString('message', { nullable: true }),
    details: t.field({ type: 'JSON', nullable: true, resolve: (h) => parsed(h.details) }),
    notificationSent: t.exposeBoolean('notificationSent', { nullable: true }),
    notificationChannelsUsed: t.field({
      type: 'JSON',
      nullable: true,
      resolve: (h) => parsed(h.notificationChannelsUsed),
    }),
    timestamp: t.field({
      type: 'DateTime',
      description: 'When it fired (milliseconds; legacyJson has the stored microseconds).',
      resolve: (h) => utc(h.timestamp)!,
    }),
    legacyJson: t.string({
      description: 'This entry exactly as GET /api/v1/alerts/history-db prints it.',
      resolve: printHistoryItem,
    }),
  }),
});

export const AlertConditions = builder.objectRef<ConditionsValue>('AlertConditions').implement({
  description:
    'Fires when at least `threshold` matching events fall in the last `windowSeconds`, then stays quiet for `cooldownSeconds`.',
  fields: (t) => ({
    eventType: t.exposeString('event_type'),
    cameraId: t.string({ nullable: true, resolve: (c) => c.camera_id ?? null }),
    threshold: t.exposeInt('threshold'),
    windowSeconds: t.exposeInt('window_seconds'),
    cooldownSeconds: t.int({ resolve: (c) => c.cooldown_seconds ?? 0 }),
  }),
});

export const AlertChannel = builder.objectRef<ChannelValue>('AlertChannel').implement({
  fields: (t) => ({
    type: t.field({ type: AlertChannelType, resolve: (c) => c.type }),
    url: t.string({ nullable: true, resolve: (c) => (c.type === 'webhook' ? c.url : null) }),
    timeoutMs: t.int({
      nullable: true,
      resolve: (c) => (c.type === 'webhook' ? (c.timeout_ms ?? null) : null),
    }),
    retries: t.int({
      nullable: true,
      resolve: (c) => (c.type === 'webhook' ? (c.retries ?? null) : null),
    }),
  }),
});

const valuesCache = new WeakMap<AlertRuleRow, RuleValues>();

function values(row: AlertRuleRow): RuleValues {
  let v = valuesCache.get(row);
  if (!v) {
    v = valuesOfRow(row);
    if (!v) throw new Error(`alert rule ${row.id} holds values that are not a valid rule`);
    valuesCache.set(row, v);
  }
  return v;
}

export const AlertRule = builder.objectRef<AlertRuleRow>('AlertRule').implement({
  fields: (t) => ({
    id: t.exposeID('id'),
    name: t.exposeString('name'),
    cameraId: t.exposeString('cameraId', { nullable: true, description: 'Null: every camera.' }),
    ruleType: t.field({ type: AlertRuleType, resolve: (r) => values(r).rule_type }),
    conditions: t.field({ type: AlertConditions, resolve: (r) => values(r).conditions }),
    notificationChannels: t.field({
      type: [AlertChannel],
      resolve: (r) => values(r).notification_channels,
    }),
    recipients: t.stringList({ resolve: (r) => values(r).recipients }),
    enabled: t.boolean({ resolve: (r) => values(r).enabled }),
    priority: t.field({ type: AlertPriority, resolve: (r) => values(r).priority }),
    createdAt: t.field({ type: 'DateTime', nullable: true, resolve: (r) => utc(r.createdAt) }),
    updatedAt: t.field({ type: 'DateTime', nullable: true, resolve: (r) => utc(r.updatedAt) }),
    createdBy: t.exposeString('createdBy', { nullable: true }),
    updatedBy: t.exposeString('updatedBy', { nullable: true }),
    legacyJson: t.string({
      description: 'This rule exactly as GET /api/v1/alerts/rules prints it.',
      resolve: printRuleItem,
    }),
  }),
});

export const AlertInputIssue = builder.objectRef<AlertIssue>('AlertInputIssue').implement({
  description: 'One problem with a value, as FastAPI/pydantic reports it.',
  fields: (t) => ({
    path: t.stringList({
      description: 'Where, as keys of the REST body (snake_case) and list indexes.',
      resolve: (i) => i.path.map(String),
    }),
    type: t.exposeString('type', { description: 'pydantic error type, e.g. int_type.' }),
    message: t.exposeString('msg'),
    input: t.field({ type: 'JSON', nullable: true, resolve: (i) => i.input ?? null }),
    context: t.field({ type: 'JSON', nullable: true, resolve: (i) => i.ctx ?? null }),
  }),
});
