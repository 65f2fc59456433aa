// Through the app: a legacy read past its time budget or concurrency bound is a 503 with
// Retry-After on REST and a GraphQL error with its own code, also when it is the fallback of a
// failed domain read; a directory at a rotation path is skipped, not a 500.
import { mkdir, writeFile } from 'node:fs/promises';
import { beforeAll, expect, it } from 'vitest';
import { LegacyEventLog } from '../../src/legacy/event-log.js';
import { ScanLimiter } from '../../src/legacy/scan-limits.js';
import { buildApp, FROZEN_NOW, gql, tempLogPath } from '../helpers/app.js';
import { describeEachDb } from '../helpers/db.js';

const T0 = FROZEN_NOW.getTime() / 1000;
const NOMATCH = '/api/v1/events/recent?etype=nomatch&minutes=1440';
const NOMATCH_QUERY = '{ recentEvents(etype: "nomatch", minutes: 1440) { ts } }';

/** 150,000 records over the last 10 hours (all of them today in UTC), none of type nomatch. */
async function bigLog(): Promise<string> {
  const path = await tempLogPath();
  const parts: string[] = [];
  for (let i = 0; i < 150_000; i++) {
    const ts = T0 - 36_000 + i * 0.24;
    parts.push(
      `{"ts":${ts},"type":"SKIP_DRYING","camera_id":"cam${i % 4}","track_id":${i},"evidence":{"region":"烘干区域","confidence":0.5}}`,
    );
  }
  await writeFile(path, `${parts.join('\n')}\n`);
  return path;
}

describeEachDb('legacy reads under a time budget and a concurrency bound', (db) => {
  let logPath: string;
  beforeAll(async () => {
    logPath = await bigLog();
  });

  const limited = (extra: Parameters<typeof buildApp>[1] = {}) =>
    buildApp(db(), {
      ...extra,
      config: { eventLogPath: logPath, legacyScanBudgetMs: 20, legacyScanConcurrency: 2 },
    });

  it('answers a non-matching etype over a whole day with 503 and Retry-After once its budget is spent', async () => {
    const app = limited();
    const started = performance.now();
    const response = await app.fetch(`http://gateway${NOMATCH}`);
    expect(performance.now() - started).toBeLessThan(2000);
    expect(response.status).toBe(503);
    expect(response.headers.get('content-type')).toBe('application/json');
    expect(response.headers.get('retry-after')).toBe('1');
    const body = await response.json();
    expect(Object.keys(body)).toEqual(['detail']);
    expect(body.detail).toMatch(/within 20 ms \(LEGACY_SCAN_BUDGET_MS\)/);
  });

  it('is a GraphQL error with code LEGACY_SCAN_TIMEOUT, on the legacy path and as the fallback of a failed domain read', async () => {
    const app = limited({
      services: {
        events: {
          domain: {
            recentEvents: async () => {
              throw new Error('database down');
            },
          },
        },
      },
    });
    for (const path of ['legacy', 'domain']) {
      const answer = await gql(app, NOMATCH_QUERY, {}, { 'x-rollout-force': path });
      expect(answer.body.data).toBeNull();
      expect(answer.body.errors).toHaveLength(1);
      expect(answer.body.errors[0].extensions.code).toBe('LEGACY_SCAN_TIMEOUT');
      expect(answer.body.errors[0].message).toMatch(/could not answer within 20 ms/);
      const report = answer.body.extensions.rollout['events.recent'];
      expect(report.path).toBe('legacy');
      expect(report.fallback).toBe(path === 'domain');
    }
    const rest = await app.fetch(`http://gateway${NOMATCH}&force_domain=true`);
    expect(rest.status).toBe(503);
  });

  it('answers 503 with Retry-After and LEGACY_SCAN_BUSY when every slot is taken', async () => {
    const limiter = new ScanLimiter({ budgetMs: 50, concurrency: 1 });
    const app = limited({
      services: { events: { legacy: new LegacyEventLog(logPath, { limiter }) } },
    });
    let release!: () => void;
    const held = limiter.run(() => new Promise<void>((resolve) => (release = resolve)));
    held.catch(() => {});
    const response = await app.fetch('http://gateway/api/v1/events/recent?limit=1', {
      headers: { 'x-rollout-force': 'legacy' },
    });
    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toBe('1');
    expect((await response.json()).detail).toMatch(/LEGACY_SCAN_CONCURRENCY/);
    const answer = await gql(
      app,
      '{ recentEvents(limit: 1) { ts } }',
      {},
      { 'x-rollout-force': 'legacy' },
    );
    expect(answer.body.errors[0].extensions.code).toBe('LEGACY_SCAN_BUSY');
    release();
    await held.catch(() => {});
    const after = await app.fetch('http://gateway/api/v1/events/recent?limit=1', {
      headers: { 'x-rollout-force': 'legacy' },
    });
    expect(after.status).toBe(200);
    expect(JSON.parse(await after.text())).toHaveLength(1);
  });

  it('answers the statistics with 503 while the day is being counted, then from the kept count', async () => {
    const app = limited();
    const get = () =>
      app.fetch('http://gateway/api/v1/statistics/realtime', {
        headers: { 'x-rollout-force': 'legacy' },
      });
    const first = await get();
    expect(first.status).toBe(503);
    expect(first.headers.get('retry-after')).toBe('1');
    let response = first;
    let refused = 0;
    while (response.status === 503 && refused < 2000) {
      refused++;
      response = await get();
    }
    expect(response.status).toBe(200);
    const body = JSON.parse(await response.text());
    expect(body.detection_stats.total_detections_today).toBe(150_000);
    // From then on, each request reads only what was appended (nothing here): well in budget.
    for (let i = 0; i < 5; i++) expect((await get()).status).toBe(200);
  });

  it('skips a directory at a rotation path instead of answering 500', async () => {
    const path = await tempLogPath();
    await writeFile(
      path,
      `{"ts":${T0 - 5},"type":"NO_HAIRNET_AT_SINK","camera_id":"cam0","track_id":1,"evidence":{}}\n`,
    );
    await mkdir(`${path}.1`);
    const app = buildApp(db(), { config: { eventLogPath: path } });
    for (const tail of [
      '/api/v1/events/recent?minutes=1440&etype=nomatch',
      '/api/v1/statistics/realtime',
    ]) {
      const response = await app.fetch(`http://gateway${tail}`, {
        headers: { 'x-rollout-force': 'legacy' },
      });
      expect(response.status, tail).toBe(200);
    }
    const events = await app.fetch('http://gateway/api/v1/events/recent', {
      headers: { 'x-rollout-force': 'legacy' },
    });
    expect(JSON.parse(await events.text())).toHaveLength(1);
  });
});
