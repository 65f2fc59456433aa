// `rollout verify`: the old phase-verification shell script as code. Calls each REST shim and the
// GraphQL field of a flag twice, once routed as an ordinary caller and once forced onto the
// domain path, and checks status, content type, the response shape and the rollout report: a
// fallback to legacy, an ignored force or a stale percentage is a failure, because a domain path
// that silently falls back would otherwise pass every check.
import type { AdminClient } from './rollout-client.js';

export interface CheckResult {
  name: string;
  ok: boolean;
  status: number | null;
  detail: string;
  ms: number;
}

export interface VerifyOptions {
  /** Only the endpoints of this flag; default every flag. */
  flag?: string | undefined;
  /** The percentage the gateway must report for `flag` (after a change). */
  expectPercent?: number | undefined;
}

type Shape = (body: unknown) => boolean;
interface Endpoint {
  flag: string;
  rest: { path: string; shape: Shape };
  graphql: { field: string; selection: string; shape: Shape };
}

/** The sticky key of verification requests: a stable caller, like the old script. */
const VERIFY_KEY = 'rollout-verify';

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

const ENDPOINTS: Endpoint[] = [
  {
    flag: 'events.recent',
    rest: {
      path: '/api/v1/events/recent?limit=5',
      shape: (b) => Array.isArray(b) && b.every((e) => isObject(e) && 'ts' in e),
    },
    graphql: {
      field: 'recentEvents',
      selection: 'recentEvents(limit: 5, forceDomain: $force) { timestamp type cameraId }',
      shape: (b) =>
        Array.isArray(b) && b.every((e) => isObject(e) && typeof e.timestamp === 'string'),
    },
  },
  {
    flag: 'statistics.realtime',
    rest: {
      path: '/api/v1/statistics/realtime',
      shape: (b) =>
        isObject(b) &&
        typeof b.system_status === 'string' &&
        isObject(b.detection_stats) &&
        typeof b.detection_stats.total_detections_today === 'number' &&
        ['region_stats', 'performance_metrics', 'alerts'].every((k) => isObject(b[k])),
    },
    graphql: {
      field: 'realtimeStatistics',
      selection:
        'realtimeStatistics(forceDomain: $force) { systemStatus detectionStats { totalDetectionsToday } }',
      shape: (b) => isObject(b) && typeof b.systemStatus === 'string' && isObject(b.detectionStats),
    },
  },
];

export async function verify(
  client: AdminClient,
  options: VerifyOptions = {},
): Promise<CheckResult[]> {
  const endpoints = ENDPOINTS.filter((e) => !options.flag || e.flag === options.flag);
  const results: CheckResult[] = [];
  if (endpoints.length === 0) {
    // Nothing checked must not read as "all passed" (a `run` would promote blind): fail closed.
    const detail = `no read checks for ${options.flag}: verify it by hand (writes are not replayed)`;
    return [{ name: `flag ${options.flag}`, ok: false, status: null, detail, ms: 0 }];
  }
  for (const endpoint of endpoints) {
    const expect = endpoint.flag === options.flag ? options.expectPercent : undefined;
    for (const forced of [false, true]) {
      results.push(
        await timed(`GET ${endpoint.rest.path}`, forced, () => rest(client, endpoint, forced)),
      );
      results.push(
        await timed(`GraphQL ${endpoint.graphql.field}`, forced, () =>
          graphql(client, endpoint, forced, expect),
        ),
      );
    }
  }
  return results;
}

export function formatReport(results: CheckResult[]): string {
  const width = Math.max(...results.map((r) => r.name.length));
  const lines = results.map(
    (r) =>
      `${r.ok ? 'PASS' : 'FAIL'}  ${r.name.padEnd(width)}  ${String(r.status ?? '---')}  ${r.ms} ms  ${r.detail}`,
  );
  const failed = results.filter((r) => !r.ok).length;
  lines.push(
    failed === 0
      ? `verify: all ${results.length} checks passed`
      : `verify: ${failed} of ${results.length} checks failed`,
  );
  return lines.join('\n');
}

type Outcome = { status: number | null; problems: string[]; detail: string };

