// Fuzzing the listening gateway (node:http + the app on port 0, with and without graphql-jit):
// random request lines, percent-escapes, methods, targets, headers and bodies over raw sockets,
// and random GraphQL documents and variables. Whatever arrives, the answer is below 500, carries
// no stack trace, and nothing is counted as an unexpected error or a domain fallback.
// FUZZ_RUNS sets the cases per property (default 400: about 3,200 requests in all).
import fc from 'fast-check';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../doubles/silent-logger.js';
import { buildApp, tempLogPath, writeLog } from '../helpers/app.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { httpText, type Listening, listen, rawRequest } from '../helpers/server.js';

const RUNS = Number(process.env.FUZZ_RUNS ?? 400);
const STACK = /\n\s+at \S|node_modules|\.[cm]?[jt]s:\d+:\d+/;

// ---- raw HTTP ----

const percentEscape = fc.constantFrom(
  '%',
  '%z',
  '%zz',
  '%ff',
  '%00',
  '%E0%A4',
  '%2F',
  '%C3%A9',
  '%25',
  '%u1234',
);
const segment = fc.oneof(
  fc.constantFrom(
    'api',
    'v1',
    'events',
    'recent',
    'statistics',
    'realtime',
    'records',
    'violations',
    'status',
    'graphql',
    'health',
    'ready',
    'metrics',
    'openapi.json',
    '123',
    '',
    '..',
    '.',
  ),
  fc.string({ maxLength: 8 }).map(encodeURIComponent),
  percentEscape,
);
const path = fc.oneof(
  fc
    .array(
      fc.oneof(
        segment,
        fc.tuple(segment, percentEscape).map(([a, b]) => a + b),
      ),
      { maxLength: 6 },
    )
    .map((parts) => `/${parts.join('/')}`),
  segment.map((id) => `/api/v1/records/violations/${id}/status`),
  fc.constantFrom(
    '/api/v1/events/recent',
    '/api/v1/statistics/realtime',
    '/api/v1/records/violations/1/status',
    '/graphql',
  ),
);
const queryString = fc
  .array(
    fc.tuple(
      fc.constantFrom(
        'limit',
        'minutes',
        'etype',
        'camera_id',
        'status',
        'notes',
        'force_domain',
        'query',
        'variables',
        'x',
      ),
      fc.oneof(
        fc.string({ maxLength: 10 }).map(encodeURIComponent),
        percentEscape,
        fc.integer().map(String),
      ),
    ),
    { maxLength: 4 },
  )
  .map((pairs) => (pairs.length ? `?${pairs.map(([k, v]) => `${k}=${v}`).join('&')}` : ''));
const target = fc.oneof(
  { weight: 6, arbitrary: fc.tuple(path, queryString).map(([p, q]) => p + q) },
  fc
    .tuple(
      fc.constantFrom(
        'http://gateway.test',
        'https://h:1',
        'http://[::1]:80',
        'ftp://x',
        'http://a b',
        'http://',
      ),
      path,
    )
    .map(([a, p]) => a + p),
  fc.constantFrom('*', 'gateway.test:443', 'garbage', '//double', '/%'),
);
const method = fc.constantFrom(
  'GET',
  'POST',
  'PUT',
  'HEAD',
  'OPTIONS',
  'DELETE',
  'PATCH',
  'TRACE',
  'CONNECT',
  'PROPFIND',
  'PURGE',
  'MKCOL',
  'QUERY',
  'M-SEARCH',
);
const headerValue = fc.oneof(
  fc.string({ maxLength: 20 }).map((s) => s.replace(/[\r\n]/g, '')),
  fc.constantFrom(
    'application/json',
    'application/graphql-response+json',
    'text/event-stream',
    'multipart/form-data; boundary=x',
    'null',
    'Bearer x',
    'domain',
    'legacy',
    '*/*',
    '',
  ),
);
const headers = fc.dictionary(
  fc.constantFrom(
    'content-type',
    'accept',
    'origin',
    'authorization',
    'x-rollout-force',
    'x-rollout-key',
    'x-request-id',
    'idempotency-key',
    'host',
    'access-control-request-method',
    'accept-encoding',
    'Bad Header',
    'transfer-encoding',
  ),
  headerValue,
  { maxKeys: 4 },
);
const body = fc.oneof(
  fc.constant(''),
  fc.string({ maxLength: 40 }),
  fc.json({ maxDepth: 3 }),
  fc.constantFrom(
    '{"query":"{ __typename }"}',
    '{"query":1}',
    '{"query":"{ recentEvents(etype: \\"\\u0000\\") { ts } }"}',
    '[]',
    'null',
  ),
);

function requestText(m: string, t: string, h: Record<string, string>, b: string): string {
  const all: Record<string, string> = { ...h };
  if (all['transfer-encoding'] !== undefined) all['transfer-encoding'] = 'chunked';
  const bytes = Buffer.byteLength(b);
  const payload = all['transfer-encoding'] ? `${bytes.toString(16)}\r\n${b}\r\n0\r\n\r\n` : b;
  if (!all['transfer-encoding'] && bytes > 0) all['content-length'] = String(bytes);
  return httpText(m, t, all, payload);
}

// ---- GraphQL ----

