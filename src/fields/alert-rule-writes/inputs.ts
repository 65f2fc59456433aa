// The GraphQL inputs of the alert rule writes, and their translation to the REST body shape
// (snake_case) that the shared validation of src/domain/alert-rules.ts reads: GraphQL and REST
// callers get the same checks, defaults and problem reports.
import { builder } from '../../graphql/builder.js';
import { AlertChannelType, AlertPriority, AlertRuleType } from '../../graphql/types/alert.js';

const AlertConditionsInput = builder.inputType('AlertConditionsInput', {
  description: 'When a rule fires: at least `threshold` events in the last `windowSeconds`.',
  fields: (t) => ({
    eventType: t.string({
      required: true,
      description:
        'EVENT_COUNT: a log event type; VIOLATION_COUNT: no_hairnet, no_handwash or no_sanitize.',
    }),
    cameraId: t.string({ description: "Count only this camera's events." }),
    threshold: t.int({ required: true, description: 'At least this many events (≥ 1).' }),
    windowSeconds: t.int({ required: true, description: 'In the last this many seconds (≥ 1).' }),
    cooldownSeconds: t.int({ description: 'Then no alert for this many seconds (default 0).' }),
  }),
});

const AlertChannelInput = builder.inputType('AlertChannelInput', {
  description: 'Where alerts of a rule are delivered.',
  fields: (t) => ({
    type: t.field({ type: AlertChannelType, required: true, description: 'The kind.' }),
    url: t.string({ description: 'WEBHOOK: where to POST the alert (an allowed host).' }),
    timeoutMs: t.int({ description: 'WEBHOOK: per attempt, 100–60000 (default from the server).' }),
    retries: t.int({
      description: 'WEBHOOK: attempts after the first, 0–10 (default from the server).',
    }),
  }),
});

const common = {
  idempotencyKey: 'Or the Idempotency-Key header. A repeat gets the first answer, applied once.',
  forceDomain: 'Force the domain path: operators (rollout:admin) only, else reported ignored.',
};

export const CreateAlertRuleInput = builder.inputType('CreateAlertRuleInput', {
  description: 'A new alert rule.',
  fields: (t) => ({
    name: t.string({ required: true, description: 'The rule name.' }),
    ruleType: t.field({ type: AlertRuleType, required: true, description: 'What it counts.' }),
    cameraId: t.string({ description: 'Omitted or null: every camera.' }),
    conditions: t.field({
      type: AlertConditionsInput,
      required: true,
      description: 'When it fires.',
    }),
    notificationChannels: t.field({ type: [AlertChannelInput], description: 'Default: none.' }),
    recipients: t.stringList({ description: 'Default: none.' }),
    enabled: t.boolean({ description: 'Default true.' }),
    priority: t.field({ type: AlertPriority, description: 'Default MEDIUM.' }),
    createdBy: t.string({ description: 'Who, when the caller has no API token name.' }),
    idempotencyKey: t.string({ description: common.idempotencyKey }),
    forceDomain: t.boolean({ description: common.forceDomain }),
  }),
});

export const UpdateAlertRuleInput = builder.inputType('UpdateAlertRuleInput', {
  description: 'Only the fields given change; null sets the default (cameraId: every camera).',
  fields: (t) => ({
    name: t.string({ description: 'The rule name.' }),
    ruleType: t.field({ type: AlertRuleType, description: 'What it counts.' }),
    cameraId: t.string({ description: 'Only this camera; null: every camera.' }),
    conditions: t.field({ type: AlertConditionsInput, description: 'When it fires.' }),
    notificationChannels: t.field({
      type: [AlertChannelInput],
      description: 'Where its alerts are delivered.',
    }),
    recipients: t.stringList({ description: 'Who its alerts are meant for.' }),
    enabled: t.boolean({ description: 'Whether it is evaluated.' }),
    priority: t.field({ type: AlertPriority, description: 'How urgent its alerts are.' }),
    idempotencyKey: t.string({ description: common.idempotencyKey }),
    forceDomain: t.boolean({ description: common.forceDomain }),
  }),
});

type RuleInput = Omit<typeof UpdateAlertRuleInput.$inferInput, 'idempotencyKey' | 'forceDomain'> & {
  createdBy?: string | null | undefined;
};
type Conditions = NonNullable<RuleInput['conditions']>;
type Channel = NonNullable<RuleInput['notificationChannels']>[number];

const defined = (entries: [string, unknown][]) =>
  Object.fromEntries(entries.filter(([, v]) => v !== undefined && v !== null));

const conditionsBody = (c: Conditions) =>
  defined([
    ['event_type', c.eventType],
    ['camera_id', c.cameraId],
    ['threshold', c.threshold],
    ['window_seconds', c.windowSeconds],
    ['cooldown_seconds', c.cooldownSeconds],
  ]);

const channelBody = (c: Channel) =>
  c.type === 'log'
    ? { type: 'log' }
    : {
        type: 'webhook',
        url: c.url ?? undefined,
        ...defined([
          ['timeout_ms', c.timeoutMs],
          ['retries', c.retries],
        ]),
      };

/** The input as a REST body: only the keys given, null kept (it means the default). */
export function bodyOf(input: RuleInput): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  const put = <T>(key: string, value: T | null | undefined, map: (v: T) => unknown = (v) => v) => {
    if (value !== undefined) body[key] = value === null ? null : map(value);
  };
  put('name', input.name);
  put('camera_id', input.cameraId);
  put('rule_type', input.ruleType);
  put('conditions', input.conditions, conditionsBody);
  put('notification_channels', input.notificationChannels, (l) => l.map(channelBody));
  put('recipients', input.recipients);
  put('enabled', input.enabled);
  put('priority', input.priority);
  put('created_by', input.createdBy);
  return body;
}
