// What is measured: one request per scenario against one of the servers, and a check of its
// answer (run once before any load) so a fallback, an error or a wrong body cannot pass for speed.
import type { Request } from './load.js';

export type ServerName =
  | 'baseline'
  | 'gateway'
  | 'memory'
  | 'ab'
  | 'statistics-raw'
  | 'pglite'
  | 'before'
  | 'pglite-before';

export interface Answer {
  status: number;
  headers: Headers;
  body: string;
}

export interface Scenario {
  name: string;
  label: string;
  server: ServerName;
  request: Request;
  /** Concurrent connections; default: the run's (latency scenarios use 1). */
  connections?: number;
  /** Must answer the same bytes as the baseline. */
  sameAsBaseline?: boolean;
  /** Must answer the same bytes as this (earlier) scenario. */
  sameAs?: string;
  /** A problem with this answer, or undefined. */
  check(answer: Answer): string | undefined;
}

const RECENT = '/api/v1/events/recent?limit=100&minutes=60';
/** The baseline server's path answering what /graphql answers for recentEvents(limit: 100). */
export const GRAPHQL_BYTES = '/graphql-bytes?limit=100&minutes=60';
/** Operations of this name resolve Query.recentEvents without the @rollout runner (BENCH_AB). */
export const WITHOUT_ROLLOUT = 'BenchWithoutRollout';
/** The REST shim's GraphQL document (src/rest/v1/events.ts). */
const SHIM_DOCUMENT = `query LegacyRecentEvents($limit: Int, $minutes: Int, $etype: String, $cameraId: String, $forceDomain: Boolean) {
  recentEvents(limit: $limit, minutes: $minutes, etype: $etype, cameraId: $cameraId, forceDomain: $forceDomain) { logLine }
}`;
const FIELDS = 'timestamp type cameraId trackId evidence';
const STATISTICS = `{ realtimeStatistics {
  timestamp systemStatus source
  detectionStats { totalDetectionsToday handwashingDetections disinfectionDetections hairnetDetections violationCount }
  regionStats { activeRegions monitoredAreas }
  performanceMetrics { averageProcessingTime detectionAccuracy systemUptime }
  alerts { activeAlerts recentViolations { cameraId violationType timestamp } }
} }`;

/** Each request changes the status of another of the `violations` seeded violations. */
const UPDATE = `mutation($input: UpdateViolationStatusInput!) {
  updateViolationStatus(input: $input) { __typename ... on UpdateViolationStatusSuccess { violation { id status } } }
}`;
const STATUSES = ['CONFIRMED', 'RESOLVED', 'FALSE_POSITIVE', 'PENDING'];
function statusChanges(violations: number, headers: Record<string, string> = {}): Request {
  let n = 0;
  const nextBody = () => {
    n += 1;
    const id = String(1 + ((n * 7919) % violations));
    const status = STATUSES[n % STATUSES.length];
    return JSON.stringify({ query: UPDATE, variables: { input: { id, status } } });
  };
  return { method: 'POST', path: '/graphql', headers, body: nextBody(), nextBody };
}

const gql = (query: string, variables: Record<string, unknown> = {}): Request => ({
  method: 'POST',
  path: '/graphql',
  body: JSON.stringify({ query, variables }),
});

function rest(path: 'domain' | 'legacy') {
  return (a: Answer) => {
    if (a.status !== 200) return `status ${a.status}`;
    if (a.headers.get('x-rollout-path') !== path) return `path ${a.headers.get('x-rollout-path')}`;
    if (a.headers.has('x-rollout-fallback')) return 'fell back';
    return undefined;
  };
}

