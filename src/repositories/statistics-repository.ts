// Domain path of `realtimeStatistics`: every number is aggregated in SQL over the whole day
// (the old implementation loaded at most 1000 rows and counted them in memory, capping counts).
//
// Definitions (README "Statistics"):
// - "today" is [local midnight, now] in the configured TIME_ZONE, both ends included.
// - totalDetectionsToday: detection_records rows recorded today (one per processed frame batch).
// - handwashing / disinfection / hairnet detections: sums of handwash_events, sanitize_events and
//   hairnet_violations over today's detection records.
// - violationCount: violation_events that occurred today, whatever their status.
// - activeRegions / monitoredAreas: distinct regions of active cameras (names, sorted).
// - averageProcessingTime / detectionAccuracy: means of processing_time and avg_confidence today
//   (0 when there are none): the exact sum of the values (each as PostgreSQL's float8 -> numeric
//   cast gives it; avg_confidence widened to float8 first), rounded once to float8, divided by
//   the count.
// - activeAlerts: pending violations (any day); recentViolations: the newest 10 pending ones.
// - systemUptimeSeconds: seconds since this gateway process started.
//
// How: the day's whole UTC minutes are read from detection_stats_minute, the per-minute totals
// that triggers keep exactly equal to the source rows (drizzle/0003_…); only the rows of the two
// partial minutes at the window's edges (local midnight need not fall on a UTC minute; now rarely
// does) are read raw, through the same share function the triggers use. So at most 1,440 summary
// rows and two minutes of rows, whatever the day's volume, and the answer is what aggregating
// today's rows gives.
import { type SQL, sql } from 'drizzle-orm';
import type { DatabaseHandle } from '../db/client.js';
import { RECENT_VIOLATIONS, uptimeSeconds } from '../domain/statistics.js';
import type { RealtimeStatistics, StatisticsSource } from '../domain/types.js';

/** The day's totals, as the drivers return them (bigint and numeric arrive as strings). */
export interface DayTotals {
  detections: string | number;
  handwash: string | number;
  sanitize: string | number;
  hairnet: string | number;
  avg_processing: number | null;
  avg_confidence: number | null;
  violations_today: string | number;
  pending: string | number;
}

export interface StatisticsOptions {
  timeZone: string;
  startedAt: Date;
}

/** Local midnight of `now` in `timeZone`, computed by the database (its time zone rules). */
export function dayStartSql(now: Date, timeZone: string): SQL {
  return sql`(date_trunc('day', ${now.toISOString()}::timestamptz at time zone ${timeZone}) at time zone ${timeZone})`;
}

const minute = (t: SQL) => sql`date_bin('1 minute', ${t}, timestamptz 'epoch')`;

/** One row of DayTotals for today (see the definitions above), from the per-minute rollup. */
export function dayTotalsSql(now: Date, timeZone: string): SQL {
  // [lo, hi] = [lo, blo) ∪ [blo, bhi) ∪ [bhi, hi]: blo is the first minute boundary at or after
  // lo, bhi the start of hi's minute (never before blo). The middle comes from the rollup.
  return sql`
    with w as (
      select lo, hi, blo, greatest(${minute(sql`hi`)}, blo) as bhi
      from (select lo, hi, ${minute(sql`lo - interval '1 microsecond'`)} + interval '1 minute' as blo
            from (select ${dayStartSql(now, timeZone)} as lo, ${now.toISOString()}::timestamptz as hi) b) b),
    parts as (
      select m as s from detection_stats_minute m, w where m.bucket >= w.blo and m.bucket < w.bhi
      union all
      select detection_stats_minute_share(d, 1) from detection_records d, w
      where d.recorded_at >= w.lo and d.recorded_at < w.blo and d.recorded_at <= w.hi
      union all
      select detection_stats_minute_share(d, 1) from detection_records d, w
      where d.recorded_at >= w.bhi and d.recorded_at <= w.hi
      union all
      select detection_stats_minute_share(v, 1) from violation_events v, w
      where v.occurred_at >= w.lo and v.occurred_at < w.blo and v.occurred_at <= w.hi
      union all
      select detection_stats_minute_share(v, 1) from violation_events v, w
      where v.occurred_at >= w.bhi and v.occurred_at <= w.hi)
    select
      coalesce(sum((s).detections), 0) as detections,
      coalesce(sum((s).handwash), 0) as handwash,
      coalesce(sum((s).sanitize), 0) as sanitize,
      coalesce(sum((s).hairnet), 0) as hairnet,
      sum((s).processing_sum)::float8 / nullif(sum((s).detections), 0)::float8 as avg_processing,
      sum((s).confidence_sum)::float8 / nullif(sum((s).detections), 0)::float8 as avg_confidence,
      coalesce(sum((s).violations), 0) as violations_today,
      (select count(*) from violation_events where status = 'pending') as pending
    from parts`;
}

export class StatisticsRepository implements StatisticsSource {
  constructor(
    protected readonly handle: DatabaseHandle,
    protected readonly options: StatisticsOptions,
  ) {}

  /** The statement that answers DayTotals (a benchmark swaps in the old one). */
  protected totalsSql(now: Date): SQL {
    return dayTotalsSql(now, this.options.timeZone);
  }

  async realtimeStatistics(now: Date): Promise<RealtimeStatistics> {
    const [totals, areas, recent] = await Promise.all([
      // name: statistics.totals
      this.handle.rows<DayTotals>(this.totalsSql(now)),
      // name: statistics.monitoredAreas
      this.handle.rows<{ name: string }>(sql`
        select distinct r.name collate "C" as name from cameras c join regions r on r.id = c.region_id
        where c.is_active order by 1`),
      // name: statistics.recentViolations
      this.handle.rows<{
        camera_id: string;
        violation_type: string;
        occurred_at: string | Date;
      }>(sql`
        select camera_id, violation_type, occurred_at from violation_events
        where status = 'pending' order by occurred_at desc, id desc limit ${RECENT_VIOLATIONS}`),
    ]);
    const t = totals[0]!;
    return {
      timestamp: now,
      systemStatus: 'active',
      source: 'domain',
      detectionStats: {
        totalDetectionsToday: Number(t.detections),
        handwashingDetections: Number(t.handwash),
        disinfectionDetections: Number(t.sanitize),
        hairnetDetections: Number(t.hairnet),
        violationCount: Number(t.violations_today),
      },
      regionStats: { activeRegions: areas.length, monitoredAreas: areas.map((a) => a.name) },
      performanceMetrics: {
        averageProcessingTime: Number(t.avg_processing ?? 0),
        detectionAccuracy: Number(t.avg_confidence ?? 0),
        systemUptimeSeconds: uptimeSeconds(this.options.startedAt, now),
      },
      alerts: {
        activeAlerts: Number(t.pending),
        recentViolations: recent.map((v) => ({
          cameraId: v.camera_id,
          violationType: v.violation_type,
          timestamp: new Date(v.occurred_at),
        })),
      },
    };
  }
}
