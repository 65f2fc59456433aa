// The alertHistory field: the domain repository vs the old SQL, and its REST shim.
import type { AlertHistorySource } from '../../domain/alerts.js';
import type { Paths } from '../../graphql/context.js';
import { AlertRepository } from '../../repositories/alert-repository.js';
import { LegacyAlertSql } from '../../repositories/legacy-alert-sql.js';
import { detailDoc, okDoc, validationErrorDoc } from '../../rest/v1/openapi.js';
import { openApiParams } from '../args.js';
import { defineField } from '../field.js';
import './field.js';
import { alertHistory as shim } from './shim.js';
import { args, FLAG } from './spec.js';

declare module '../../graphql/context.js' {
  interface Services {
    alertHistory: Paths<AlertHistorySource>;
  }
}

export const alertHistory = defineField({
  flag: FLAG,
  coordinate: 'Query.alertHistory',
  service: 'alertHistory',
  createService: ({ handle }) => ({
    domain: new AlertRepository(handle.db),
    legacy: new LegacyAlertSql(handle.db),
  }),
  routes: [
    {
      path: '/api/v1/alerts/history-db',
      name: FLAG,
      methods: { GET: shim },
      openapi: {
        operations: {
          get: {
            summary: 'Alert history',
            operationId: 'alertHistory',
            parameters: openApiParams(args),
            responses: {
              '200': okDoc('Alerts, newest first; `count` is the number of items.', {
                type: 'object',
                required: ['count', 'items'],
                properties: {
                  count: { type: 'integer' },
                  items: {
                    type: 'array',
                    items: { $ref: '#/components/schemas/AlertHistoryItem' },
                  },
                },
              }),
              '422': validationErrorDoc,
              '500': detailDoc('The query failed on every path.'),
            },
          },
        },
        schemas: {
          AlertHistoryItem: {
            type: 'object',
            required: [
              'id',
              'rule_id',
              'camera_id',
              'alert_type',
              'message',
              'details',
              'notification_sent',
              'notification_channels_used',
              'timestamp',
            ],
            properties: {
              id: { type: 'integer' },
              rule_id: { type: ['integer', 'null'] },
              camera_id: { type: 'string' },
              alert_type: { type: 'string' },
              message: { type: ['string', 'null'] },
              details: { description: '`{}` when none was recorded.' },
              notification_sent: { type: ['boolean', 'null'] },
              notification_channels_used: {},
              timestamp: {
                type: 'string',
                description: 'UTC, ISO 8601 without offset, microseconds.',
              },
            },
          },
        },
      },
    },
  ],
});
