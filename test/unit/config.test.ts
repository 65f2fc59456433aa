import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/env.js';
import { flagEnvName } from '../../src/rollout/flags.js';

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

  it('splits a list of CORS origins', () => {
    expect(
      loadConfig({ CORS_ORIGINS: 'https://a.example, https://b.example' }).corsOrigins,
    ).toEqual(['https://a.example', 'https://b.example']);
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
});
