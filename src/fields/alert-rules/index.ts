// The alertRules field: the domain repository vs the old SQL, and its REST shim (GET; the POST
// on the same path belongs to the alert rule writes).
import type { AlertRuleSource } from '../../domain/alerts.js';
import type { Paths } from '../../graphql/context.js';
import { AlertRepository } from '../../repositories/alert-repository.js';
import { LegacyAlertSql } from '../../repositories/legacy-alert-sql.js';
import { detailDoc, okDoc, validationErrorDoc } from '../../rest/v1/openapi.js';
import { openApiParams } from '../args.js';
import { defineField } from '../field.js';
import './field.js';
import { listAlertRules } from './shim.js';
import { args, FLAG } from './spec.js';

declare module '../../graphql/context.js' {
  interface Services {
    alertRules: Paths<AlertRuleSource>;
  }
}

const nullable = (type: string) => ({ type: [type, 'null'] });

export const alertRules = defineField({
  flag: FLAG,
  coordinate: 'Query.alertRules',
  service: 'alertRules',
  createService: ({ handle }) => ({
    domain: new AlertRepository(handle.db),
    legacy: new LegacyAlertSql(handle.db),
  }),
  routes: [
    {
      path: '/api/v1/alerts/rules',
      name: 'alerts.rules',
      methods: { GET: listAlertRules },
      openapi: {
        operations: {
          get: {
            summary: 'Alert rules',
            operationId: 'alertRules',
            parameters: openApiParams(args),
            responses: {
              '200': okDoc('Rules, most recently changed first; `count` is the number of items.', {
                type: 'object',
                required: ['count', 'items'],
                properties: {
                  count: { type: 'integer' },
                  items: { type: 'array', items: { $ref: '#/components/schemas/AlertRuleItem' } },
                },
              }),
              '422': validationErrorDoc,
              '500': detailDoc('The query failed on every path.'),
            },
          },
        },
        schemas: {
          AlertRuleItem: {
            type: 'object',
            properties: {
              id: { type: 'integer' },
              name: { type: 'string' },
              camera_id: nullable('string'),
              rule_type: { enum: ['event_count', 'violation_count'] },
              conditions: { $ref: '#/components/schemas/AlertConditions' },
              notification_channels: { type: ['array', 'null'] },
              recipients: { type: ['array', 'null'], items: { type: 'string' } },
              enabled: nullable('boolean'),
              priority: { enum: ['low', 'medium', 'high', 'critical', null] },
              created_at: nullable('string'),
              updated_at: nullable('string'),
            },
          },
          AlertConditions: {
            type: 'object',
            required: ['event_type', 'threshold', 'window_seconds'],
            additionalProperties: false,
            properties: {
              event_type: { type: 'string' },
              camera_id: { type: 'string' },
              threshold: { type: 'integer', minimum: 1 },
              window_seconds: { type: 'integer', minimum: 1 },
              cooldown_seconds: { type: 'integer', minimum: 0 },
            },
          },
        },
      },
    },
  ],
});
