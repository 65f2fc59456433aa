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
  description: 'Which implementation computed the statistics.',
  values: {
    DOMAIN: { value: 'domain', description: 'Aggregated in SQL over the domain tables.' },
    LEGACY_LOG: { value: 'legacy_log', description: 'Fallback: what the legacy log can tell.' },
  } as const,
});

const DetectionStats = builder.objectRef<Stats['detectionStats']>('DetectionStats').implement({
  description: "Today's detection counts.",
  fields: (t) => ({
    totalDetectionsToday: t.exposeInt('totalDetectionsToday', {
      description: 'Detection records today (legacy path: log records today).',
    }),
    handwashingDetections: t.exposeInt('handwashingDetections', {
      description: 'Hand-washing events today.',
    }),
    disinfectionDetections: t.exposeInt('disinfectionDetections', {
      description: 'Sanitizing events today (0 on the legacy path: not logged).',
    }),
    hairnetDetections: t.exposeInt('hairnetDetections', {
      description: 'Missing-hairnet detections today.',
    }),
    violationCount: t.exposeInt('violationCount', { description: 'Violations today, any status.' }),
  }),
});

const RegionStats = builder.objectRef<Stats['regionStats']>('RegionStats').implement({
  description: 'The regions being watched.',
  fields: (t) => ({
    activeRegions: t.exposeInt('activeRegions', {
      description: 'How many distinct regions active cameras watch.',
    }),
    monitoredAreas: t.exposeStringList('monitoredAreas', {
      description: 'Their names, in code-point order.',
    }),
  }),
});

const PerformanceMetrics = builder
  .objectRef<Stats['performanceMetrics']>('PerformanceMetrics')
  .implement({
    description: "Today's processing performance and this gateway's uptime.",
    fields: (t) => ({
      averageProcessingTime: t.exposeFloat('averageProcessingTime', { description: 'Seconds.' }),
      detectionAccuracy: t.exposeFloat('detectionAccuracy', { description: 'Mean confidence.' }),
      systemUptimeSeconds: t.exposeInt('systemUptimeSeconds', {
        description: 'Seconds since this gateway process started.',
      }),
      systemUptime: t.string({
        description: 'HH:MM:SS, as the legacy API printed it.',
        resolve: (m) => formatUptime(m.systemUptimeSeconds),
      }),
    }),
  });

type Violation = Stats['alerts']['recentViolations'][number];
const RecentViolation = builder.objectRef<Violation>('RecentViolation').implement({
  description: 'A recent pending violation (legacy path: a recent violation-type log record).',
  fields: (t) => ({
    cameraId: t.exposeString('cameraId', { description: 'The camera that saw it.' }),
    violationType: t.exposeString('violationType', {
      description: 'The violation type, e.g. no_hairnet (legacy path: the event type).',
    }),
    timestamp: t.field({
      type: 'DateTime',
      description: 'When it happened.',
      resolve: (v) => v.timestamp,
    }),
  }),
});

const Alerts = builder.objectRef<Stats['alerts']>('Alerts').implement({
  description: 'Violations waiting to be handled.',
  fields: (t) => ({
    activeAlerts: t.exposeInt('activeAlerts', { description: 'Pending violations (any day).' }),
    recentViolations: t.field({
      type: [RecentViolation],
      description: 'The 10 newest pending violations, newest first.',
      resolve: (a) => a.recentViolations,
    }),
  }),
});

export const RealtimeStatistics = builder.objectRef<Stats>('RealtimeStatistics').implement({
  description: "Today's statistics, as the legacy dashboard showed them.",
  fields: (t) => ({
    timestamp: t.field({
      type: 'DateTime',
      description: 'When they were computed.',
      resolve: (s) => s.timestamp,
    }),
    systemStatus: t.exposeString('systemStatus', { description: 'Always `active`.' }),
    source: t.field({
      type: StatisticsSource,
      description: 'Which implementation computed them.',
      resolve: (s) => s.source,
    }),
    detectionStats: t.field({
      type: DetectionStats,
      description: 'Detection counts.',
      resolve: (s) => s.detectionStats,
    }),
    regionStats: t.field({
      type: RegionStats,
      description: 'Watched regions.',
      resolve: (s) => s.regionStats,
    }),
    performanceMetrics: t.field({
      type: PerformanceMetrics,
      description: 'Processing performance.',
      resolve: (s) => s.performanceMetrics,
    }),
    alerts: t.field({
      type: Alerts,
      description: 'Pending violations.',
      resolve: (s) => s.alerts,
    }),
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

function formatUptime(seconds: number): string {
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  return [h, m, s].map((n) => String(n).padStart(2, '0')).join(':');
}
