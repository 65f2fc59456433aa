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
import { RECENT_VIOLATIONS, uptimeSeconds } from '../domain/statistics-repository.js';
import type { EventRecord, RealtimeStatistics, StatisticsSource } from '../domain/types.js';

/** Visits every record with ts >= since, newest first. */
export interface LogScanner {
  scanSince(since: Date, visit: (record: EventRecord) => void): Promise<unknown>;
}

export class LegacyStatistics implements StatisticsSource {
  constructor(
    private readonly log: LogScanner,
    private readonly options: { timeZone: string; startedAt: Date },
  ) {}

  async realtimeStatistics(now: Date): Promise<RealtimeStatistics> {
    let total = 0;
    let handwashing = 0;
    let hairnet = 0;
    let violations = 0;
    let confidenceSum = 0;
    let confidenceCount = 0;
    const areas = new Set<string>();
    const recent: RealtimeStatistics['alerts']['recentViolations'] = [];
    await this.log.scanSince(startOfDay(now, this.options.timeZone), (record) => {
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
      timestamp: now,
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
      performanceMetrics: {
        averageProcessingTime: 0,
        detectionAccuracy: confidenceCount ? confidenceSum / confidenceCount : 0,
        systemUptimeSeconds: uptimeSeconds(this.options.startedAt, now),
      },
      alerts: { activeAlerts: violations, recentViolations: recent },
    };
  }
}
