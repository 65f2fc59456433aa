import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/env.js';
import { flagEnvName } from '../../src/rollout/flags.js';

const TOKENS = JSON.stringify([
  { name: 'ops', token: 'operator-token-0123456789', scopes: ['rollout:admin'] },
]);

describe('configuration', () => {
  it('defaults to the old service port, the embedded database and demo data', () => {
    const config = loadConfig({});
    expect(config.port).toBe(8000);
    expect(config.databaseUrl).toBeUndefined();
    expect(config.demo).toBe(true);
    expect(config.eventLogPath).toBe('logs/events/events_record.jsonl');
    expect(config.corsOrigins).toBe('*');
    expect(config.rolloutPercent['events.recent']).toBe(0);
  });

  it('turns demo data off by default when a PostgreSQL URL is configured', () => {
    const config = loadConfig({ DATABASE_URL: 'postgres://u@db:5432/app' });
    expect(config.databaseUrl).toBe('postgres://u@db:5432/app');
    expect(config.demo).toBe(false);
    expect(loadConfig({ DATABASE_URL: 'postgres://u@db/app', DEMO: 'on' }).demo).toBe(true);
  });

  it('seeds every flag from ROLLOUT_PERCENT and lets a per-flag variable override it', () => {
    const config = loadConfig({ ROLLOUT_PERCENT: '25', [flagEnvName('statistics.realtime')]: '5' });
    expect(flagEnvName('statistics.realtime')).toBe('ROLLOUT_PERCENT_STATISTICS_REALTIME');
    expect(config.rolloutPercent).toEqual({
      'events.recent': 25,
      'statistics.realtime': 5,
      'violations.updateStatus': 25,
      'events.stream': 25,
      'alerts.history': 25,
      'alerts.rules': 25,
      'alerts.rules.write': 25,
    });
  });

  it('bounds live subscriptions by default and reads the bounds from the environment', () => {
    expect(loadConfig({})).toMatchObject({
      subscriptionsMax: 1000,
      subscriptionQueueMax: 1000,
      subscriptionKeepAliveMs: 12_000,
    });
    expect(
      loadConfig({
        SUBSCRIPTIONS_MAX: '2',
        SUBSCRIPTION_QUEUE_MAX: '10',
        SUBSCRIPTION_KEEPALIVE_MS: '500',
      }),
    ).toMatchObject({
      subscriptionsMax: 2,
      subscriptionQueueMax: 10,
      subscriptionKeepAliveMs: 500,
    });
    expect(() => loadConfig({ SUBSCRIPTION_QUEUE_MAX: '0' })).toThrow(/SUBSCRIPTION_QUEUE_MAX/);
  });

  it('reads the alert settings, webhook hosts as a lower-case list', () => {
    expect(loadConfig({}).alerts).toEqual({
      evaluate: true,
      intervalMs: 1000,
      webhookHosts: [],
      webhookTimeoutMs: 5000,
      webhookRetries: 3,
      webhookBackoffMs: 500,
    });
    const config = loadConfig({
      ALERTS: 'off',
      ALERT_WEBHOOK_HOSTS: ' Hooks.Example.com, ops.local:8443 ,',
      ALERT_WEBHOOK_RETRIES: '0',
    });
    expect(config.alerts).toMatchObject({
      evaluate: false,
      webhookHosts: ['hooks.example.com', 'ops.local:8443'],
      webhookRetries: 0,
    });
    expect(() => loadConfig({ ALERT_WEBHOOK_RETRIES: '11' })).toThrow(ConfigError);
  });

  it('splits a list of CORS origins', () => {
    expect(
      loadConfig({ CORS_ORIGINS: 'https://a.example, https://b.example' }).corsOrigins,
    ).toEqual(['https://a.example', 'https://b.example']);
  });

  it('gives writes a time budget of 5 s unless WRITE_TIMEOUT_MS says otherwise', () => {
    expect(loadConfig({}).writeTimeoutMs).toBe(5000);
    expect(loadConfig({ WRITE_TIMEOUT_MS: '1500' }).writeTimeoutMs).toBe(1500);
    expect(() => loadConfig({ WRITE_TIMEOUT_MS: '0' })).toThrow(/WRITE_TIMEOUT_MS/);
  });

  it('requires explicit CORS origins in production and refuses what is not an origin', () => {
    const problems = (env: Record<string, string>) => {
      try {
        loadConfig({ API_TOKENS: TOKENS, ...env });
        return [];
      } catch (error) {
        return (error as ConfigError).problems;
      }
    };
    expect(problems({ NODE_ENV: 'production' })).toEqual([
      expect.stringMatching(/^CORS_ORIGINS: required when NODE_ENV=production/),
    ]);
    expect(problems({ NODE_ENV: 'production', CORS_ORIGINS: '*' })).toHaveLength(1);
    expect(problems({ NODE_ENV: 'production', CORS_ORIGINS: 'https://ui.example' })).toEqual([]);
    expect(
      problems({ CORS_ORIGINS: 'null, https://ui.example/app, ftp://x, https://ok.example' }),
    ).toHaveLength(3);
    expect(loadConfig({ CORS_ORIGINS: '*' }).corsOrigins).toBe('*');
  });

  it('opens introspection in development and keeps it for operators in production', () => {
    expect(loadConfig({}).graphqlIntrospection).toBe('on');
    const production = {
      NODE_ENV: 'production',
      API_TOKENS: TOKENS,
      CORS_ORIGINS: 'https://a.example',
    };
    expect(loadConfig(production).graphqlIntrospection).toBe('operators');
    expect(loadConfig({ ...production, GRAPHQL_INTROSPECTION: 'off' }).graphqlIntrospection).toBe(
      'off',
    );
    expect(() => loadConfig({ GRAPHQL_INTROSPECTION: 'maybe' })).toThrow(/GRAPHQL_INTROSPECTION/);
  });

  it('treats empty variables as unset', () => {
    expect(loadConfig({ PORT: '', DATABASE_URL: '' }).port).toBe(8000);
  });

  it('lists every invalid variable at once', () => {
    let error: unknown;
    try {
      loadConfig({
        PORT: 'eighty',
        ROLLOUT_PERCENT: '150',
        DEMO: 'maybe',
        DATABASE_URL: 'mysql://x',
        TIME_ZONE: 'Mars/Olympus',
        ROLLOUT_PERCENT_EVENTS_RECENT: '-1',
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems.map((p) => p.split(':')[0]);
    expect(problems.sort()).toEqual(
      [
        'DATABASE_URL',
        'DEMO',
        'PORT',
        'ROLLOUT_PERCENT',
        'ROLLOUT_PERCENT_EVENTS_RECENT',
        'TIME_ZONE',
      ].sort(),
    );
    expect((error as ConfigError).message).toContain('PORT');
    expect((error as ConfigError).message).toContain('"eighty"');
  });

  it('bounds legacy reads by LEGACY_SCAN_BUDGET_MS and LEGACY_SCAN_CONCURRENCY', () => {
    expect(loadConfig({})).toMatchObject({ legacyScanBudgetMs: 3000, legacyScanConcurrency: 4 });
    expect(
      loadConfig({ LEGACY_SCAN_BUDGET_MS: '750', LEGACY_SCAN_CONCURRENCY: '1' }),
    ).toMatchObject({ legacyScanBudgetMs: 750, legacyScanConcurrency: 1 });
    let error: unknown;
    try {
      loadConfig({ LEGACY_SCAN_BUDGET_MS: '0', LEGACY_SCAN_CONCURRENCY: 'many' });
    } catch (err) {
      error = err;
    }
    expect((error as ConfigError).problems.map((p) => p.split(':')[0])).toEqual([
      'LEGACY_SCAN_BUDGET_MS',
      'LEGACY_SCAN_CONCURRENCY',
    ]);
  });
});
