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

const upperValues = <T extends string>(values: readonly T[], descriptions: Record<T, string>) =>
  Object.fromEntries(
    values.map((value) => [value.toUpperCase(), { value, description: descriptions[value] }]),
  ) as Record<Uppercase<T>, { value: T; description: string }>;

export const AlertRuleType = builder.enumType('AlertRuleType', {
  description:
    'EVENT_COUNT counts ingested log events of a type; VIOLATION_COUNT counts violations of a type.',
  values: upperValues(ALERT_RULE_TYPES, {
    event_count: 'Counts ingested log events whose type is the event type.',
    violation_count: 'Counts violations whose type is the event type.',
  }),
});
export const AlertPriority = builder.enumType('AlertPriority', {
  description: 'How urgent the alerts of a rule are.',
  values: upperValues(ALERT_PRIORITIES, {
    low: 'Low priority.',
    medium: 'Medium priority (the default).',
    high: 'High priority.',
    critical: 'Critical priority.',
  }),
});
export const AlertChannelType = builder.enumType('AlertChannelType', {
  description: 'Where an alert is delivered.',
  values: {
    LOG: { value: 'log', description: "Written to the server's log." },
    WEBHOOK: { value: 'webhook', description: 'POSTed to a URL.' },
  } as const,
});

const utc = (naive: string | null) => (naive === null ? null : new Date(`${naive}Z`));
const parsed = (text: string | null) => (text === null ? null : (JSON.parse(text) as unknown));

export const AlertHistoryEntry = builder.objectRef<AlertHistoryRow>('AlertHistoryEntry').implement({
  description: 'One alert that fired.',
  fields: (t) => ({
    id: t.exposeID('id', { description: 'The alert id.' }),
    ruleId: t.exposeID('ruleId', {
      nullable: true,
      description: 'The rule that fired; null for alerts of the old error monitor.',
    }),
    cameraId: t.exposeString('cameraId', {
      description:
        "The rule's camera; for a rule on every camera, the one camera whose events counted, else `multiple`.",
    }),
    alertType: t.exposeString('alertType', {
      description: "The alert's type: for a rule, its rule type (event_count or violation_count).",
    }),
    message: t.exposeString('message', { nullable: true, description: 'The alert text.' }),
    details: t.field({
      type: 'JSON',
      nullable: true,
      description: 'What fired it (condition, count, window, cameras, event times), as stored.',
      resolve: (h) => parsed(h.details),
    }),
    notificationSent: t.exposeBoolean('notificationSent', {
      nullable: true,
      description: 'Whether any channel delivered it.',
    }),
    notificationChannelsUsed: t.field({
      type: 'JSON',
      nullable: true,
      description: 'The types of the rule\'s channels when it fired, e.g. ["log"].',
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
    eventType: t.exposeString('event_type', {
      description: 'The event or violation type counted.',
    }),
    cameraId: t.string({
      nullable: true,
      description: "Count only this camera's events; null: no camera filter in the conditions.",
      resolve: (c) => c.camera_id ?? null,
    }),
    threshold: t.exposeInt('threshold', { description: 'Least number of events that fires.' }),
    windowSeconds: t.exposeInt('window_seconds', {
      description: 'The window counted, in seconds.',
    }),
    cooldownSeconds: t.int({
      description: 'Seconds without another alert after one fires (0: none).',
      resolve: (c) => c.cooldown_seconds ?? 0,
    }),
  }),
});

export const AlertChannel = builder.objectRef<ChannelValue>('AlertChannel').implement({
  description: "One of a rule's notification channels.",
  fields: (t) => ({
    type: t.field({ type: AlertChannelType, description: 'The kind.', resolve: (c) => c.type }),
    url: t.string({
      nullable: true,
      description: 'WEBHOOK: where the alert is POSTed; null for LOG.',
      resolve: (c) => (c.type === 'webhook' ? c.url : null),
    }),
    timeoutMs: t.int({
      nullable: true,
      description: 'WEBHOOK: timeout per attempt in milliseconds; null: the server default.',
      resolve: (c) => (c.type === 'webhook' ? (c.timeout_ms ?? null) : null),
    }),
    retries: t.int({
      nullable: true,
      description: 'WEBHOOK: attempts after the first; null: the server default.',
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
  description: 'A rule that fires alerts when enough matching events occur.',
  fields: (t) => ({
    id: t.exposeID('id', { description: 'The rule id.' }),
    name: t.exposeString('name', { description: 'The rule name.' }),
    cameraId: t.exposeString('cameraId', { nullable: true, description: 'Null: every camera.' }),
    ruleType: t.field({
      type: AlertRuleType,
      description: 'What it counts.',
      resolve: (r) => values(r).rule_type,
    }),
    conditions: t.field({
      type: AlertConditions,
      description: 'When it fires.',
      resolve: (r) => values(r).conditions,
    }),
    notificationChannels: t.field({
      type: [AlertChannel],
      description: 'Where its alerts are delivered.',
      resolve: (r) => values(r).notification_channels,
    }),
    recipients: t.stringList({
      description: 'Who its alerts are meant for.',
      resolve: (r) => values(r).recipients,
    }),
    enabled: t.boolean({
      description: 'Whether it is evaluated.',
      resolve: (r) => values(r).enabled,
    }),
    priority: t.field({
      type: AlertPriority,
      description: 'How urgent its alerts are.',
      resolve: (r) => values(r).priority,
    }),
    createdAt: t.field({
      type: 'DateTime',
      nullable: true,
      description: 'When it was created; null if not recorded.',
      resolve: (r) => utc(r.createdAt),
    }),
    updatedAt: t.field({
      type: 'DateTime',
      nullable: true,
      description: 'When it last changed; null if not recorded.',
      resolve: (r) => utc(r.updatedAt),
    }),
    createdBy: t.exposeString('createdBy', {
      nullable: true,
      description: 'Who created it; null if not recorded.',
    }),
    updatedBy: t.exposeString('updatedBy', {
      nullable: true,
      description: 'Who changed it last; null if not recorded.',
    }),
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
    type: t.exposeString('type', { description: 'The pydantic error type, e.g. int_type.' }),
    message: t.exposeString('msg', { description: 'What is wrong, for people.' }),
    input: t.field({
      type: 'JSON',
      nullable: true,
      description: 'The value that was refused; null if none.',
      resolve: (i) => i.input ?? null,
    }),
    context: t.field({
      type: 'JSON',
      nullable: true,
      description: "The check's parameters (pydantic ctx), e.g. a limit; null if none.",
      resolve: (i) => i.ctx ?? null,
    }),
  }),
});
