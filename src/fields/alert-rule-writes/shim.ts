// POST /api/v1/alerts/rules and PUT /api/v1/alerts/rules/{rule_id}: the old bodies and answers
// over the createAlertRule / updateAlertRule mutations. The request fails first on its own terms
// (no JSON: 400/422; parameters and body shape: one FastAPI 422; a missing required key: the old
// 400), then the mutation decides: 401/403, 404 for an unknown rule (both paths), 422 for values
// that are no valid rule, 409 for a reused idempotency key, 503 when the write may not have landed.
import { parseCreate, parsePatch } from '../../domain/alert-rules.js';
import type { AlertIssue, RuleValues } from '../../domain/alerts.js';
import { MISSING_BODY, readObjectBody, validationBody } from '../../rest/v1/body.js';
import {
  executeDocument,
  legacyJson,
  rolloutHeaders,
  type ShimRequest,
} from '../../rest/v1/execute.js';
import { detailBody, type ParseResult } from '../../rest/v1/params.js';
import { FLAG, pathParams, queryParams, REQUIRED_KEYS } from './spec.js';

const RESULT = /* GraphQL */ `
  __typename
  ... on AlertRuleSaved { rule { id } }
  ... on InvalidAlertRuleInput { issues { path type message input context } }
  ... on AlertRuleWriteConflict { message }
`;
const CREATE = `mutation LegacyCreateAlertRule($input: CreateAlertRuleInput!) { createAlertRule(input: $input) { ${RESULT} } }`;
const UPDATE = `mutation LegacyUpdateAlertRule($id: ID!, $input: UpdateAlertRuleInput!) { updateAlertRule(id: $id, input: $input) { ${RESULT} } }`;

type Issue = { path: string[]; type: string; message: string; input: unknown; context: unknown };
type Answer = {
  __typename: string;
  rule?: { id: string };
  issues?: Issue[];
  message?: string;
};

const STATUS_OF_CODE: Record<string, number> = {
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  BAD_USER_INPUT: 400,
  WRITE_OUTCOME_UNKNOWN: 503,
  WRITE_NOT_APPLIED: 503,
};

/** One pydantic error entry located in the body. */
function entry(i: {
  path: (string | number)[];
  type: string;
  msg: string;
  input: unknown;
  ctx?: unknown;
}) {
  const loc = [
    'body',
    ...i.path.map((p) => (typeof p === 'string' && /^\d+$/.test(p) ? Number(p) : p)),
  ];
  const ctx = i.ctx === undefined || i.ctx === null ? '' : `,"ctx":${JSON.stringify(i.ctx)}`;
  return `{"type":${JSON.stringify(i.type)},"loc":${JSON.stringify(loc)},"msg":${JSON.stringify(i.msg)},"input":${JSON.stringify(i.input ?? null)}${ctx}}`;
}

const issuesBody = (issues: readonly AlertIssue[]) => validationBody(issues.map(entry));

function paramEntries(...results: ParseResult<unknown>[]): string[] {
  return results.flatMap((r) => (r.ok ? [] : r.errors.map((e) => JSON.stringify(e))));
}

/**
 * GraphQL input fields of validated values (enum values by their GraphQL names). Absent keys are
 * left out (graphql-jit would read an undefined field as null, which means "the default").
 */
function inputOf(v: Partial<RuleValues>): Record<string, unknown> {
  const upper = (s: string | undefined) => s?.toUpperCase();
  return withoutUndefined({
    name: v.name,
    cameraId: v.camera_id,
    ruleType: upper(v.rule_type),
    conditions: v.conditions && {
      eventType: v.conditions.event_type,
      cameraId: v.conditions.camera_id,
      threshold: v.conditions.threshold,
      windowSeconds: v.conditions.window_seconds,
      cooldownSeconds: v.conditions.cooldown_seconds,
    },
    notificationChannels: v.notification_channels?.map((c) =>
      c.type === 'log'
        ? { type: 'LOG' }
        : { type: 'WEBHOOK', url: c.url, timeoutMs: c.timeout_ms, retries: c.retries },
    ),
    recipients: v.recipients,
    enabled: v.enabled,
    priority: upper(v.priority),
  });
}

function withoutUndefined(o: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) {
    if (v === undefined) continue;
    out[k] =
      v !== null && typeof v === 'object' && !Array.isArray(v)
        ? withoutUndefined(v as Record<string, unknown>)
        : Array.isArray(v)
          ? v.map((x) => (x && typeof x === 'object' ? withoutUndefined(x) : x))
          : v;
  }
  return out;
}

