// What a valid alert rule is: the zod schema of each column (conditions per rule type), the
// defaults both paths store, and the checks across columns. REST bodies and GraphQL inputs go
// through the same functions, so both answer the same problems for the same values.
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { ALERT_PRIORITIES, ALERT_RULE_TYPES, VIOLATION_TYPES } from '../db/schema.js';
import { issuesOf } from './alert-issues.js';
import type { AlertIssue, AlertRuleRow, ChannelValue, RuleValues } from './alerts.js';

const WEEK_SECONDS = 7 * 86_400;

export const conditionsSchema = z.strictObject({
  event_type: z.string().min(1).max(100),
  camera_id: z.string().min(1).max(50).optional(),
  threshold: z.int().min(1).max(1_000_000),
  window_seconds: z.int().min(1).max(WEEK_SECONDS),
  cooldown_seconds: z.int().min(0).max(WEEK_SECONDS).optional(),
});

const webhookSchema = z.strictObject({
  type: z.literal('webhook'),
  url: z.string().max(2048).refine(isHttpUrl, { message: 'must be an absolute http or https URL' }),
  timeout_ms: z.int().min(100).max(60_000).optional(),
  retries: z.int().min(0).max(10).optional(),
});

/** A channel: `"log"` is short for `{"type":"log"}` (stored as the object). */
const channelSchema = z.preprocess(
  (v) => (typeof v === 'string' ? { type: v } : v),
  z.discriminatedUnion('type', [z.strictObject({ type: z.literal('log') }), webhookSchema]),
);

const columns = {
  name: z.string().min(1).max(100),
  /** "" and null: every camera. */
  camera_id: z
    .string()
    .max(50)
    .nullable()
    .transform((v) => v || null),
  rule_type: z.enum(ALERT_RULE_TYPES),
  conditions: conditionsSchema,
  notification_channels: z
    .array(channelSchema)
    .max(10)
    .nullable()
    .transform((v) => (v ?? []) as ChannelValue[]),
  recipients: z
    .array(z.string().min(1).max(200))
    .max(50)
    .nullable()
    .transform((v) => v ?? []),
  enabled: z
    .boolean()
    .nullable()
    .transform((v) => v ?? true),
  priority: z
    .enum(ALERT_PRIORITIES)
    .nullable()
    .transform((v) => v ?? 'medium'),
};

/** The columns a client may set, in the order the old service listed them. */
export const RULE_KEYS = [
  'name',
  'camera_id',
  'rule_type',
  'conditions',
  'notification_channels',
  'recipients',
  'enabled',
  'priority',
] as const;

const createSchema = z.object({
  ...columns,
  camera_id: columns.camera_id.optional().transform((v) => v ?? null),
  notification_channels: columns.notification_channels.optional().transform((v) => v ?? []),
  recipients: columns.recipients.optional().transform((v) => v ?? []),
  enabled: columns.enabled.optional().transform((v) => v ?? true),
  priority: columns.priority.optional().transform((v) => v ?? 'medium'),
  created_by: z.string().max(100).nullable().optional(),
});

const patchSchema = z.object(columns).partial();

export type Parsed<T> =
  | { ok: true; value: T; ignoredKeys: string[] }
  | { ok: false; issues: AlertIssue[] };

/** A create body: the values to store (defaults applied), the creator named in it, ignored keys. */
export function parseCreate(
  body: Record<string, unknown>,
): Parsed<{ values: RuleValues; createdBy: string | null }> {
  const parsed = createSchema.safeParse(body, { reportInput: true });
  if (!parsed.success) return { ok: false, issues: issuesOf(parsed.error.issues, body) };
  const { created_by, ...values } = parsed.data;
  const issues = checkRule(values);
  if (issues.length > 0) return { ok: false, issues };
  return {
    ok: true,
    value: { values, createdBy: created_by ?? null },
    ignoredKeys: ignoredKeys(body, 'created_by'),
  };
}

/** An update body: the columns it sets (null means the default), and the keys it ignored. */
export function parsePatch(body: Record<string, unknown>): Parsed<Partial<RuleValues>> {
  const parsed = patchSchema.safeParse(body, { reportInput: true });
  if (!parsed.success) return { ok: false, issues: issuesOf(parsed.error.issues, body) };
  const patch: Partial<RuleValues> = {};
  for (const key of RULE_KEYS) {
    if (Object.hasOwn(body, key)) Object.assign(patch, { [key]: parsed.data[key] });
  }
  return { ok: true, value: patch, ignoredKeys: ignoredKeys(body) };
}

/** Keys the write does not apply (e.g. `id` or `updated_at` of a rule sent back as read). */
function ignoredKeys(body: Record<string, unknown>, ...alsoKnown: string[]): string[] {
  const known = new Set<string>([...RULE_KEYS, ...alsoKnown]);
  return Object.keys(body).filter((k) => !known.has(k));
}

/** Checks across columns, on the values a rule would have after the write. */
export function checkRule(v: RuleValues): AlertIssue[] {
  const issues: AlertIssue[] = [];
  const eventType = v.conditions.event_type;
  if (
    v.rule_type === 'violation_count' &&
    !(VIOLATION_TYPES as readonly string[]).includes(eventType)
  ) {
    const expected = VIOLATION_TYPES.map((t) => `'${t}'`).join(', ');
    issues.push({
      path: ['conditions', 'event_type'],
      type: 'value_error',
      msg: `Value error, a violation_count rule counts violations of type ${expected}`,
      input: eventType,
    });
  }
  const cam = v.conditions.camera_id;
  if (cam !== undefined && v.camera_id !== null && cam !== v.camera_id) {
    issues.push({
      path: ['conditions', 'camera_id'],
      type: 'value_error',
      msg: `Value error, differs from the rule's camera_id '${v.camera_id}'`,
      input: cam,
    });
  }
  return issues;
}

/** The stored values of a row, or undefined when the row does not hold a valid rule. */
export function valuesOfRow(row: AlertRuleRow): RuleValues | undefined {
  const body = {
    name: row.name,
    camera_id: row.cameraId,
    rule_type: row.ruleType,
    conditions: safeJson(row.conditions),
    notification_channels: safeJson(row.notificationChannels),
    recipients: safeJson(row.recipients),
    enabled: row.enabled,
    priority: row.priority,
  };
  const parsed = createSchema.safeParse(body);
  if (!parsed.success) return undefined;
  const { created_by: _, ...values } = parsed.data;
  return values;
}

function safeJson(text: string | null): unknown {
  if (text === null) return null;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Where the rule counts (the rule's camera, else its conditions'): undefined = every camera. */
export function effectiveCamera(v: RuleValues): string | undefined {
  return v.camera_id ?? v.conditions.camera_id;
}

/** A stable fingerprint of a write (key order does not matter). */
export function requestHash(parts: Record<string, unknown>): string {
  return createHash('sha256').update(stableJson(parts)).digest('hex');
}

function stableJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stableJson).join(',')}]`;
  if (v && typeof v === 'object') {
    const entries = Object.entries(v as Record<string, unknown>)
      .filter(([, x]) => x !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, x]) => `${JSON.stringify(k)}:${stableJson(x)}`).join(',')}}`;
  }
  return JSON.stringify(v ?? null);
}

function isHttpUrl(s: string): boolean {
  try {
    const u = new URL(s);
    return (u.protocol === 'http:' || u.protocol === 'https:') && u.hostname !== '';
  } catch {
    return false;
  }
}
