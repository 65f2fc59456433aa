// GraphQL operations run through graphql-jit by default (GRAPHQL_JIT). Front ends must not be
// able to tell: every document below, answers and errors alike, gets the same status and the
// same bytes with and without it; so does every legacy REST call (the shims run their documents
// through the same executor choice).
import { writeFile } from 'node:fs/promises';
import { getIntrospectionQuery } from 'graphql';
import { beforeAll, expect, it } from 'vitest';
import type { AppDeps } from '../../src/app.js';
import { seedReference } from '../../src/demo/seed.js';
import type { EventSource } from '../../src/domain/types.js';
import { createIngester } from '../../src/ingest/ingester.js';
import { logText } from '../fixtures/legacy-log.js';
import { tempLogPath } from '../helpers/app.js';
import { describeEachDb } from '../helpers/db.js';
import { bearer, seedViolations, TOKENS, UPDATE, violationApp } from '../helpers/violations.js';

interface Sent {
  query: string;
  operationName?: string;
  variables?: Record<string, unknown>;
  headers?: Record<string, string>;
}

const EVENT_FIELDS = `ts timestamp type cameraId trackId evidence camera { id name isActive region { id name } } region { name }`;

const READS: Record<string, Sent> = {
  'recent events with cameras and regions (domain)': {
    query: `{ recentEvents(limit: 50, minutes: 1440) { ${EVENT_FIELDS} } }`,
  },
  'recent events (legacy), filtered, with variables and an alias': {
    query: `query($t: String, $c: String) {
      latest: recentEvents(limit: 3, etype: $t, cameraId: $c) { __typename ts type cameraId }
    }`,
    variables: { t: 'HANDWASHING_ACTION', c: 'cam0' },
    headers: { 'x-rollout-key': 'legacy-caller' },
  },
  'fragments, @skip and @include': {
    query: `query($yes: Boolean!) {
      recentEvents(limit: 2) { ...E camera @include(if: $yes) { name } region @skip(if: $yes) { name } }
    }
    fragment E on Event { ts type }`,
    variables: { yes: true },
  },
  'realtime statistics': {
    query: `{ realtimeStatistics { timestamp systemStatus source
      detectionStats { totalDetectionsToday handwashingDetections disinfectionDetections hairnetDetections violationCount }
      regionStats { activeRegions monitoredAreas }
      performanceMetrics { averageProcessingTime detectionAccuracy systemUptimeSeconds }
      alerts { activeAlerts recentViolations { cameraId violationType timestamp } } } }`,
  },
  'violations page with history': {
    query: `{ violations(first: 3) { edges { cursor node { id cameraId occurredAt violationType
      trackId confidence bbox status notes camera { name } history { from to } } }
      pageInfo { hasNextPage endCursor } } }`,
  },
  'an argument out of bounds': { query: '{ recentEvents(limit: 5000) { ts } }' },
  'a variable of the wrong type': {
    query: 'query($n: Int) { recentEvents(limit: $n) { ts } }',
    variables: { n: 'ten' },
  },
  'a missing required variable': {
    query: 'query($id: ID!) { violation(id: $id) { id } }',
  },
  'errors on later lines (CRLF), beside data': {
    query:
      'query {\r\n  a: recentEvents(limit: 1) { ts }\r\n  b: violation(id: "x") { id }\r\n  c: violation(id: "-1") { id }\r\n}',
  },
  'an operation name the document does not have': {
    query: 'query A { __typename } query B { recentEvents(limit: 1) { ts } }',
    operationName: 'C',
  },
  'an unknown violation': { query: '{ violation(id: "999999") { id status } }' },
  'admin query without the scope': { query: '{ rollouts { flag percent } }' },
  'admin query with the scope': {
    query: '{ rollouts { flag percent paused killed version } }',
    headers: bearer(TOKENS.operator),
  },
  introspection: { query: getIntrospectionQuery() },
};

