// realtimeStatistics on both paths: the domain numbers are aggregated in SQL over the whole day
// (no 1000 cap), "today" follows TIME_ZONE, and the legacy fallback says what it is.
import { writeFile } from 'node:fs/promises';
import { sql } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { seedReference } from '../../src/demo/seed.js';
import { startOfDay } from '../../src/domain/local-time.js';
import { StatisticsRepository } from '../../src/domain/statistics-repository.js';
import { LegacyEventLog } from '../../src/legacy/event-log.js';
import { LegacyStatistics } from '../../src/legacy/statistics-legacy.js';
import { logText } from '../fixtures/legacy-log.js';
import { FROZEN_NOW, tempLogPath } from '../helpers/app.js';
import { describeEachDb } from '../helpers/db.js';

const startedAt = new Date(FROZEN_NOW.getTime() - 3_723_000);

describeEachDb('realtime statistics', (db) => {
  beforeAll(async () => {
    await seedReference(db());
    // 1500 detection records today (10:00Z is 18:00 in Shanghai), 500 yesterday, in SQL.
    await db().rows(sql`
      insert into detection_records (camera_id, recorded_at, handwash_events, sanitize_events,
        hairnet_violations, processing_time, avg_confidence)
      select 'cam' || (g % 8), ${FROZEN_NOW.toISOString()}::timestamptz - (g || ' seconds')::interval,
        2, 1, 1, 0.05, 0.9
      from generate_series(1, 1500) g`);
    await db().rows(sql`
      insert into detection_records (camera_id, recorded_at, handwash_events, processing_time)
      select 'cam0', ${FROZEN_NOW.toISOString()}::timestamptz - interval '1 day' - (g || ' seconds')::interval, 100, 9
      from generate_series(1, 500) g`);
    await db().rows(sql`
      insert into violation_events (camera_id, occurred_at, violation_type, status)
      select 'cam' || (g % 8), ${FROZEN_NOW.toISOString()}::timestamptz - (g || ' minutes')::interval,
        'no_hairnet', case when g % 3 = 0 then 'confirmed' else 'pending' end
      from generate_series(1, 1200) g`);
  });

  const repo = (timeZone: string) => new StatisticsRepository(db(), { timeZone, startedAt });

  it('counts every detection and violation of the day, beyond the old 1000 cap', async () => {
    const stats = await repo('UTC').realtimeStatistics(FROZEN_NOW);
    expect(stats.source).toBe('domain');
    expect(stats.detectionStats).toEqual({
      totalDetectionsToday: 1500,
      handwashingDetections: 3000,
      disinfectionDetections: 1500,
      hairnetDetections: 1500,
      violationCount: 600, // minutes since 00:00 UTC at 10:00
    });
    expect(stats.alerts.activeAlerts).toBe(800);
    expect(stats.performanceMetrics.averageProcessingTime).toBeCloseTo(0.05);
    expect(stats.performanceMetrics.detectionAccuracy).toBeCloseTo(0.9);
    expect(stats.performanceMetrics.systemUptimeSeconds).toBe(3723);
  });

  it('lists the newest pending violations and the regions of active cameras', async () => {
    const stats = await repo('UTC').realtimeStatistics(FROZEN_NOW);
    expect(stats.alerts.recentViolations).toHaveLength(10);
    expect(stats.alerts.recentViolations[0]).toEqual({
      cameraId: 'cam1',
      violationType: 'no_hairnet',
      timestamp: new Date(FROZEN_NOW.getTime() - 60_000),
    });
    expect(stats.regionStats.activeRegions).toBe(5);
    expect(stats.regionStats.monitoredAreas).toEqual([...stats.regionStats.monitoredAreas].sort());
  });

  it('starts "today" at local midnight of the configured time zone', async () => {
    // In Shanghai (UTC+8) the day began at 16:00Z the day before: yesterday's records at
    // 10:00Z − 1 day − up to 500 s are not in it, but the violations since 16:00Z are.
    const stats = await repo('Asia/Shanghai').realtimeStatistics(FROZEN_NOW);
    expect(stats.detectionStats.totalDetectionsToday).toBe(1500);
    expect(stats.detectionStats.violationCount).toBe(1080);
    expect(startOfDay(FROZEN_NOW, 'Asia/Shanghai').toISOString()).toBe('2026-11-28T16:00:00.000Z');
  });
});

