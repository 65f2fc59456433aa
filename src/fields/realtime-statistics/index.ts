// The realtimeStatistics field: SQL aggregates over the domain tables vs what the legacy log can
// tell, and its REST shim.
import { VIOLATION_TYPES } from '../../db/schema.js';
import type { StatisticsSource } from '../../domain/types.js';
import type { Paths } from '../../graphql/context.js';
import { LegacyStatistics } from '../../legacy/statistics-legacy.js';
import { StatisticsRepository } from '../../repositories/statistics-repository.js';
import { okDoc, validationErrorDoc } from '../../rest/v1/openapi.js';
import { openApiParams } from '../args.js';
import { defineField } from '../field.js';
import { realtimeStatisticsComparator } from './compare.js';
import './field.js';
import { realtimeStatistics as shim } from './shim.js';
import { args, FLAG } from './spec.js';

declare module '../../graphql/context.js' {
  interface Services {
    statistics: Paths<StatisticsSource>;
  }
}

const DETECTION_COUNTS = [
  'total_detections_today',
  'handwashing_detections',
  'disinfection_detections',
  'hairnet_detections',
  'violation_count',
] as const;

export const realtimeStatistics = defineField({
  flag: FLAG,
  coordinate: 'Query.realtimeStatistics',
  service: 'statistics',
  createService: ({ handle, legacyLog, timeZone, startedAt, onClose }) => {
    const legacy = new LegacyStatistics(legacyLog, { timeZone, startedAt });
    onClose(() => legacy.close());
    return { domain: new StatisticsRepository(handle, { timeZone, startedAt }), legacy };
  },
  compares: realtimeStatisticsComparator.describe,
  routes: [
    {
      path: '/api/v1/statistics/realtime',
      name: FLAG,
      methods: { GET: shim },
      openapi: {
        operations: {
          get: {
            summary: 'Realtime statistics',
            operationId: 'realtimeStatistics',
            parameters: openApiParams(args),
            responses: {
              '200': okDoc('Statistics of today.', {
                $ref: '#/components/schemas/RealtimeStatistics',
              }),
              '422': validationErrorDoc,
            },
          },
        },
        schemas: {
          NaiveLocalTime: {
            type: 'string',
            // Not `format: date-time`: RFC 3339 requires an offset, which these never have.
            pattern: '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d{6})?$',
            description:
              'Local time in the gateway TIME_ZONE without an offset, as Python isoformat() printed it (microseconds omitted when zero), e.g. 2025-10-31T09:28:17.533764.',
          },
          ViolationType: {
            type: 'string',
            enum: [...VIOLATION_TYPES],
            description: 'What rule a violation broke.',
          },
          RealtimeStatistics: {
            type: 'object',
            description: "Today's statistics (today: since local midnight in TIME_ZONE).",
            required: [
              'timestamp',
              'system_status',
              'detection_stats',
              'region_stats',
              'performance_metrics',
              'alerts',
            ],
            additionalProperties: false,
            properties: {
              timestamp: { $ref: '#/components/schemas/NaiveLocalTime' },
              system_status: { type: 'string', enum: ['active'] },
              detection_stats: {
                type: 'object',
                required: [...DETECTION_COUNTS],
                additionalProperties: false,
                properties: Object.fromEntries(
                  DETECTION_COUNTS.map((name) => [name, { type: 'integer', minimum: 0 }]),
                ),
              },
              region_stats: {
                type: 'object',
                required: ['active_regions', 'monitored_areas'],
                additionalProperties: false,
                properties: {
                  active_regions: { type: 'integer', minimum: 0 },
                  monitored_areas: { type: 'array', items: { type: 'string' } },
                },
              },
              performance_metrics: {
                type: 'object',
                required: ['average_processing_time', 'detection_accuracy', 'system_uptime'],
                additionalProperties: false,
                properties: {
                  average_processing_time: { type: 'number', description: 'Seconds.' },
                  detection_accuracy: { type: 'number', description: 'Mean confidence.' },
                  system_uptime: {
                    type: 'string',
                    pattern: '^\\d{2,}:\\d{2}:\\d{2}$',
                    description: 'HH:MM:SS since this gateway started.',
                  },
                },
              },
              alerts: {
                type: 'object',
                required: ['active_alerts', 'recent_violations'],
                additionalProperties: false,
                properties: {
                  active_alerts: { type: 'integer', minimum: 0 },
                  recent_violations: {
                    type: 'array',
                    maxItems: 10,
                    items: {
                      type: 'object',
                      required: ['camera_id', 'violation_type', 'timestamp'],
                      additionalProperties: false,
                      properties: {
                        camera_id: {
                          type: ['string', 'null'],
                          description: 'Null when the legacy log record named no camera.',
                        },
                        violation_type: { $ref: '#/components/schemas/ViolationType' },
                        timestamp: { $ref: '#/components/schemas/NaiveLocalTime' },
                      },
                    },
                  },
                },
              },
            },
          },
        },
      },
    },
  ],
});
