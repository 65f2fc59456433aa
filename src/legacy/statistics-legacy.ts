// Legacy path of `realtimeStatistics`: what the event log alone can tell, reported with
// source LEGACY_LOG so callers know it is the fallback. Definitions (README "Statistics"):
// - today = [local midnight in TIME_ZONE, now]; every count is over today's log records.
// - totalDetectionsToday: all records; handwashingDetections: HANDWASHING_ACTIVE;
//   hairnetDetections: NO_HAIRNET_AT_SINK; disinfectionDetections: 0 (the log has no such type);
//   violationCount = activeAlerts: records of violation types (the log knows no handling status).
// - monitoredAreas: distinct evidence.region names seen today; detectionAccuracy: mean
//   evidence.confidence; averageProcessingTime: 0 (not logged).
// - recentViolations: the newest 10 violation records of today.
import { violationOf } from '../domain/event-types.js';
import { startOfDay } from '../domain/local-time.js';
import { RECENT_VIOLATIONS, uptimeSeconds } from '../domain/statistics.js';
import type { EventRecord, RealtimeStatistics, StatisticsSource } from '../domain/types.js';

/** Visits every record with ts >= since, newest first. */
export interface LogScanner {
  scanSince(since: Date, visit: (record: EventRecord) => void): Promise<unknown>;
}

export interface LegacyStatisticsOptions {
  timeZone: string;
  startedAt: Date;
  /**
   * How long one scan of the day's log serves later requests, in ms. A day of a busy log is
   * millions of lines; concurrent and repeated requests share one scan. Default 5000; 0 = never.
   */
  maxAgeMs?: number;
}

type DayCounts = Omit<RealtimeStatistics, 'timestamp' | 'performanceMetrics'> & {
  detectionAccuracy: number;
};

export class LegacyStatistics implements StatisticsSource {
  private cached: { day: number; at: number; counts: Promise<DayCounts> } | undefined;

  constructor(
    private readonly log: LogScanner,
    private readonly options: LegacyStatisticsOptions,
  ) {}

  async realtimeStatistics(now: Date): Promise<RealtimeStatistics> {
    const day = startOfDay(now, this.options.timeZone).getTime();
    const maxAge = this.options.maxAgeMs ?? 5000;
    const c = this.cached;
    if (!c || c.day !== day || now.getTime() - c.at >= maxAge || now.getTime() < c.at) {
      const counts = this.countDay(new Date(day), now);
      this.cached = { day, at: now.getTime(), counts };
      counts.catch(() => {
        if (this.cached?.counts === counts) this.cached = undefined;
      });
    }
    const { detectionAccuracy, ...counts } = await this.cached!.counts;
    return {
      ...counts,
      timestamp: now,
      performanceMetrics: {
        averageProcessingTime: 0,
        detectionAccuracy,
        systemUptimeSeconds: uptimeSeconds(this.options.startedAt, now),
      },
    };
  }

  private async countDay(dayStart: Date, now: Date): Promise<DayCounts> {
    let total = 0;
    let handwashing = 0;
    let hairnet = 0;
    let violations = 0;
    let confidenceSum = 0;
    let confidenceCount = 0;
    const areas = new Set<string>();
    const recent: RealtimeStatistics['alerts']['recentViolations'] = [];
    await this.log.scanSince(dayStart, (record) => {
      if (record.occurredAt > now) return;
      total++;
      if (record.type === 'HANDWASHING_ACTIVE') handwashing++;
      if (record.type === 'NO_HAIRNET_AT_SINK') hairnet++;
      const violationType = violationOf(record.type);
      if (violationType) {
        violations++;
        if (recent.length < RECENT_VIOLATIONS && record.cameraId) {
          recent.push({ cameraId: record.cameraId, violationType, timestamp: record.occurredAt });
        }
      }
      const evidence = (record.evidence ?? {}) as { region?: unknown; confidence?: unknown };
      if (typeof evidence.region === 'string') areas.add(evidence.region);
      if (typeof evidence.confidence === 'number' && Number.isFinite(evidence.confidence)) {
        confidenceSum += evidence.confidence;
        confidenceCount++;
      }
    });
    recent.sort((a, b) => b.timestamp.getTime() - a.timestamp.getTime());
    const monitoredAreas = [...areas].sort();
    return {
      systemStatus: 'active',
      source: 'legacy_log',
      detectionStats: {
        totalDetectionsToday: total,
        handwashingDetections: handwashing,
        disinfectionDetections: 0,
        hairnetDetections: hairnet,
        violationCount: violations,
      },
      regionStats: { activeRegions: monitoredAreas.length, monitoredAreas },
      detectionAccuracy: confidenceCount ? confidenceSum / confidenceCount : 0,
      alerts: { activeAlerts: violations, recentViolations: recent },
    };
  }
}
