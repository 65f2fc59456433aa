// RealtimeStatistics and Query.realtimeStatistics under @rollout. The structure mirrors the
// legacy JSON; the definitions of each number are in src/repositories/statistics-repository.ts
// (domain), src/legacy/statistics-legacy.ts (legacy) and docs/legacy-contract.md.
import type { RealtimeStatistics as Stats } from '../../domain/types.js';
import { builder } from '../../graphql/builder.js';
import { rolloutField } from '../../graphql/rollout-directive.js';
import { type ArgValues, graphqlArgs } from '../args.js';
import { realtimeStatisticsComparator } from './compare.js';
import { args, FLAG } from './spec.js';

const StatisticsSource = builder.enumType('StatisticsSource', {
  values: {
    DOMAIN: { value: 'domain', description: 'Aggregated in SQL over the domain tables.' },
    LEGACY_LOG: { value: 'legacy_log', description: 'Fallback: what the legacy log can tell.' },
  } as const,
});

const DetectionStats = builder.objectRef<Stats['detectionStats']>('DetectionStats').implement({
  fields: (t) => ({
    totalDetectionsToday: t.exposeInt('totalDetectionsToday'),
    handwashingDetections: t.exposeInt('handwashingDetections'),
    disinfectionDetections: t.exposeInt('disinfectionDetections'),
    hairnetDetections: t.exposeInt('hairnetDetections'),
    violationCount: t.exposeInt('violationCount'),
  }),
});

const RegionStats = builder.objectRef<Stats['regionStats']>('RegionStats').implement({
  fields: (t) => ({
    activeRegions: t.exposeInt('activeRegions'),
    monitoredAreas: t.exposeStringList('monitoredAreas'),
  }),
});

const PerformanceMetrics = builder
  .objectRef<Stats['performanceMetrics']>('PerformanceMetrics')
  .implement({
    fields: (t) => ({
      averageProcessingTime: t.exposeFloat('averageProcessingTime', { description: 'Seconds.' }),
      detectionAccuracy: t.exposeFloat('detectionAccuracy', { description: 'Mean confidence.' }),
      systemUptimeSeconds: t.exposeInt('systemUptimeSeconds'),
      systemUptime: t.string({
        description: 'HH:MM:SS, as the legacy API printed it.',
        resolve: (m) => formatUptime(m.systemUptimeSeconds),
      }),
    }),
  });

type Violation = Stats['alerts']['recentViolations'][number];
const RecentViolation = builder.objectRef<Violation>('RecentViolation').implement({
  fields: (t) => ({
    cameraId: t.exposeString('cameraId'),
    violationType: t.exposeString('violationType'),
    timestamp: t.field({ type: 'DateTime', resolve: (v) => v.timestamp }),
  }),
});

const Alerts = builder.objectRef<Stats['alerts']>('Alerts').implement({
  fields: (t) => ({
    activeAlerts: t.exposeInt('activeAlerts'),
    recentViolations: t.field({ type: [RecentViolation], resolve: (a) => a.recentViolations }),
  }),
});

export const RealtimeStatistics = builder.objectRef<Stats>('RealtimeStatistics').implement({
  fields: (t) => ({
    timestamp: t.field({ type: 'DateTime', resolve: (s) => s.timestamp }),
    systemStatus: t.exposeString('systemStatus'),
    source: t.field({ type: StatisticsSource, resolve: (s) => s.source }),
    detectionStats: t.field({ type: DetectionStats, resolve: (s) => s.detectionStats }),
    regionStats: t.field({ type: RegionStats, resolve: (s) => s.regionStats }),
    performanceMetrics: t.field({ type: PerformanceMetrics, resolve: (s) => s.performanceMetrics }),
    alerts: t.field({ type: Alerts, resolve: (s) => s.alerts }),
  }),
});

builder.queryField('realtimeStatistics', (t) =>
  t.field({
    type: RealtimeStatistics,
    description: `Today's detection counts, regions, performance and pending violations, as the legacy dashboard showed them. Migrated under the rollout flag \`${FLAG}\`.`,
    args: graphqlArgs(t.arg, args),
    ...rolloutField<ArgValues<typeof args>, Stats>(FLAG, {
      domain: (_args, ctx) => ctx.services.statistics.domain.realtimeStatistics(ctx.now),
      legacy: (_args, ctx) => ctx.services.statistics.legacy.realtimeStatistics(ctx.now),
      compare: realtimeStatisticsComparator,
    }),
  }),
);

export function formatUptime(seconds: number): string {
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  return [h, m, s].map((n) => String(n).padStart(2, '0')).join(':');
}
