// What the shadow comparison of realtimeStatistics compares. The two paths read different data:
// the domain path aggregates detection_records and violation_events, the legacy path counts the
// day's log records. What both can know is what the detection pipeline wrote to both:
// - systemStatus;
// - how many HANDWASHING_ACTIVE and NO_HAIRNET_AT_SINK detections and how many violations
//   (of any status) happened today: handwashingDetections, hairnetDetections, violationCount.
// Not compared: timestamp and systemUptime (the request's clock, not data); source (differs by
// definition); totalDetectionsToday (frame batches vs log records); disinfectionDetections and
// averageProcessingTime (not in the log); detectionAccuracy (per-batch mean vs per-event mean);
// regions (active cameras vs regions named in the log); activeAlerts and recentViolations
// (pending ones vs the log's, which knows no handling status).
// The counts may be a few apart without a bug: the legacy path shares one scan of the log for
// 5 s and the pipeline writes the log a moment before the tables. So counts compare within 2%
// (at least 3).
import type { RealtimeStatistics } from '../../domain/types.js';
import type { Comparator } from '../../rollout/compare.js';

const COUNTS = ['handwashingDetections', 'hairnetDetections', 'violationCount'] as const;

/** Larger of 3 and 2% of the larger count: what a 5-second lag can explain. */
export function countSlack(a: number, b: number): number {
  return Math.max(3, 0.02 * Math.max(Math.abs(a), Math.abs(b)));
}

export const realtimeStatisticsComparator: Comparator<RealtimeStatistics> = {
  describe:
    'systemStatus exactly; handwashingDetections, hairnetDetections, violationCount within 2% (at least 3)',
  project: (s) => ({
    systemStatus: s.systemStatus,
    counts: Object.fromEntries(COUNTS.map((k) => [k, s.detectionStats[k]])),
  }),
  close: (path, a, b) => path.startsWith('counts.') && Math.abs(a - b) <= countSlack(a, b),
};
