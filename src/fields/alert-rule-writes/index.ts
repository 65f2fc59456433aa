// The alert rule writes (createAlertRule, updateAlertRule: two coordinates under one flag): the
// domain repository vs the old SQL, and their REST shims (POST and PUT).
import type { AlertRuleWriter } from '../../domain/alerts.js';
import type { Paths } from '../../graphql/context.js';
import { AlertRepository } from '../../repositories/alert-repository.js';
import { LegacyAlertSql } from '../../repositories/legacy-alert-sql.js';
import { detailDoc, okDoc, rolloutHeadersDoc, validationErrorDoc } from '../../rest/v1/openapi.js';
import { defineField } from '../field.js';
import './field.js';
import { createAlertRule, updateAlertRule } from './shim.js';
import { FLAG, forceDomainParam, idempotencyKeyParam } from './spec.js';

declare module '../../graphql/context.js' {
  interface Services {
    alertRuleWrites: Paths<AlertRuleWriter>;
  }
}

const body = (required: boolean) => ({
  required,
  content: {
    'application/json': {
      schema: {
        type: 'object',
        description:
          'name, camera_id, rule_type, conditions, notification_channels, recipients, enabled, priority (POST also created_by). Other keys are ignored and listed in X-Ignored-Keys.',
        properties: {
          name: { type: 'string', maxLength: 100 },
          camera_id: { type: ['string', 'null'], maxLength: 50 },
          rule_type: { enum: ['event_count', 'violation_count'] },
          conditions: { $ref: '#/components/schemas/AlertConditions' },
          notification_channels: { type: ['array', 'null'] },
          recipients: { type: ['array', 'null'], items: { type: 'string' } },
          enabled: { type: ['boolean', 'null'] },
          priority: { enum: ['low', 'medium', 'high', 'critical', null] },
        },
      },
    },
  },
});

const ignoredKeysHeader = {
  ...rolloutHeadersDoc,
  'X-Ignored-Keys': {
    description: 'Body keys that were not applied (URL-encoded, comma-separated).',
    schema: { type: 'string' },
  },
};

const errors = {
  '401': detailDoc('A bearer token is required (when tokens are configured).'),
  '403': detailDoc('The token lacks the alerts:write scope.'),
  '409': detailDoc('The idempotency key was used for a different change.'),
  '422': validationErrorDoc,
  '503': detailDoc('The outcome of the write is unknown or the database is unavailable.'),
};

export const alertRuleWrites = defineField({
  flag: FLAG,
  coordinate: ['Mutation.createAlertRule', 'Mutation.updateAlertRule'],
  service: 'alertRuleWrites',
  createService: ({ handle }) => ({
    domain: new AlertRepository(handle.db),
    legacy: new LegacyAlertSql(handle.db),
  }),
  routes: [
    {
      path: '/api/v1/alerts/rules',
      name: 'alerts.rules',
      methods: { POST: createAlertRule },
      openapi: {
        operations: {
          post: {
            summary: 'Create an alert rule',
            operationId: 'createAlertRule',
            security: [{ bearer: [] }, {}],
            parameters: [forceDomainParam, idempotencyKeyParam],
            requestBody: body(true),
            responses: {
              '200': {
                ...okDoc('Created.', {
                  type: 'object',
                  properties: { ok: { const: true }, id: { type: 'integer' } },
                }),
                headers: ignoredKeysHeader,
              },
              '400': detailDoc('A required key (name, rule_type, conditions) is missing.'),
              ...errors,
            },
          },
        },
      },
    },
    {
      path: '/api/v1/alerts/rules/{rule_id}',
      name: FLAG,
      methods: { PUT: updateAlertRule },
      openapi: {
        operations: {
          put: {
            summary: 'Change an alert rule',
            operationId: 'updateAlertRule',
            security: [{ bearer: [] }, {}],
            parameters: [
              {
                name: 'rule_id',
                in: 'path',
                required: true,
                schema: { type: 'integer', minimum: 1 },
              },
              forceDomainParam,
              idempotencyKeyParam,
            ],
            requestBody: body(false),
            responses: {
              '200': {
                ...okDoc('Applied (only the keys sent).', {
                  type: 'object',
                  properties: { ok: { const: true } },
                }),
                headers: ignoredKeysHeader,
              },
              '404': detailDoc('No rule with this id.'),
              ...errors,
            },
          },
        },
      },
    },
  ],
});
