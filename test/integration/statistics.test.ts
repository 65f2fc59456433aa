// realtimeStatistics on both paths: the domain numbers are aggregated in SQL over the whole day
// (no 1000 cap), "today" follows TIME_ZONE, the per-minute rollup answers exactly what aggregating
// the rows gives, whatever happened to them, and the legacy fallback says what it is.
import { writeFile } from 'node:fs/promises';
import { sql } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { seedReference } from '../../src/demo/seed.js';
import { startOfDay } from '../../src/domain/local-time.js';
import { LegacyEventLog } from '../../src/legacy/event-log.js';
import { LegacyStatistics } from '../../src/legacy/statistics-legacy.js';
import {
  dayTotalsSql,
  StatisticsRepository,
} from '../../src/repositories/statistics-repository.js';
import { logText } from '../fixtures/legacy-log.js';
import { FROZEN_NOW, tempLogPath } from '../helpers/app.js';
import { describeEachDb } from '../helpers/db.js';
import { rollupMismatches } from '../helpers/rollup.js';

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

const ZONES = ['UTC', 'Asia/Kolkata', 'America/St_Johns'] as const;
/** Where windows start and end: now (on a minute edge), mid-minute, and each zone's midnight. */
const NOW_MID_MINUTE = new Date(FROZEN_NOW.getTime() - 28_750);
const EDGES = [FROZEN_NOW, NOW_MID_MINUTE, ...ZONES.map((z) => startOfDay(FROZEN_NOW, z))];