/** A GraphQL answer without errors, whose `flag` ran on `path` (undefined: no @rollout). */
function graphql(
  flag: string,
  path: 'domain' | 'legacy' | undefined,
  more?: (data: never) => string | undefined,
) {
  return (a: Answer) => {
    if (a.status !== 200) return `status ${a.status}`;
    const body = JSON.parse(a.body) as {
      data?: never;
      errors?: unknown[];
      extensions?: { rollout?: Record<string, { path: string; fallback: boolean }> };
    };
    if (body.errors) return JSON.stringify(body.errors).slice(0, 200);
    const report = body.extensions?.rollout?.[flag];
    if (path && (report?.path !== path || report.fallback))
      return `rollout ${JSON.stringify(report)}`;
    if (!path && report) return `unexpected rollout report ${JSON.stringify(report)}`;
    return more?.(body.data as never);
  };
}

const updated = (data: { updateViolationStatus: { __typename: string } }) =>
  data.updateViolationStatus.__typename === 'UpdateViolationStatusSuccess'
    ? undefined
    : data.updateViolationStatus.__typename;

const hundred = (data: { recentEvents: { camera?: { name: string } | null }[] }) =>
  data.recentEvents.length !== 100 ? `${data.recentEvents.length} events` : undefined;
const withCameras = (data: { recentEvents: { camera?: { name: string } | null }[] }) =>
  hundred(data) ?? (data.recentEvents.some((e) => !e.camera?.name) ? 'camera missing' : undefined);

/** Scenarios of the gateway that `--compare` also runs against the tree before a change. */
const COMPARED = [
  'shim-domain',
  'graphql-shim-doc',
  'shim-legacy',
  'graphql-fields',
  'pglite-shim-domain',
];

/**
 * The list, with each compared scenario followed by its run on the `before` server (its PGlite
 * twin for a PGlite scenario).
 */
export function scenarios(
  sizes: { detections: number; violations: number },
  loaded: Date,
  compare: boolean,
): Scenario[] {
  return list(sizes, loaded).flatMap((s) =>
    compare && COMPARED.includes(s.name)
      ? [
          s,
          {
            ...s,
            name: `before:${s.name}`,
            label: `(before) ${s.label}`,
            server: s.server === 'pglite' ? 'pglite-before' : 'before',
          },
        ]
      : [s],
  );
}

/**
 * The order of one round: scenarios compared with each other (a gateway scenario and its
 * `before:` run, the two sides of the A/B) swap places every other round, so neither side always
 * runs first on a server that has just been idle.
 */
export function roundOrder(all: Scenario[], round: number): Scenario[] {
  const group = (s: Scenario) => (s.server === 'ab' ? 'ab' : s.name.replace('before:', ''));
  const out: Scenario[] = [];
  for (let i = 0; i < all.length; ) {
    let j = i + 1;
    while (j < all.length && group(all[j]!) === group(all[i]!)) j++;
    const run = all.slice(i, j);
    out.push(...(round % 2 === 0 ? run.reverse() : run));
    i = j;
  }
  return out;
}

