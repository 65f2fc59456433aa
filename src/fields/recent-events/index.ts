// The recentEvents field: domain `events` table vs the legacy log, and its REST shim.
import type { EventSource } from '../../domain/types.js';
import type { Paths } from '../../graphql/context.js';
import { EventRepository } from '../../repositories/event-repository.js';
import { okDoc, validationErrorDoc } from '../../rest/v1/openapi.js';
import { openApiParams } from '../args.js';
import { defineField } from '../field.js';
import { recentEventsComparator } from './compare.js';
import './field.js';
import { recentEvents as shim } from './shim.js';
import { args, FLAG } from './spec.js';

declare module '../../graphql/context.js' {
  interface Services {
    events: Paths<EventSource>;
  }
}

export const recentEvents = defineField({
  flag: FLAG,
  coordinate: 'Query.recentEvents',
  service: 'events',
  createService: (deps) => ({
    domain: new EventRepository(deps.handle.db),
    legacy: deps.legacyLog,
  }),
  compares: recentEventsComparator.describe,
  routes: [
    {
      path: '/api/v1/events/recent',
      name: FLAG,
      methods: { GET: shim },
      openapi: {
        operations: {
          get: {
            summary: 'Recent events',
            operationId: 'recentEvents',
            parameters: openApiParams(args),
            responses: {
              '200': okDoc('Event records as logged, newest first.', {
                type: 'array',
                items: { $ref: '#/components/schemas/EventRecord' },
              }),
              '422': validationErrorDoc,
            },
          },
        },
        schemas: {
          EventRecord: {
            type: 'object',
            required: ['ts'],
            additionalProperties: true,
            properties: {
              ts: { type: 'number', description: 'Unix seconds.' },
              type: { type: 'string' },
              camera_id: { type: 'string' },
              track_id: { type: 'integer' },
              evidence: { type: 'object', additionalProperties: true },
            },
          },
        },
      },
    },
  ],
});