describeEachDb('realtime statistics from the per-minute rollup', (db) => {
  let seed = 0;
  /**
   * `n` pseudo-random instants (hashed from g and a fresh seed) from 36 h before now to 2 h after:
   * a sixth exactly on an edge, a sixth 1 µs either side of one, a sixth on a UTC minute boundary,
   * a sixth 1 µs off one, the rest anywhere. `h` is the row's hash, for its other values.
   */
  const rowsAt = (n: number) => {
    seed += 1;
    const edges = sql.raw(`array[${EDGES.map((e) => `'${e.toISOString()}'::timestamptz`)}]`);
    const now = sql`${FROZEN_NOW.toISOString()}::timestamptz`;
    const us = sql`interval '1 microsecond'`;
    return sql`(select g, h, case h % 6
        when 0 then (${edges})[1 + h / 6 % ${EDGES.length}]
        when 1 then (${edges})[1 + h / 6 % ${EDGES.length}] + (h / 7 % 2 * 2 - 1) * ${us}
        when 2 then date_bin('1 minute', ${now} - (h / 6 % 2280 - 120) * interval '1 minute', timestamptz 'epoch')
        when 3 then date_bin('1 minute', ${now} - (h / 6 % 2280 - 120) * interval '1 minute', timestamptz 'epoch') + (h / 7 % 2 * 2 - 1) * ${us}
        else ${now} - (h::bigint * 7919 % 136800000000 - 7200000000) * ${us} end as t
      from (select g, abs(hashint4(g * 7919 + ${seed}))::bigint as h from generate_series(1, ${n}) g) r) x`;
  };
  const insertDetections = (n: number) =>
    db().rows(sql`
      insert into detection_records (camera_id, recorded_at, handwash_events, sanitize_events,
        hairnet_violations, processing_time, avg_confidence)
      select 'cam' || h % 8, t, h % 3, h / 3 % 2, h / 5 % 4,
        abs(hashint8(h * 31 + g)) / 6442450944.0::float8, abs(hashint8(h * 37 + g)) / 6442450944.0::float8
      from ${rowsAt(n)}`);
  const insertViolations = (n: number) =>
    db().rows(sql`
      insert into violation_events (camera_id, occurred_at, violation_type, status)
      select 'cam' || h % 8, t, 'no_hairnet', case when h % 4 = 0 then 'pending' else 'resolved' end
      from ${rowsAt(n)}`);

  /** The rollup holds exactly the per-minute aggregates of the rows, and no other minute. */
  async function expectRollupExact() {
    expect(await rollupMismatches(db())).toBe(0);
  }

  /** The repository's answer for window [midnight in zone, now], against plain SQL on the rows. */
  async function expectSameAsRawAggregate(now: Date, zone: string) {
    const lo = startOfDay(now, zone).toISOString();
    const hi = now.toISOString();
    const [raw] = await db().rows<Record<string, string | number | null>>(sql`
      select count(*) n, coalesce(sum(handwash_events), 0) hw, coalesce(sum(sanitize_events), 0) sz,
        coalesce(sum(hairnet_violations), 0) hn,
        sum(processing_time::numeric)::float8 / nullif(count(*), 0) ps,
        sum(avg_confidence::float8::numeric)::float8 / nullif(count(*), 0) cs,
        avg(processing_time) float_ps, avg(avg_confidence)::float8 float_cs,
        (select count(*) from violation_events
         where occurred_at >= ${lo}::timestamptz and occurred_at <= ${hi}::timestamptz) v,
        (select count(*) from violation_events where status = 'pending') pending
      from detection_records
      where recorded_at >= ${lo}::timestamptz and recorded_at <= ${hi}::timestamptz`);
    const r = raw!;
    const stats = await new StatisticsRepository(db(), {
      timeZone: zone,
      startedAt,
    }).realtimeStatistics(now);
    const where = `${zone} at ${hi}`;
    expect(stats.detectionStats, where).toEqual({
      totalDetectionsToday: Number(r.n),
      handwashingDetections: Number(r.hw),
      disinfectionDetections: Number(r.sz),
      hairnetDetections: Number(r.hn),
      violationCount: Number(r.v),
    });
    expect(stats.alerts.activeAlerts, where).toBe(Number(r.pending));
    const means = stats.performanceMetrics;
    expect(means.averageProcessingTime, where).toBe(Number(r.ps ?? 0));
    expect(means.detectionAccuracy, where).toBe(Number(r.cs ?? 0));
    // Against the old float8 avg() (rounding in each addition): within (n + 4)·2⁻⁵³ + 5·10⁻¹⁵ of
    // the mean — the summation error bound of avg(), the 15-digit cast and the final roundings.
    const tolerance = (mean: number) => mean * ((Number(r.n) + 4) * 2 ** -53 + 5e-15);
    for (const [mean, float] of [
      [means.averageProcessingTime, r.float_ps],
      [means.detectionAccuracy, r.float_cs],
    ] as const) {
      expect(Math.abs(mean - Number(float ?? 0)), where).toBeLessThanOrEqual(tolerance(mean));
    }
    return stats;
  }

  /** Every zone, windows ending now, mid-minute, at the zone's midnight and 20 s after it. */
  async function expectExactEverywhere() {
    await expectRollupExact();
    let counted = 0;
    for (const zone of ZONES) {
      const midnight = startOfDay(FROZEN_NOW, zone);
      for (const now of [
        FROZEN_NOW,
        NOW_MID_MINUTE,
        midnight,
        new Date(midnight.getTime() + 20_000),
      ]) {
        counted += (await expectSameAsRawAggregate(now, zone)).detectionStats.totalDetectionsToday;
      }
    }
    return counted;
  }

  it('equals the raw aggregate after bulk and single-row inserts, on and beside every edge', async () => {
    await insertDetections(3000);
    await insertViolations(600);
    for (let i = 0; i < 5; i++) await insertDetections(1);
    await insertViolations(1);
    // Rows exactly at each edge, and 1 µs either side, certainly present.
    for (const edge of EDGES) {
      for (const delta of [-1, 0, 1]) {
        const at = sql`${edge.toISOString()}::timestamptz + ${delta} * interval '1 microsecond'`;
        await db().rows(sql`insert into detection_records (camera_id, recorded_at, handwash_events,
          processing_time, avg_confidence) values ('cam1', ${at}, 1, 0.1, 0.7)`);
        await db().rows(sql`insert into violation_events (camera_id, occurred_at, violation_type)
          values ('cam1', ${at}, 'no_sanitize')`);
      }
    }
    expect(await expectExactEverywhere()).toBeGreaterThan(1000);
  });

  it('equals it after deletes', async () => {
    await db().rows(
      sql`delete from detection_records where id % 5 = 0 or recorded_at = ${FROZEN_NOW.toISOString()}::timestamptz`,
    );
    await db().rows(sql`delete from violation_events where id % 4 = 1`);
    await db().rows(
      sql`delete from detection_records where id = (select max(id) from detection_records)`,
    );
    await expectExactEverywhere();
  });

  it('equals it after updates that move rows to another minute or day, or change summed values', async () => {
    await db().rows(
      sql`update detection_records set recorded_at = recorded_at + interval '1 day' where id % 11 = 0`,
    );
    await db().rows(
      sql`update detection_records set recorded_at = recorded_at - interval '30 seconds' where id % 7 = 1`,
    );
    await db().rows(
      sql`update violation_events set occurred_at = occurred_at - interval '1 day' where id % 9 = 0`,
    );
    await db().rows(
      sql`update violation_events set occurred_at = ${FROZEN_NOW.toISOString()}::timestamptz where id % 13 = 0`,
    );
    await db().rows(sql`update detection_records set handwash_events = handwash_events + 2,
      processing_time = processing_time * 3, avg_confidence = avg_confidence / 2 where id % 3 = 0`);
    // A move within its minute, and a no-op rewrite: shares unchanged.
    await db().rows(
      sql`update detection_records set recorded_at = date_bin('1 minute', recorded_at, timestamptz 'epoch') where id % 17 = 0`,
    );
    await db().rows(
      sql`update detection_records set processing_time = processing_time where id % 2 = 0`,
    );
    await expectExactEverywhere();
  });

  it('writes nothing to the rollup for status changes, and still equals the raw aggregate', async () => {
    const versions = () =>
      db().rows<{ bucket: string; xmin: string }>(
        sql`select bucket::text, xmin::text from detection_stats_minute order by bucket`,
      );
    const before = await versions();
    await db().rows(sql`update violation_events set status = 'confirmed', notes = 'checked',
      handled_by = 'test', handled_at = now(), updated_at = now() where id % 3 = 0`);
    await db().rows(sql`update violation_events set status = 'pending' where id % 6 = 1`);
    expect(await versions()).toEqual(before);
    await expectExactEverywhere();
  });

  it('is rebuilt from the rows to the same state the triggers kept', async () => {
    // trim_scale: numeric keeps the scale of what was added and removed (0.10 = 0.1).
    const snapshot = () =>
      db().rows(sql`select bucket, detections, handwash, sanitize, hairnet, trim_scale(processing_sum),
        trim_scale(confidence_sum), violations from detection_stats_minute order by bucket`);
    const kept = await snapshot();
    await db().rows(sql`select detection_stats_minute_rebuild()`);
    expect(await snapshot()).toEqual(kept);
  });

  it('equals it after TRUNCATE of either table, and after new rows', async () => {
    await db().rows(sql`truncate detection_records`);
    await expectExactEverywhere();
    expect(
      await db().rows(sql`select 1 from detection_stats_minute where detections <> 0`),
    ).toEqual([]);
    await insertDetections(500);
    await db().rows(sql`truncate violation_events cascade`);
    await expectExactEverywhere();
    await db().rows(sql`truncate detection_records, violation_events cascade`);
    expect(await db().rows(sql`select * from detection_stats_minute`)).toEqual([]);
    await insertDetections(300);
    await insertViolations(100);
    await expectExactEverywhere();
  });

  it('starts the day where local midnight is not on a UTC minute (Monrovia, 1971: UTC−0:44:30)', async () => {
    const now = new Date('1971-06-01T12:00:00Z');
    const midnight = startOfDay(now, 'Africa/Monrovia');
    expect(midnight.toISOString()).toBe('1971-06-01T00:44:30.000Z');
    for (const at of [
      '00:44:00',
      '00:44:29.999999',
      '00:44:30',
      '00:44:30.000001',
      '00:45:00',
      '12:00:00',
      '12:00:00.000001',
    ]) {
      await db().rows(sql`insert into detection_records (camera_id, recorded_at, sanitize_events, processing_time)
        values ('cam2', ${`1971-06-01T${at}Z`}::timestamptz, 1, 0.25)`);
    }
    const stats = await expectSameAsRawAggregate(now, 'Africa/Monrovia');
    expect(stats.detectionStats.disinfectionDetections).toBe(4);
    expect(
      (await expectSameAsRawAggregate(new Date('1971-06-01T00:44:30.000Z'), 'Africa/Monrovia'))
        .detectionStats.totalDetectionsToday,
    ).toBe(1);
  });

  it('reads whole minutes from the rollup and the edges through indexes', async () => {
    const plan = await db().db.transaction(async (tx) => {
      // With sequential scans priced out, a Seq Scan left in the plan has no index to use.
      await tx.execute(sql`set local enable_seqscan = off`);
      const result = await tx.execute(sql`explain ${dayTotalsSql(FROZEN_NOW, 'Asia/Kolkata')}`);
      const rows = (result as { rows?: unknown }).rows ?? result;
      return (rows as Record<string, string>[]).map((r) => Object.values(r)[0]).join('\n');
    });
    expect(plan).toMatch(/detection_stats_minute_pkey/);
    expect(plan).toMatch(/detection_records_recorded_at_idx/);
    expect(plan).toMatch(/violation_events_occurred_at_idx/);
    expect(plan).not.toMatch(/Seq Scan/);
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
    // The age counts from when the scan finished (a few ms after it began at 0).
    await stats.realtimeStatistics(at(5000 + 1000));
    expect(scans()).toBe(2);
    const tomorrow = await stats.realtimeStatistics(at(14 * 3600 * 1000 + 1000));
    expect(scans()).toBe(3);
    expect(tomorrow.detectionStats.totalDetectionsToday).toBe(0);
  });

  it('serves a scan that took longer than the maximum age after it finished, and never runs two at once', async () => {
    const logPath = await tempLogPath();
    await writeFile(logPath, logText());
    const log = new LegacyEventLog(logPath);
    let [scans, running, most] = [0, 0, 0];
    const scanner = {
      scanSince: async (since: Date, visit: Parameters<LegacyEventLog['scanSince']>[1]) => {
        scans++;
        most = Math.max(most, ++running);
        await new Promise((resolve) => setTimeout(resolve, 300));
        const stats = await log.scanSince(since, visit);
        running--;
        return stats;
      },
    };
    const stats = new LegacyStatistics(scanner, { timeZone: 'UTC', startedAt, maxAgeMs: 100 });
    // Requests every 50 ms (request clock) during and after a 300 ms scan.
    const during = [0, 50, 100, 150, 200].map((ms) => stats.realtimeStatistics(at(ms)));
    await Promise.all(during);
    const after = await stats.realtimeStatistics(at(350));
    expect(scans).toBe(1);
    expect(most).toBe(1);
    expect(after.detectionStats.totalDetectionsToday).toBe(6);
    await stats.realtimeStatistics(at(2000));
    expect(scans).toBe(2);
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