function list(
  { detections, violations }: { detections: number; violations: number },
  loaded: Date,
): Scenario[] {
  const statistics = (data: {
    realtimeStatistics: { detectionStats: { totalDetectionsToday: number } };
  }) => {
    const n = data.realtimeStatistics.detectionStats.totalDetectionsToday;
    // Loaded as today's: after midnight (UTC) they are yesterday's, and the check means nothing.
    const sameDay = new Date().toISOString().slice(0, 10) === loaded.toISOString().slice(0, 10);
    return n === detections || !sameDay ? undefined : `${n} detections today, not ${detections}`;
  };
  const legacyHeader = { 'x-rollout-force': 'legacy' };
  return [
    {
      name: 'baseline',
      label: 'baseline: node:http + postgres.js (prepared), same SQL and bytes',
      server: 'baseline',
      request: { method: 'GET', path: RECENT },
      check: (a) => (a.status === 200 && JSON.parse(a.body).length === 100 ? undefined : 'bad'),
    },
    {
      name: 'ceiling',
      label: 'ceiling: the same node:http process sending those bytes from memory (no database)',
      server: 'baseline',
      request: { method: 'GET', path: RECENT.replace('/api/v1/events/recent', '/ceiling') },
      sameAsBaseline: true,
      check: (a) => (a.status === 200 ? undefined : `status ${a.status}`),
    },
    {
      name: 'shim-domain',
      label: `REST shim ${RECENT}, domain path`,
      server: 'gateway',
      request: { method: 'GET', path: RECENT },
      sameAsBaseline: true,
      check: rest('domain'),
    },
    {
      name: 'shim-memory',
      label:
        "REST shim, recentEvents' domain path answering from memory (no database): the gateway's own layers",
      server: 'memory',
      request: { method: 'GET', path: RECENT },
      sameAsBaseline: true,
      check: rest('domain'),
    },
    {
      name: 'graphql-shim-doc',
      label: "/graphql, the shim's document (recentEvents { logLine }), domain",
      server: 'gateway',
      request: gql(SHIM_DOCUMENT, { limit: 100, minutes: 60 }),
      check: graphql('events.recent', 'domain', hundred),
    },
    {
      name: 'shim-legacy',
      label: 'REST shim, legacy path (backwards read of the JSONL log)',
      server: 'gateway',
      request: { method: 'GET', path: RECENT, headers: legacyHeader },
      sameAsBaseline: true,
      check: rest('legacy'),
    },
    {
      name: 'graphql-fields',
      label: `/graphql recentEvents(limit: 100) { ${FIELDS} }`,
      server: 'gateway',
      request: gql(`{ recentEvents(limit: 100) { ${FIELDS} } }`),
      check: graphql('events.recent', 'domain', hundred),
    },
    {
      name: 'baseline-graphql',
      label: `baseline for /graphql: node:http + postgres.js sending the bytes of recentEvents(limit: 100) { ${FIELDS} }`,
      server: 'baseline',
      request: { method: 'GET', path: GRAPHQL_BYTES },
      sameAs: 'graphql-fields',
      check: (a) => (a.status === 200 ? undefined : `status ${a.status}`),
    },
    {
      name: 'graphql-camera',
      label: '… the same + camera { name } (DataLoader)',
      server: 'gateway',
      request: gql(`{ recentEvents(limit: 100) { ${FIELDS} camera { name } } }`),
      check: graphql('events.recent', 'domain', withCameras),
    },
    {
      name: 'ab-with-rollout',
      label: "A/B process: /graphql, the shim's document, recentEvents under @rollout",
      server: 'ab',
      request: gql(SHIM_DOCUMENT, { limit: 100, minutes: 60 }),
      check: graphql('events.recent', 'domain', hundred),
    },
    {
      name: 'ab-without-rollout',
      label: 'A/B process: the same, recentEvents resolved without the @rollout runner',
      server: 'ab',
      request: gql(SHIM_DOCUMENT.replace('LegacyRecentEvents', WITHOUT_ROLLOUT), {
        limit: 100,
        minutes: 60,
      }),
      check: graphql('events.recent', undefined, hundred),
    },
    {
      name: 'pglite-shim-domain',
      label: 'REST shim, domain path, on PGlite (embedded default)',
      server: 'pglite',
      request: { method: 'GET', path: RECENT },
      sameAsBaseline: true,
      check: rest('domain'),
    },
    {
      name: 'write-domain',
      label: 'updateViolationStatus, domain path (transaction: lock, update, history row)',
      server: 'gateway',
      request: statusChanges(violations),
      check: graphql('violations.updateStatus', 'domain', updated),
    },
    {
      name: 'write-legacy',
      label: '… legacy path (the old single UPDATE)',
      server: 'gateway',
      request: statusChanges(violations, legacyHeader),
      check: graphql('violations.updateStatus', 'legacy', updated),
    },
    {
      name: 'statistics',
      label: '/graphql realtimeStatistics, 1 connection (per-minute rollup)',
      server: 'gateway',
      request: gql(STATISTICS),
      connections: 1,
      check: graphql('statistics.realtime', 'domain', statistics),
    },
    {
      name: 'statistics-raw',
      label: '… before the rollup: the raw aggregate over the day (bench/raw-statistics.ts)',
      server: 'statistics-raw',
      request: gql(STATISTICS),
      connections: 1,
      check: graphql('statistics.realtime', 'domain', statistics),
    },
  ];
}
