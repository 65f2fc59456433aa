// Domain path of `realtimeStatistics`: every number is aggregated in SQL over the whole day
// (the old implementation loaded at most 1000 rows and counted them in memory, capping counts).
//
// Definitions (README "Statistics"):
// - "today" is [local midnight, now] in the configured TIME_ZONE.
// - totalDetectionsToday: detection_records rows recorded today (one per processed frame batch).
// - handwashing / disinfection / hairnet detections: sums of handwash_events, sanitize_events and
//   hairnet_violations over today's detection records.
// - violationCount: violation_events that occurred today, whatever their status.
// - activeRegions / monitoredAreas: distinct regions of active cameras (names, sorted).
// - averageProcessingTime / detectionAccuracy: means of processing_time and avg_confidence today
//   (0 when there are none).
// - activeAlerts: pending violations (any day); recentViolations: the newest 10 pending ones.
// - systemUptimeSeconds: seconds since this gateway process started.
import { sql } from 'drizzle-orm';
import type { DatabaseHandle } from '../db/client.js';
import type { RealtimeStatistics, StatisticsSource } from './types.js';

export const RECENT_VIOLATIONS = 10;

interface Totals {
  detections: string | number;
  handwash: string | number;
  sanitize: string | number;
  hairnet: string | number;
  avg_processing: number | null;
  avg_confidence: number | null;
  violations_today: string | number;
  pending: string | number;
}

export class StatisticsRepository implements StatisticsSource {
  constructor(
    private readonly handle: DatabaseHandle,
    private readonly options: { timeZone: string; startedAt: Date },
  ) {}

  async realtimeStatistics(now: Date): Promise<RealtimeStatistics> {
    const tz = this.options.timeZone;
    const dayStart = sql`(date_trunc('day', ${now.toISOString()}::timestamptz at time zone ${tz}) at time zone ${tz})`;
    const [totals, areas, recent] = await Promise.all([
      // name: statistics.totals
      this.handle.rows<Totals>(sql`
        select
          count(*) as detections,
          coalesce(sum(handwash_events), 0) as handwash,
          coalesce(sum(sanitize_events), 0) as sanitize,
          coalesce(sum(hairnet_violations), 0) as hairnet,
          avg(processing_time) as avg_processing,
          avg(avg_confidence)::float8 as avg_confidence,
          (select count(*) from violation_events
             where occurred_at >= ${dayStart} and occurred_at <= ${now.toISOString()}::timestamptz) as violations_today,
          (select count(*) from violation_events where status = 'pending') as pending
        from detection_records
        where recorded_at >= ${dayStart} and recorded_at <= ${now.toISOString()}::timestamptz`),
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

export function uptimeSeconds(startedAt: Date, now: Date): number {
  return Math.max(0, Math.floor((now.getTime() - startedAt.getTime()) / 1000));
}