describeEachDb('graphql-jit execution', (db) => {
  let logPath: string;
  let violationIds: number[];
  beforeAll(async () => {
    logPath = await tempLogPath();
    await writeFile(logPath, logText());
    await seedReference(db());
    await createIngester({ handle: db(), logPath }).runOnce();
    violationIds = await seedViolations(db(), 6);
  });

  const apps = (services?: AppDeps['services']) =>
    [true, false].map((graphqlJit) =>
      violationApp(db(), {
        percent: 100,
        tokens: Object.values(TOKENS),
        config: { eventLogPath: logPath, graphqlJit },
        services,
      }),
    ) as [ReturnType<typeof violationApp>, ReturnType<typeof violationApp>];

  async function send(app: ReturnType<typeof violationApp>, sent: Sent) {
    const response = await app.fetch('http://gateway/graphql', {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-request-id': 'same-request-id',
        ...sent.headers,
      },
      body: JSON.stringify({
        query: sent.query,
        variables: sent.variables,
        operationName: sent.operationName,
      }),
    });
    return { status: response.status, text: await response.text() };
  }

  it.each(Object.entries(READS))('answers the same bytes: %s', async (_name, sent) => {
    const [jit, plain] = apps();
    const a = await send(jit, sent);
    const b = await send(plain, sent);
    expect(a).toEqual(b);
    expect(a.text.length).toBeGreaterThan(20);
  });

  it('runs the operation each request names, in a document of several', async () => {
    const document = `query Types { recentEvents(limit: 2, minutes: 1440) { type } }
      query Lines { recentEvents(limit: 2, minutes: 1440) { logLine } }`;
    for (const app of apps()) {
      const types = await send(app, { query: document, operationName: 'Types' });
      const lines = await send(app, { query: document, operationName: 'Lines' });
      expect(JSON.parse(types.text).data.recentEvents[0]).toEqual({ type: expect.any(String) });
      expect(JSON.parse(lines.text).data.recentEvents[0]).toEqual({
        logLine: expect.stringMatching(/^\{/),
      });
    }
  });

  it('masks an unexpected error the same way, at the same location', async () => {
    const broken = {
      recentEvents: () => Promise.reject(new Error('disk on fire')),
    } as unknown as EventSource;
    const [jit, plain] = apps({ events: { domain: broken, legacy: broken } });
    const sent = { query: '{\n  realtimeStatistics { source }\n  recentEvents { ts }\n}' };
    const [a, b] = [await send(jit, sent), await send(plain, sent)];
    expect(a.text).toContain('Unexpected error.');
    expect(a.text).not.toContain('disk on fire');
    expect(a).toEqual(b);
  });

  it('answers the same bytes for writes and their typed results', async () => {
    const [jit, plain] = apps();
    const [a, b, missing] = [violationIds[0]!, violationIds[1]!, 999_999];
    const write = (id: number, key: string) => ({
      query: UPDATE,
      variables: {
        input: { id: String(id), status: 'RESOLVED', notes: 'wiped', handledBy: 'amy' },
      },
      headers: { ...bearer(TOKENS.writer), 'idempotency-key': key },
    });
    const applied = [await send(jit, write(a, 'k-a')), await send(plain, write(b, 'k-b'))];
    expect(applied[0]!.text).toContain('UpdateViolationStatusSuccess');
    expect(applied[0]!.text.replaceAll(`"${a}"`, '"ID"')).toBe(
      applied[1]!.text.replaceAll(`"${b}"`, '"ID"'),
    );
    // The same key again: replayed; with another violation: a typed conflict; unknown: not found.
    for (const sent of [write(a, 'k-a'), write(b, 'k-a'), write(missing, 'k-m')]) {
      const [x, y] = [await send(jit, sent), await send(plain, sent)];
      expect(x).toEqual(y);
    }
    const unauthorised = { ...write(a, 'k-u'), headers: {} };
    expect(await send(jit, unauthorised)).toEqual(await send(plain, unauthorised));
  });

  it.each([
    ['GET', '/api/v1/events/recent?limit=50&minutes=1440', {}, 200, 'legacy'],
    ['GET', '/api/v1/events/recent?limit=50&minutes=1440&force_domain=true', {}, 200, 'domain'],
    ['GET', '/api/v1/events/recent?limit=3&etype=NO_HAIRNET_AT_SINK', {}, 200, 'legacy'],
    ['GET', '/api/v1/events/recent?limit=0', {}, 422, null],
    ['GET', '/api/v1/statistics/realtime', {}, 200, 'legacy'],
    ['GET', '/api/v1/alerts/rules', {}, 200, 'legacy'],
    ['GET', '/api/v1/alerts/history-db?limit=5', {}, 200, 'legacy'],
    ['PUT', '/api/v1/records/violations/1/status?status=resolved', {}, 401, null],
    [
      'PUT',
      '/api/v1/records/violations/999999/status?status=resolved',
      bearer(TOKENS.writer),
      404,
      'domain',
    ],
  ] as const)(
    'answers the same legacy REST call the same way: %s %s',
    async (method, path, headers, status, rollout) => {
      const answers = await Promise.all(
        apps().map(async (app) => {
          const response = await app.fetch(`http://gateway${path}`, {
            method,
            headers: { 'x-request-id': 'same-request-id', ...headers },
          });
          return {
            status: response.status,
            rollout: response.headers.get('x-rollout-path'),
            text: await response.text(),
          };
        }),
      );
      expect(answers[0]).toMatchObject({ status, rollout });
      expect(answers[0]).toEqual(answers[1]);
      expect(answers[0]!.text.length).toBeGreaterThan(1);
    },
  );
});
