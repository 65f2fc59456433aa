// The realtimeStatistics field: SQL aggregates over the domain tables vs what the legacy log can
// tell, and its REST shim.
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

export const realtimeStatistics = defineField({
  flag: FLAG,
  coordinate: 'Query.realtimeStatistics',
  service: 'statistics',
  createService: ({ handle, legacyLog, timeZone, startedAt }) => ({
    domain: new StatisticsRepository(handle, { timeZone, startedAt }),
    legacy: new LegacyStatistics(legacyLog, { timeZone, startedAt }),
  }),
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
          RealtimeStatistics: {
            type: 'object',
            properties: {
              timestamp: { type: 'string' },
              system_status: { type: 'string' },
              detection_stats: { type: 'object', additionalProperties: { type: 'integer' } },
              region_stats: {
                type: 'object',
                properties: {
                  active_regions: { type: 'integer' },
                  monitored_areas: { type: 'array', items: { type: 'string' } },
                },
              },
              performance_metrics: {
                type: 'object',
                properties: {
                  average_processing_time: { type: 'number' },
                  detection_accuracy: { type: 'number' },
                  system_uptime: { type: 'string' },
                },
              },
              alerts: {
                type: 'object',
                properties: {
                  active_alerts: { type: 'integer' },
                  recent_violations: {
                    type: 'array',
                    items: {
                      type: 'object',
                      properties: {
                        camera_id: { type: 'string' },
                        violation_type: { type: 'string' },
                        timestamp: { type: 'string' },
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