describe('legacy statistics fallback', () => {
  it('computes what the log can tell and says it is the legacy log', async () => {
    const logPath = await tempLogPath();
    await writeFile(logPath, logText());
    const stats = await new LegacyStatistics(new LegacyEventLog(logPath), {
      timeZone: 'UTC',
      startedAt,
    }).realtimeStatistics(FROZEN_NOW);
    expect(stats.source).toBe('legacy_log');
    expect(stats.detectionStats).toEqual({
      totalDetectionsToday: 6,
      handwashingDetections: 2,
      disinfectionDetections: 0,
      hairnetDetections: 2,
      violationCount: 4,
    });
    expect(stats.regionStats.monitoredAreas).toEqual(
      ['入口线', '洗手池区域', '洗手站立区域', '烘干区域'].sort(),
    );
    // The dwell-time violation has no camera, so it counts but cannot be listed.
    expect(stats.alerts.recentViolations.map((v) => v.violationType)).toEqual([
      'no_hairnet',
      'no_sanitize',
      'no_hairnet',
    ]);
    expect(stats.performanceMetrics.systemUptimeSeconds).toBe(3723);
  });
});

describe('legacy statistics under repeated requests', () => {
  async function counted() {
    const logPath = await tempLogPath();
    await writeFile(logPath, logText());
    const log = new LegacyEventLog(logPath);
    let scans = 0;
    const scanner = {
      scanSince: (since: Date, visit: Parameters<LegacyEventLog['scanSince']>[1]) => {
        scans++;
        return log.scanSince(since, visit);
      },
    };
    const stats = new LegacyStatistics(scanner, { timeZone: 'UTC', startedAt, maxAgeMs: 5000 });
    return { stats, scans: () => scans };
  }
  const at = (ms: number) => new Date(FROZEN_NOW.getTime() + ms);

  it('shares one scan of the day between requests within the maximum age', async () => {
    const { stats, scans } = await counted();
    const [a, b] = await Promise.all([
      stats.realtimeStatistics(at(0)),
      stats.realtimeStatistics(at(10)),
    ]);
    const c = await stats.realtimeStatistics(at(4000));
    expect(scans()).toBe(1);
    expect(c.detectionStats).toEqual(a.detectionStats);
    // What is not counted from the log stays current.
    expect(c.timestamp).toEqual(at(4000));
    expect(c.performanceMetrics.systemUptimeSeconds).toBe(
      a.performanceMetrics.systemUptimeSeconds + 4,
    );
    expect(b.timestamp).toEqual(at(10));
  });

  it('scans again once the counts are older than the maximum age, or a new day began', async () => {
    const { stats, scans } = await counted();
    await stats.realtimeStatistics(at(0));
    await stats.realtimeStatistics(at(5000));
    expect(scans()).toBe(2);
    const tomorrow = await stats.realtimeStatistics(at(14 * 3600 * 1000 + 1000));
    expect(scans()).toBe(3);
    expect(tomorrow.detectionStats.totalDetectionsToday).toBe(0);
  });

  it('does not keep a failed scan', async () => {
    let fail = true;
    const scanner = {
      scanSince: async () => {
        if (fail) throw new Error('disk error');
      },
    };
    const stats = new LegacyStatistics(scanner, { timeZone: 'UTC', startedAt });
    await expect(stats.realtimeStatistics(at(0))).rejects.toThrow('disk error');
    fail = false;
    expect((await stats.realtimeStatistics(at(1))).detectionStats.totalDetectionsToday).toBe(0);
  });
});