/** Keys not applied, URL-encoded (header values are ASCII), for X-Ignored-Keys. */
function ignoredHeader(keys: readonly string[]): Record<string, string> {
  return keys.length === 0 ? {} : { 'x-ignored-keys': keys.map(encodeURIComponent).join(', ') };
}

async function answer(
  shim: ShimRequest,
  document: string,
  variables: Record<string, unknown>,
  failed: string,
  ok: (a: Answer) => string,
  extraHeaders: Record<string, string>,
  notFound?: string,
): Promise<Response> {
  const result = await executeDocument<Record<string, Answer>>(shim, document, variables);
  const headers = { ...rolloutHeaders(result.rollout?.[FLAG]), ...extraHeaders };
  const error = result.errors?.[0];
  if (error) {
    const status = STATUS_OF_CODE[String(error.extensions?.code ?? '')];
    if (status === undefined) return legacyJson(detailBody(failed), 500, headers);
    const http = error.extensions?.http as { headers?: Record<string, string> } | undefined;
    const challenge = http?.headers?.['www-authenticate'];
    return legacyJson(detailBody(error.message), status, {
      ...headers,
      ...(challenge ? { 'www-authenticate': challenge } : {}),
    });
  }
  const a = Object.values(result.data ?? {})[0];
  switch (a?.__typename) {
    case 'AlertRuleSaved':
      return legacyJson(ok(a), 200, headers);
    case 'AlertRuleNotFound':
      return legacyJson(detailBody(`告警规则不存在: ${notFound}`), 404, headers);
    case 'InvalidAlertRuleInput':
      return legacyJson(
        validationBody(
          (a.issues ?? []).map((i) =>
            entry({ path: i.path, type: i.type, msg: i.message, input: i.input, ctx: i.context }),
          ),
        ),
        422,
        headers,
      );
    case 'AlertRuleWriteConflict':
      return legacyJson(detailBody(a.message ?? 'Conflict'), 409, headers);
    default:
      return legacyJson(detailBody(failed), 500, headers);
  }
}

export async function createAlertRule(shim: ShimRequest, url: URL): Promise<Response> {
  const query = queryParams.parse(url.searchParams);
  const body = await readObjectBody(shim.request);
  if (!body.ok && 'status' in body) return legacyJson(body.body, body.status);
  const bodyEntries = body.ok ? (body.value === undefined ? [MISSING_BODY] : []) : [body.entry];
  const entries = [...paramEntries(query), ...bodyEntries];
  if (entries.length > 0 || !query.ok || !body.ok || body.value === undefined) {
    return legacyJson(validationBody(entries), 422);
  }
  const missing = REQUIRED_KEYS.find((k) => !Object.hasOwn(body.value!, k));
  if (missing) return legacyJson(detailBody(`缺少必填字段: ${missing}`), 400);
  const parsed = parseCreate(body.value);
  if (!parsed.ok) return legacyJson(issuesBody(parsed.issues), 422);
  const { values, createdBy } = parsed.value;
  return answer(
    shim,
    CREATE,
    {
      input: withoutUndefined({
        ...inputOf(values),
        createdBy,
        forceDomain: query.value.force_domain,
      }),
    },
    '创建告警规则失败',
    (a) => `{"ok":true,"id":${a.rule?.id}}`,
    ignoredHeader(parsed.ignoredKeys),
  );
}

export async function updateAlertRule(
  shim: ShimRequest,
  url: URL,
  path: Record<string, string>,
): Promise<Response> {
  const ids = pathParams.parse(path);
  const query = queryParams.parse(url.searchParams);
  const body = await readObjectBody(shim.request);
  if (!body.ok && 'status' in body) return legacyJson(body.body, body.status);
  const entries = [...paramEntries(ids, query), ...(body.ok ? [] : [body.entry])];
  if (entries.length > 0 || !ids.ok || !query.ok || !body.ok) {
    return legacyJson(validationBody(entries), 422);
  }
  // No body or JSON null: the old default, an empty change.
  const parsed = parsePatch(body.value ?? {});
  if (!parsed.ok) return legacyJson(issuesBody(parsed.issues), 422);
  const id = ids.value.rule_id.toString();
  return answer(
    shim,
    UPDATE,
    {
      id,
      input: withoutUndefined({ ...inputOf(parsed.value), forceDomain: query.value.force_domain }),
    },
    '更新告警规则失败',
    () => '{"ok":true}',
    ignoredHeader(parsed.ignoredKeys),
    id,
  );
}
