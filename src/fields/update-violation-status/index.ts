// The updateViolationStatus field: a domain transaction with an audit row vs the old single
// UPDATE, and its REST shim.
import { VIOLATION_STATUSES } from '../../db/schema.js';
import type { ViolationStatusWriter } from '../../domain/violations.js';
import type { Paths } from '../../graphql/context.js';
import { LegacyViolationWriter } from '../../repositories/legacy-violation-writer.js';
import { ViolationRepository } from '../../repositories/violation-repository.js';
import { detailDoc, okDoc, validationErrorDoc } from '../../rest/v1/openapi.js';
import { defineField } from '../field.js';
import './field.js';
import { updateViolationStatus as shim } from './shim.js';
import { FLAG, openApiParameters } from './spec.js';

declare module '../../graphql/context.js' {
  interface Services {
    violations: Paths<ViolationStatusWriter>;
  }
}

export const updateViolationStatus = defineField({
  flag: FLAG,
  coordinate: 'Mutation.updateViolationStatus',
  service: 'violations',
  createService: ({ handle, writeTimeoutMs }) => ({
    domain: new ViolationRepository(handle.db, { timeoutMs: writeTimeoutMs }),
    legacy: new LegacyViolationWriter(handle.db),
  }),
  routes: [
    {
      path: '/api/v1/records/violations/{violation_id}/status',
      name: FLAG,
      methods: { PUT: shim },
      openapi: {
        // Each error answer is FastAPI's {"detail": "..."}.
        operations: {
          put: {
            summary: 'Update the status of a violation',
            operationId: 'updateViolationStatus',
            security: [{ bearer: [] }, {}],
            parameters: openApiParameters,
            responses: {
              '200': okDoc('Applied.', {
                type: 'object',
                required: ['ok', 'violation_id', 'status'],
                additionalProperties: false,
                properties: {
                  ok: { const: true },
                  violation_id: { type: 'integer', description: 'The id from the path.' },
                  status: { $ref: '#/components/schemas/ViolationStatus' },
                },
              }),
              '400': detailDoc('Invalid status value.'),
              '401': detailDoc('A bearer token is required (when tokens are configured).'),
              '403': detailDoc('The token lacks the violations:write scope.'),
              '404': detailDoc('No violation with this id.'),
              '409': detailDoc('The idempotency key was used for a different change.'),
              '422': validationErrorDoc,
              '503': detailDoc(
                'The outcome of the write is unknown or the database is unavailable; nothing was acknowledged.',
              ),
            },
          },
        },
        schemas: {
          ViolationStatus: {
            type: 'string',
            enum: [...VIOLATION_STATUSES],
            description: 'Where a violation is in its handling.',
          },
        },
      },
    },
  ],
});
