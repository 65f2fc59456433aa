// GET /api/v1/statistics/realtime: one GraphQL document mapped to the old nested snake_case
// object. Ints and floats are kept apart (Python printed 0.0, not 0) and timestamps are the old
// naive local ISO strings.
import { naiveLocalIso } from '../../domain/local-time.js';
import { dumpPy, type PyValue } from '../../legacy/py-json.js';
import {
  executeDocument,
  internalError,
  legacyJson,
  rolloutHeaders,
  type ShimRequest,
  unavailable,
} from '../../rest/v1/execute.js';
import { restParams } from '../args.js';
import { args, FLAG } from './spec.js';

const rest = restParams(args);

const DOCUMENT = /* GraphQL */ `
  query LegacyRealtimeStatistics($forceDomain: Boolean) {
    realtimeStatistics(forceDomain: $forceDomain) {
      timestamp
      systemStatus
      detectionStats { totalDetectionsToday handwashingDetections disinfectionDetections hairnetDetections violationCount }
      regionStats { activeRegions monitoredAreas }
      performanceMetrics { averageProcessingTime detectionAccuracy systemUptime }
      alerts { activeAlerts recentViolations { cameraId violationType timestamp } }
    }
  }
`;

interface Stats {
  timestamp: string;
  systemStatus: string;
  detectionStats: Record<string, number>;
  regionStats: { activeRegions: number; monitoredAreas: string[] };
  performanceMetrics: {
    averageProcessingTime: number;
    detectionAccuracy: number;
    systemUptime: string;
  };
  alerts: {
    activeAlerts: number;
    recentViolations: { cameraId: string; violationType: string; timestamp: string }[];
  };
}

const dict = (entries: [string, PyValue][]): PyValue => new Map(entries);
const int = (n: number): bigint => BigInt(n);

export async function realtimeStatistics(shim: ShimRequest, url: URL): Promise<Response> {
  const parsed = rest.params.parse(url.searchParams);
  if (!parsed.ok) return legacyJson(parsed.body, parsed.status);
  const result = await executeDocument<{ realtimeStatistics: Stats }>(
    shim,
    DOCUMENT,
    rest.variables(parsed.value),
  );
  if (!result.data) return unavailable(result.errors) ?? internalError();
  const s = result.data.realtimeStatistics;
  const d = s.detectionStats;
  const local = (iso: string) => naiveLocalIso(new Date(iso), shim.timeZone);
  const body = dict([
    ['timestamp', local(s.timestamp)],
    ['system_status', s.systemStatus],
    [
      'detection_stats',
      dict([
        ['total_detections_today', int(d.totalDetectionsToday!)],
        ['handwashing_detections', int(d.handwashingDetections!)],
        ['disinfection_detections', int(d.disinfectionDetections!)],
        ['hairnet_detections', int(d.hairnetDetections!)],
        ['violation_count', int(d.violationCount!)],
      ]),
    ],
    [
      'region_stats',
      dict([
        ['active_regions', int(s.regionStats.activeRegions)],
        ['monitored_areas', s.regionStats.monitoredAreas],
      ]),
    ],
    [
      'performance_metrics',
      dict([
        ['average_processing_time', s.performanceMetrics.averageProcessingTime],
        ['detection_accuracy', s.performanceMetrics.detectionAccuracy],
        ['system_uptime', s.performanceMetrics.systemUptime],
      ]),
    ],
    [
      'alerts',
      dict([
        ['active_alerts', int(s.alerts.activeAlerts)],
        [
          'recent_violations',
          s.alerts.recentViolations.map((v) =>
            dict([
              ['camera_id', v.cameraId],
              ['violation_type', v.violationType],
              ['timestamp', local(v.timestamp)],
            ]),
          ),
        ],
      ]),
    ],
  ]);
  return legacyJson(dumpPy(body), 200, rolloutHeaders(result.rollout?.[FLAG]));
}