const scalar = fc.oneof(
  fc.integer({ min: -(2 ** 40), max: 2 ** 40 }).map(String),
  fc.double({ noNaN: true, noDefaultInfinity: true }).map((n) => JSON.stringify(n)),
  fc.string({ maxLength: 8 }).map((s) => JSON.stringify(s)),
  fc.constantFrom(
    'null',
    'true',
    'CONFIRMED',
    '"\\u0000"',
    '"\\ud800"',
    '[1, 2]',
    '{ id: 1 }',
    '$v',
    '$missing',
    '"v1:99999999999999999:1"',
  ),
);
const argName = fc.constantFrom(
  'limit',
  'minutes',
  'etype',
  'cameraId',
  'forceDomain',
  'id',
  'first',
  'after',
  'status',
  'flag',
  'reason',
  'percent',
  'steps',
  'input',
  'name',
  'x',
);
const args = fc
  .array(fc.tuple(argName, scalar), { maxLength: 3 })
  .map((pairs) => (pairs.length ? `(${pairs.map(([n, v]) => `${n}: ${v}`).join(', ')})` : ''));
const selection = fc.constantFrom(
  '{ ts type }',
  '{ __typename }',
  '{ timestamp camera { id name region { name } } }',
  '{ edges { cursor node { id status history { path } } } pageInfo { endCursor } }',
  '{ flag percent counters { fallbacks { count } } }',
  '{ queryType { name } }',
  '{ __typename ... on UpdateViolationStatusSuccess { replayed } }',
  '',
);
const rootField = fc
  .tuple(
    fc.constantFrom(
      'recentEvents',
      'realtimeStatistics',
      'violations',
      'violation',
      'rollouts',
      'rolloutChanges',
      '__schema',
      '__type',
      '__typename',
      'updateViolationStatus',
      'setRolloutPercentage',
      'killRollout',
      'nope',
    ),
    args,
    selection,
  )
  .map(([f, a, s]) => `${f}${a} ${s}`);
const documentText = fc.oneof(
  {
    weight: 4,
    arbitrary: fc
      .tuple(
        fc.constantFrom(
          '',
          'query',
          'mutation',
          'subscription',
          'query Q($v: String)',
          'mutation ($v: Int)',
        ),
        fc.array(rootField, { minLength: 1, maxLength: 3 }),
      )
      .map(([op, fields]) => `${op} { ${fields.join(' ')} }`),
  },
  fc.string({ maxLength: 30 }),
  fc.constantFrom(
    '{',
    '{ a',
    'fragment F on Query { ...F } { ...F }',
    '{ recentEvents { ...on Event { ts } } }',
    '#',
  ),
);
const variables = fc.oneof(
  fc.constant(undefined),
  fc.dictionary(fc.constantFrom('v', 'input', 'x'), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 2 }),
  fc.jsonValue({ maxDepth: 1 }),
);

describe('fuzzing the listening gateway', () => {
  let database: TestDatabase;
  const servers: { jit: boolean; app: ReturnType<typeof buildApp>; server: Listening }[] = [];

  beforeAll(async () => {
    database = await createTestDatabase('pglite');
    const eventLogPath = await tempLogPath();
    await writeLog(eventLogPath, []);
    for (const graphqlJit of [true, false]) {
      const app = buildApp(database.handle, {
        logger: process.env.FUZZ_LOG ? pino({ level: 'warn' }) : silentLogger,
        config: { eventLogPath, graphqlJit, bodyLimitBytes: 4096 },
      });
      await app.rolloutReady;
      servers.push({ jit: graphqlJit, app, server: await listen(app) });
    }
  });

  afterAll(async () => {
    for (const { app, server } of servers) {
      await server.close();
      await app.close();
    }
    await database?.drop();
  });

  const expectSound = (answer: { status: number; body: string }, request: string) => {
    expect(answer.status, request).toBeGreaterThanOrEqual(100);
    expect(answer.status, `${request}\n${answer.body}`).toBeLessThan(500);
    expect(answer.body, request).not.toMatch(STACK);
  };

  it('answers every random HTTP request below 500, without a stack trace', async () => {
    await fc.assert(
      fc.asyncProperty(method, target, headers, body, async (m, t, h, b) => {
        const text = requestText(m, t, h, b);
        for (const { server } of servers) expectSound(await rawRequest(server.port, text), text);
      }),
      { numRuns: RUNS },
    );
  });

  it('answers every random GraphQL document and variables below 500, without a stack trace', async () => {
    await fc.assert(
      fc.asyncProperty(documentText, variables, fc.boolean(), async (query, vars, viaGet) => {
        const payload = JSON.stringify({ query, variables: vars });
        const text = viaGet
          ? httpText(
              'GET',
              `/graphql?query=${encodeURIComponent(query)}${vars === undefined ? '' : `&variables=${encodeURIComponent(JSON.stringify(vars))}`}`,
              { accept: 'application/json' },
            )
          : requestText('POST', '/graphql', { 'content-type': 'application/json' }, payload);
        for (const { server } of servers) expectSound(await rawRequest(server.port, text), text);
      }),
      { numRuns: RUNS },
    );
  });

  it('counted no unexpected error and no domain fallback along the way', async () => {
    for (const { app, jit } of servers) {
      const text = await (await app.fetch('http://gateway/metrics')).text();
      const counted = text
        .split('\n')
        .filter((line) =>
          /^gateway_(http_unexpected_errors_total|graphql_unexpected_errors_total|rollout_fallbacks_total)/.test(
            line,
          ),
        )
        .filter((line) => !line.endsWith(' 0'));
      expect(counted, `graphqlJit=${jit}`).toEqual([]);
    }
  });
});
