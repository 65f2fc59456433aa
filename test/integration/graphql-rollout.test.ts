// The @rollout fields through /graphql: decisions reported in extensions.rollout, sticky per
// key, forcing by policy, fallback on failure and timeout (counted), argument bounds, and
// DataLoader batching on both paths.
import { beforeAll, describe, expect, it } from 'vitest';
import { capturedLogger } from '../doubles/captured-logger.js';
import { StaticRolloutState } from '../doubles/static-rollout-state.js';
import { IN_WINDOW } from '../fixtures/legacy-log.js';
import { buildApp, gql, ingestedFixtureLog } from '../helpers/app.js';
import { describeEachDb } from '../helpers/db.js';

const RECENT = `query($limit: Int, $force: Boolean) {
  recentEvents(limit: $limit, forceDomain: $force) { ts type cameraId camera { id name region { name } } region { name } }
}`;

describeEachDb('@rollout fields over /graphql', (db, _kind, queries) => {
  let logPath: string;
  beforeAll(async () => {
    logPath = await ingestedFixtureLog(db());
  });

  const app = (percent: number, extra: Parameters<typeof buildApp>[1] = {}) =>
    buildApp(db(), {
      rolloutState: new StaticRolloutState({
        'events.recent': percent,
        'statistics.realtime': percent,
      }),
      ...extra,
      config: { eventLogPath: logPath, ...extra.config },
    });

  it('reports the path, reason, fallback and percentage of every rollout field', async () => {
    const answer = await gql(
      app(100),
      '{ recentEvents(limit: 1) { ts } realtimeStatistics { source } }',
      {},
      {
        'x-rollout-key': 'user-1',
      },
    );
    expect(answer.body.errors).toBeUndefined();
    expect(answer.body.extensions.rollout).toEqual({
      'events.recent': { path: 'domain', reason: 'bucket', fallback: false, percent: 100 },
      'statistics.realtime': { path: 'domain', reason: 'bucket', fallback: false, percent: 100 },
    });
    expect(answer.body.data.realtimeStatistics.source).toBe('DOMAIN');
  });

  it('gives the same answer on both paths, newest first by timestamp', async () => {
    const domain = await gql(app(100), RECENT, {}, { 'x-rollout-key': 'k' });
    const legacy = await gql(app(0), RECENT, {}, { 'x-rollout-key': 'k' });
    expect(domain.body.extensions.rollout['events.recent'].path).toBe('domain');
    expect(legacy.body.extensions.rollout['events.recent'].path).toBe('legacy');
    expect(domain.body.data).toEqual(legacy.body.data);
    expect(domain.body.data.recentEvents.map((e: { ts: number }) => e.ts)).toEqual(
      IN_WINDOW.map((r) => JSON.parse(r.json.replace('NaN', 'null')).ts),
    );
    expect(domain.body.data.recentEvents[0].camera).toEqual({
      id: 'cam0',
      name: expect.any(String),
      region: { name: expect.any(String) },
    });
  });

  it('keeps one caller on one path: the same key always takes the same side', async () => {
    const gateway = app(50);
    const paths = new Set<string>();
    for (let i = 0; i < 5; i++) {
      const answer = await gql(
        gateway,
        '{ recentEvents(limit: 1) { ts } }',
        {},
        { 'x-rollout-key': 'sticky' },
      );
      paths.add(answer.body.extensions.rollout['events.recent'].path);
    }
    expect(paths.size).toBe(1);
    const sides = new Set<string>();
    for (let i = 0; i < 40; i++) {
      const answer = await gql(
        gateway,
        '{ recentEvents(limit: 1) { ts } }',
        {},
        { 'x-rollout-key': `u${i}` },
      );
      sides.add(answer.body.extensions.rollout['events.recent'].path);
    }
    expect(sides).toEqual(new Set(['domain', 'legacy']));
  });

  it('honours forceDomain in development and reports it ignored in production', async () => {
    const dev = await gql(app(0), RECENT, { limit: 1, force: true });
    expect(dev.body.extensions.rollout['events.recent']).toMatchObject({
      path: 'domain',
      reason: 'forced',
    });
    const operatorToken = 'operator-token-0123456789';
    const production = app(0, {
      config: {
        nodeEnv: 'production',
        apiTokens: [{ name: 'ops', token: operatorToken, scopes: ['rollout:admin'] }],
      },
    });
    const prod = await gql(production, RECENT, { limit: 1, force: true });
    expect(prod.body.extensions.rollout['events.recent']).toMatchObject({
      path: 'legacy',
      forceIgnored: true,
    });
    const operator = await gql(
      production,
      RECENT,
      { limit: 1, force: true },
      { authorization: `Bearer ${operatorToken}` },
    );
    expect(operator.body.extensions.rollout['events.recent']).toMatchObject({
      path: 'domain',
      reason: 'forced',
    });
  });

  it('falls back to legacy when the domain path fails, and counts it', async () => {
    const gateway = app(100, {
      services: {
        events: { domain: { recentEvents: () => Promise.reject(new Error('db down')) } },
      },
    });
    const answer = await gql(gateway, '{ recentEvents { ts } }', {}, { 'x-rollout-key': 'k' });
    expect(answer.body.data.recentEvents).toHaveLength(IN_WINDOW.length);
    expect(answer.body.extensions.rollout['events.recent']).toMatchObject({
      path: 'legacy',
      fallback: true,
      fallbackCause: 'error',
    });
    const metrics = await (await gateway.fetch('http://gateway/metrics')).text();
    expect(metrics).toMatch(
      /gateway_rollout_fallbacks_total\{flag="events.recent",cause="error"\} 1/,
    );
    expect(metrics).toMatch(
      /gateway_rollout_path_errors_total\{flag="events.recent",path="domain"\} 1/,
    );
    expect(metrics).toMatch(
      /gateway_rollout_path_errors_total\{flag="events.recent",path="legacy"\} 0/,
    );
  });

  it('falls back when the domain path exceeds its time budget', async () => {
    const gateway = app(100, {
      config: { domainTimeoutMs: 20 },
      services: { events: { domain: { recentEvents: () => new Promise(() => {}) } } },
    });
    const answer = await gql(gateway, '{ recentEvents { ts } }', {}, { 'x-rollout-key': 'k' });
    expect(answer.body.data.recentEvents).toHaveLength(IN_WINDOW.length);
    expect(answer.body.extensions.rollout['events.recent'].fallbackCause).toBe('timeout');
  });

  it('masks an unexpected error when both paths fail, and logs it once', async () => {
    const boom = { recentEvents: () => Promise.reject(new Error('secret detail')) };
    const { logger, lines } = capturedLogger('error');
    const answer = await gql(
      app(100, { logger, services: { events: { domain: boom, legacy: boom } } }),
      '{ recentEvents { ts } }',
    );
    expect(answer.body.errors[0].message).toBe('Unexpected error.');
    expect(JSON.stringify(answer.body)).not.toContain('secret detail');
    // One line, with its cause: yoga logs every error it masks too, which made it two.
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      msg: 'graphql: unexpected error',
      err: { message: 'secret detail' },
    });
  });

  it.each([true, false])(
    'answers a REST caller 500 when both paths fail, and logs and counts it once (graphql-jit: %s)',
    async (graphqlJit) => {
      const boom = { recentEvents: () => Promise.reject(new Error('secret detail')) };
      const { logger, lines } = capturedLogger('error');
      const gateway = app(100, {
        logger,
        services: { events: { domain: boom, legacy: boom } },
        config: { graphqlJit },
      });
      const response = await gateway.fetch('http://gateway/api/v1/events/recent?limit=5');
      expect(response.status).toBe(500);
      expect(await response.text()).toBe('Internal Server Error');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatchObject({
        msg: 'graphql: unexpected error',
        err: { message: 'secret detail' },
      });
      const metrics = await (await gateway.fetch('http://gateway/metrics')).text();
      expect(metrics).toContain('gateway_graphql_unexpected_errors_total 1');
    },
  );

  it.each([
    ['limit', 0],
    ['limit', 1001],
    ['minutes', 0],
    ['minutes', 1441],
  ])('rejects %s = %i as BAD_USER_INPUT', async (name, value) => {
    const answer = await gql(app(0), `{ recentEvents(${name}: ${value}) { ts } }`);
    expect(answer.body.errors[0].extensions.code).toBe('BAD_USER_INPUT');
    expect(answer.body.errors[0].message).toContain(name);
  });

  describe.each([0, 100])('at %i%%', (percent) => {
    it('loads cameras and regions with one query each for all events', async () => {
      queries().length = 0;
      const answer = await gql(app(percent), RECENT, {}, { 'x-rollout-key': 'k' });
      expect(answer.body.data.recentEvents.length).toBe(IN_WINDOW.length);
      const q = queries();
      expect(q.filter((s) => /from "cameras"/.test(s))).toHaveLength(1);
      expect(q.filter((s) => /from "regions"/.test(s)).length).toBeLessThanOrEqual(2);
    });
  });
});
