// One contract, two implementations: the domain EventRepository over the ingested log and the
// LegacyEventLog over the log file itself must give the same answer to every query.
import { writeFile } from 'node:fs/promises';
import { beforeAll, describe, expect, it } from 'vitest';
import { EventRepository } from '../../src/domain/event-repository.js';
import type { EventSource, RecentEventsQuery } from '../../src/domain/types.js';
import { createIngester } from '../../src/ingest/ingester.js';
import { LegacyEventLog } from '../../src/legacy/event-log.js';
import { NOW_EPOCH } from '../fixtures/legacy-log.js';
import { tempLogPath } from '../helpers/app.js';
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

describeEachDb('EventSource contract', (db) => {
  let sources: Record<'domain' | 'legacy', EventSource>;

  beforeAll(async () => {
    const logPath = await tempLogPath();
    await writeFile(logPath, `${generateLog(42).join('\n')}\n`);
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

  it('is not capped: a day-long query returns as many events as asked for', async () => {
    const events = await sources.domain.recentEvents({ limit: 1000, since: new Date(0) });
    expect(events).toHaveLength(1000);
  });
});
