// The recentEvents field: domain `events` table vs the legacy log, and its REST shim.
import { EVENT_TYPES } from '../../domain/event-types.js';
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
          EventType: {
            type: 'string',
            enum: [...EVENT_TYPES],
            description: 'The event types the detection pipeline logs.',
          },
          EventRecord: {
            type: 'object',
            description:
              'A record of the legacy log, passed through with its own keys in its own order (extra keys included). The pipeline writes ts, type, camera_id, track_id and evidence; only ts is certain, as the log may hold records without the others. NaN and Infinity are answered as null.',
            required: ['ts'],
            additionalProperties: true,
            properties: {
              ts: {
                type: 'number',
                description: 'Unix seconds, as logged (usually with microseconds).',
              },
              type: {
                description: 'The event type: an EventType, or another type the log holds.',
                anyOf: [{ $ref: '#/components/schemas/EventType' }, { type: 'string' }],
              },
              camera_id: {
                type: 'string',
                description: 'The camera, e.g. cam0; may be empty.',
              },
              track_id: { type: 'integer', description: 'The tracked person.' },
              evidence: {
                type: 'object',
                additionalProperties: true,
                description: 'What the detector saw.',
                properties: {
                  region: { type: 'string', description: 'A region name, e.g. 洗手池区域.' },
                  confidence: { type: ['number', 'null'], minimum: 0, maximum: 1 },
                  bbox: { type: 'array', items: { type: 'number' }, minItems: 4, maxItems: 4 },
                },
              },
            },
          },
        },
      },
    },
  ],
});