async function timed(
  name: string,
  forced: boolean,
  run: () => Promise<Outcome>,
): Promise<CheckResult> {
  const started = performance.now();
  const label = `${name}${forced ? ' [forced domain]' : ''}`;
  let outcome: Outcome;
  try {
    outcome = await run();
  } catch (error) {
    outcome = {
      status: null,
      problems: [`request failed: ${(error as Error).message}`],
      detail: '',
    };
  }
  const ok = outcome.problems.length === 0;
  return {
    name: label,
    ok,
    status: outcome.status,
    detail: ok ? outcome.detail : outcome.problems.join('; '),
    ms: Math.round(performance.now() - started),
  };
}

async function rest(client: AdminClient, endpoint: Endpoint, forced: boolean): Promise<Outcome> {
  const url = new URL(endpoint.rest.path, client.baseUrl);
  if (forced) url.searchParams.set('force_domain', 'true');
  const response = await client.fetchFn(url, {
    headers: { ...client.headers(), 'x-rollout-key': VERIFY_KEY },
  });
  const problems: string[] = [];
  if (response.status !== 200) problems.push(`status ${response.status}, expected 200`);
  if (!response.headers.get('content-type')?.includes('application/json')) {
    problems.push(
      `content-type ${response.headers.get('content-type')}, expected application/json`,
    );
  }
  const body: unknown = await response.json().catch(() => undefined);
  if (response.status === 200 && !endpoint.rest.shape(body)) problems.push('unexpected body shape');
  const path = response.headers.get('x-rollout-path');
  const reason = response.headers.get('x-rollout-reason');
  const fallback = response.headers.get('x-rollout-fallback');
  if (!path) problems.push('no X-Rollout-Path header');
  if (fallback && !['false', '0', ''].includes(fallback)) problems.push(`fallback (${fallback})`);
  checkForced(problems, forced, path, reason);
  return { status: response.status, problems, detail: `path=${path} reason=${reason}` };
}

async function graphql(
  client: AdminClient,
  endpoint: Endpoint,
  forced: boolean,
  expectPercent: number | undefined,
): Promise<Outcome> {
  const query = `query Verify($force: Boolean) { ${endpoint.graphql.selection} }`;
  const response = await client.fetchFn(new URL('/graphql', client.baseUrl), {
    method: 'POST',
    headers: {
      ...client.headers(),
      'content-type': 'application/json',
      'x-rollout-key': VERIFY_KEY,
    },
    body: JSON.stringify({ query, variables: { force: forced } }),
  });
  const body = (await response.json().catch(() => undefined)) as
    | {
        data?: Record<string, unknown>;
        errors?: { message: string }[];
        extensions?: Record<string, unknown>;
      }
    | undefined;
  const problems: string[] = [];
  if (response.status !== 200) problems.push(`status ${response.status}, expected 200`);
  if (body?.errors?.length)
    problems.push(`errors: ${body.errors.map((e) => e.message).join(' | ')}`);
  if (!endpoint.graphql.shape(body?.data?.[endpoint.graphql.field]))
    problems.push('unexpected data shape');
  const report = (
    body?.extensions?.rollout as Record<string, Record<string, unknown>> | undefined
  )?.[endpoint.flag];
  if (!report) problems.push(`no extensions.rollout["${endpoint.flag}"]`);
  if (report?.fallback) problems.push(`fallback to legacy (${String(report.fallbackCause)})`);
  checkForced(
    problems,
    forced,
    report?.path as string | undefined,
    report?.reason as string | undefined,
  );
  if (!forced && expectPercent !== undefined && report && report.percent !== expectPercent) {
    problems.push(`gateway serves ${String(report.percent)}%, expected ${expectPercent}%`);
  }
  const detail = `path=${String(report?.path)} reason=${String(report?.reason)} percent=${String(report?.percent)}`;
  return { status: response.status, problems, detail };
}

function checkForced(
  problems: string[],
  forced: boolean,
  path?: string | null,
  reason?: string | null,
) {
  if (!forced) return;
  // A force the gateway did not honour checks nothing about the domain path: fail closed.
  if (reason && reason !== 'forced')
    problems.push(`force ignored (reason=${reason}): use an operator token`);
  else if (path && path !== 'domain') problems.push(`served by ${path}, expected domain`);
}
