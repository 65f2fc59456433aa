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
      'alerts.history': 25,
      'alerts.rules': 25,
      'alerts.rules.write': 25,
    });
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
