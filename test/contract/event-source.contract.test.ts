// One contract, two implementations: the domain EventRepository over the ingested log and the
// LegacyEventLog over the log file itself must give the same answer to every query.
import { rename, writeFile } from 'node:fs/promises';
import { beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/client.js';
import { runMigrations } from '../../src/db/migrate.js';
import type { EventSource, RecentEventsQuery } from '../../src/domain/types.js';
import { createIngester } from '../../src/ingest/ingester.js';
import { LegacyEventLog } from '../../src/legacy/event-log.js';
import { EventRepository } from '../../src/repositories/event-repository.js';
import { StaticRolloutState } from '../doubles/static-rollout-state.js';
import { NOW_EPOCH } from '../fixtures/legacy-log.js';
import { buildApp, gql, tempLogPath } from '../helpers/app.js';
import { describeEachDb } from '../helpers/db.js';

/** A deterministic log: 4000 lines over 3 hours, up to 20 s out of order, some damage. */
function generateLog(seed: number): string[] {
  let state = seed;
  const rand = () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
  const types = ['HANDWASHING_ACTIVE', 'HANDWASHING_ACTIVE', 'SKIP_DRYING', 'NO_HAIRNET_AT_SINK'];
  const lines: string[] = [];
  for (let i = 0; i < 4000; i++) {
    const ts = NOW_EPOCH - 3 * 3600 + (i / 4000) * 3 * 3600 - rand() * 20;
    const roll = rand();
    if (roll < 0.02) {
      lines.push('{"ts": "broken"');
      continue;
    }
    const camera = roll < 0.05 ? '' : roll < 0.08 ? undefined : `cam${Math.floor(rand() * 8)}`;
    const record: Record<string, unknown> = {
      ts: Math.round(ts * 1e6) / 1e6,
      type: types[Math.floor(rand() * types.length)],
      ...(camera === undefined ? {} : { camera_id: camera }),
      track_id: Math.floor(rand() * 500),
      evidence: { confidence: Math.round(rand() * 1000) / 1000 },
    };
    lines.push(JSON.stringify(record));
  }
  // Equal timestamps on neighbouring lines: ties must break the same way on both paths.
  lines.push(lines[lines.length - 1]!.replace('"track_id":', '"track_id":1'));
  return lines;
}

const QUERIES: [string, Omit<RecentEventsQuery, 'since'> & { minutes: number }][] = [
  ['the default query', { limit: 100, minutes: 60 }],
  ['a small limit', { limit: 3, minutes: 60 }],
  ['the largest limit over a day', { limit: 1000, minutes: 1440 }],
  ['a one-minute window', { limit: 1000, minutes: 1 }],
  ['one type', { limit: 50, minutes: 120, type: 'SKIP_DRYING' }],
  ['one camera', { limit: 1000, minutes: 180, cameraId: 'cam3' }],
  ['events without a camera', { limit: 1000, minutes: 180, cameraId: '' }],
  ['an unknown camera', { limit: 10, minutes: 60, cameraId: 'cam99' }],
  [
    'type and camera together',
    { limit: 20, minutes: 90, type: 'NO_HAIRNET_AT_SINK', cameraId: 'cam1' },
  ],
];

describeEachDb('EventSource contract', (db, _kind, queries) => {
  let sources: Record<'domain' | 'legacy', EventSource>;

  let logPath: string;
  beforeAll(async () => {
    // The first 60% of the log is ingested, then rotated to .1 as RotatingFileHandler does;
    // the rest goes to a new file. Windows of an hour or more reach into the rotated file.
    logPath = await tempLogPath();
    const lines = generateLog(42);
    const cut = Math.floor(lines.length * 0.6);
    await writeFile(logPath, `${lines.slice(0, cut).join('\n')}\n`);
    await createIngester({ handle: db(), logPath }).runOnce();
    await rename(logPath, `${logPath}.1`);
    await writeFile(logPath, `${lines.slice(cut).join('\n')}\n`);
    await createIngester({ handle: db(), logPath }).runOnce();
    sources = {
      domain: new EventRepository(db().db),
      legacy: new LegacyEventLog(logPath, { orderToleranceSeconds: 20 }),
    };
  });

  describe.each(QUERIES)('for %s', (_name, { minutes, ...query }) => {
    const q = { ...query, since: new Date((NOW_EPOCH - minutes * 60) * 1000) };

    it('both implementations answer the same records in the same order', async () => {
      const [domain, legacy] = await Promise.all([
        sources.domain.recentEvents(q),
        sources.legacy.recentEvents(q),
      ]);
      expect(domain.map((e) => e.raw)).toEqual(legacy.map((e) => e.raw));
      expect(domain).toEqual(legacy);
    });

    it.each(['domain', 'legacy'] as const)(
      'the %s answer is newest first, filtered and bounded',
      async (path) => {
        const events = await sources[path].recentEvents(q);
        expect(events.length).toBeLessThanOrEqual(q.limit);
        for (let i = 1; i < events.length; i++) {
          expect(events[i - 1]!.ts).toBeGreaterThanOrEqual(events[i]!.ts);
        }
        for (const e of events) {
          expect(e.occurredAt.getTime()).toBeGreaterThanOrEqual(q.since.getTime());
          if (q.type) expect(e.type).toBe(q.type);
          if (q.cameraId) expect(e.cameraId).toBe(q.cameraId);
          if (q.cameraId === '') expect(e.cameraId ?? '').toBe('');
        }
      },
    );
  });

  it('reads windows that reach into the rotated file on both paths', async () => {
    const q = { limit: 1000, since: new Date((NOW_EPOCH - 3 * 3600) * 1000), cameraId: 'cam3' };
    const [domain, legacy] = await Promise.all([
      sources.domain.recentEvents(q),
      sources.legacy.recentEvents(q),
    ]);
    expect(domain.length).toBeGreaterThan(300);
    expect(domain.map((e) => e.raw)).toEqual(legacy.map((e) => e.raw));
    const oldest = legacy.at(-1)!.ts;
    expect(oldest).toBeLessThan(NOW_EPOCH - 1.5 * 3600); // older than anything in the new file
  });

  it('resolves cameras and regions of 1000 events with one query per loader, on both paths', async () => {
    for (const path of ['domain', 'legacy'] as const) {
      const app = buildApp(db(), {
        config: { eventLogPath: logPath },
        rolloutState: new StaticRolloutState({ 'events.recent': path === 'domain' ? 100 : 0 }),
      });
      queries().length = 0;
      const answer = await gql(
        app,
        '{ recentEvents(limit: 1000, minutes: 1440) { ts camera { name region { name } } region { id } } }',
        {},
        { 'x-rollout-key': 'loader-check' },
      );
      expect(answer.body.extensions.rollout['events.recent'].path).toBe(path);
      expect(answer.body.data.recentEvents).toHaveLength(1000);
      const q = queries();
      expect(q.filter((s) => /from "cameras"/.test(s))).toHaveLength(1);
      // regionById (for cameras) and regionByName (for evidence): one query each at most.
      expect(q.filter((s) => /from "regions"/.test(s)).length).toBeLessThanOrEqual(2);
      expect(q.filter((s) => /from "events"/.test(s))).toHaveLength(path === 'domain' ? 1 : 0);
    }
  });

  it('answers from legacy when the database is unreachable, and says so', async () => {
    const lost = await openDatabase({ dataDir: 'memory://' });
    await runMigrations(lost);
    const app = buildApp(lost, {
      config: { eventLogPath: logPath },
      rolloutState: new StaticRolloutState({ 'events.recent': 100 }),
    });
    await lost.close();
    const answer = await gql(
      app,
      '{ recentEvents(limit: 5, minutes: 1440) { ts } }',
      {},
      {
        'x-rollout-key': 'k',
      },
    );
    expect(answer.body.data.recentEvents).toHaveLength(5);
    expect(answer.body.extensions.rollout['events.recent']).toMatchObject({
      path: 'legacy',
      fallback: true,
      fallbackCause: 'error',
    });
  });

  it('is not capped: a day-long query returns as many events as asked for', async () => {
    const events = await sources.domain.recentEvents({ limit: 1000, since: new Date(0) });
    expect(events).toHaveLength(1000);
  });
});
