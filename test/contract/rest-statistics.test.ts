// GET /api/v1/statistics/realtime: the old nested snake_case object, byte for byte, with
// Python's int/float distinction and naive local timestamps.
import { writeFile } from 'node:fs/promises';
import { sql } from 'drizzle-orm';
import { beforeAll, expect, it } from 'vitest';
import { seedReference } from '../../src/demo/seed.js';
import { naiveLocalIso } from '../../src/domain/local-time.js';
import { logText } from '../fixtures/legacy-log.js';
import { buildApp, FROZEN_NOW, tempLogPath } from '../helpers/app.js';
import { describeEachDb } from '../helpers/db.js';

describeEachDb('legacy REST statistics', (db) => {
  let app: ReturnType<typeof buildApp>;
  beforeAll(async () => {
    const logPath = await tempLogPath();
    await writeFile(logPath, logText());
    await seedReference(db());
    await db().rows(sql`
      insert into detection_records (camera_id, recorded_at, handwash_events, processing_time, avg_confidence)
      values ('cam0', ${FROZEN_NOW.toISOString()}::timestamptz - interval '5 minutes', 3, 0.25, 0.5),
             ('cam1', ${FROZEN_NOW.toISOString()}::timestamptz - interval '6 minutes', 1, 0.75, 1)`);
    await db().rows(sql`
      insert into violation_events (camera_id, occurred_at, violation_type)
      values ('cam3', '2026-11-29T09:59:30.25Z', 'no_sanitize')`);
    app = buildApp(db(), { config: { eventLogPath: logPath, timeZone: 'Asia/Shanghai' } });
  });

  it('answers the old shape from the domain tables', async () => {
    const response = await app.fetch('http://gateway/api/v1/statistics/realtime', {
      headers: { 'x-rollout-force': 'domain' },
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('x-rollout-path')).toBe('domain');
    expect(await response.text()).toBe(
      '{"timestamp":"2026-11-29T18:00:00","system_status":"active",' +
        '"detection_stats":{"total_detections_today":2,"handwashing_detections":4,"disinfection_detections":0,"hairnet_detections":0,"violation_count":1},' +
        '"region_stats":{"active_regions":5,"monitored_areas":["入口线","工作区区域","洗手池区域","洗手站立区域","烘干区域"]},' +
        '"performance_metrics":{"average_processing_time":0.5,"detection_accuracy":0.75,"system_uptime":"01:02:03"},' +
        '"alerts":{"active_alerts":1,"recent_violations":[{"camera_id":"cam3","violation_type":"no_sanitize","timestamp":"2026-11-29T17:59:30.250000"}]}}',
    );
  });

  it('answers the same shape from the legacy log, with floats printed as Python did', async () => {
    const response = await app.fetch('http://gateway/api/v1/statistics/realtime', {
      headers: { 'x-rollout-force': 'legacy' },
    });
    expect(response.headers.get('x-rollout-path')).toBe('legacy');
    const text = await response.text();
    expect(text).toContain('"performance_metrics":{"average_processing_time":0.0,');
    expect(Object.keys(JSON.parse(text))).toEqual([
      'timestamp',
      'system_status',
      'detection_stats',
      'region_stats',
      'performance_metrics',
      'alerts',
    ]);
  });

  it('prints naive local times as Python isoformat() did', () => {
    expect(naiveLocalIso(new Date('2026-01-01T00:00:00.000Z'), 'UTC')).toBe('2026-01-01T00:00:00');
    expect(naiveLocalIso(new Date('2026-01-01T23:30:00.007Z'), 'Asia/Shanghai')).toBe(
      '2026-01-02T07:30:00.007000',
    );
  });
});
