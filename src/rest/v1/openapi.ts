// GET /openapi.json: an OpenAPI 3.1 description of the legacy shims, as the old FastAPI service
// served one (client generators and API consoles read it). Parameters and error bodies are
// described from the same bounds the shims enforce.
import { RECENT_EVENTS_BOUNDS } from '../../graphql/schema/event.js';

const forceDomain = {
  name: 'force_domain',
  in: 'query',
  required: false,
  description:
    'Testing aid: force the new (domain) path. Honoured in development and for operators; reported in X-Rollout-Reason.',
  schema: { anyOf: [{ type: 'boolean' }, { type: 'null' }] },
};

const rolloutHeaders = {
  'X-Rollout-Path': {
    description: 'domain or legacy: the path that answered.',
    schema: { type: 'string' },
  },
  'X-Rollout-Reason': {
    description: 'Why: forced, bucket, killed or no_key.',
    schema: { type: 'string' },
  },
};

const validationError = {
  description: 'Validation Error',
  content: { 'application/json': { schema: { $ref: '#/components/schemas/HTTPValidationError' } } },
};

const [limitMin, limitMax] = RECENT_EVENTS_BOUNDS.limit;
const [minutesMin, minutesMax] = RECENT_EVENTS_BOUNDS.minutes;

const detail = (description: string) => ({
  description,
  content: { 'application/json': { schema: { $ref: '#/components/schemas/Detail' } } },
});

function writePaths() {
  const optionalString = { anyOf: [{ type: 'string' }, { type: 'null' }] };
  return {
    '/api/v1/records/violations/{violation_id}/status': {
      put: {
        summary: 'Update the status of a violation',
        operationId: 'updateViolationStatus',
        security: [{ bearer: [] }, {}],
        parameters: [
          { name: 'violation_id', in: 'path', required: true, schema: { type: 'integer' } },
          {
            name: 'status',
            in: 'query',
            required: true,
            schema: { enum: ['pending', 'confirmed', 'false_positive', 'resolved'] },
          },
          { name: 'notes', in: 'query', required: false, schema: optionalString },
          { name: 'handled_by', in: 'query', required: false, schema: optionalString },
          { ...forceDomain, description: 'Force the domain path (operators only).' },
          { name: 'Idempotency-Key', in: 'header', required: false, schema: { type: 'string' } },
        ],
        responses: {
          '200': {
            description: 'Applied.',
            headers: rolloutHeaders,
            content: {
              'application/json': {
                schema: {
                  type: 'object',
                  properties: {
                    ok: { const: true },
                    violation_id: { type: 'integer' },
                    status: { type: 'string' },
                  },
                },
              },
            },
          },
          '400': detail('Invalid status value.'),
          '401': detail('A bearer token is required (when tokens are configured).'),
          '403': detail('The token lacks the violations:write scope.'),
          '404': detail('No violation with this id.'),
          '409': detail('The idempotency key was used for a different change.'),
          '422': validationError,
          '503': detail(
            'The outcome of the write is unknown or the database is unavailable; nothing was acknowledged.',
          ),
        },
      },
    },
  };
}

export const openApiDocument = {
  openapi: '3.1.0',
  info: {
    title: 'Hygiene detection API (legacy v1, served by the rollout gateway)',
    version: '1.0.0',
    description: 'Byte-compatible shims over the GraphQL gateway. See /graphql for the full API.',
  },
  paths: {
    // Each error answer of the write endpoint is FastAPI's {"detail": "..."}.
    ...writePaths(),
    '/api/v1/events/recent': {
      get: {
        summary: 'Recent events',
        operationId: 'recentEvents',
        parameters: [
          {
            name: 'limit',
            in: 'query',
            required: false,
            schema: { type: 'integer', minimum: limitMin, maximum: limitMax, default: 100 },
          },
          {
            name: 'minutes',
            in: 'query',
            required: false,
            schema: { type: 'integer', minimum: minutesMin, maximum: minutesMax, default: 60 },
          },
          {
            name: 'etype',
            in: 'query',
            required: false,
            description: 'Exact event type; empty = any.',
            schema: { anyOf: [{ type: 'string' }, { type: 'null' }] },
          },
          {
            name: 'camera_id',
            in: 'query',
            required: false,
            description: 'Exact camera id; empty matches events without a camera.',
            schema: { anyOf: [{ type: 'string' }, { type: 'null' }] },
          },
          forceDomain,
        ],
        responses: {
          '200': {
            description: 'Event records as logged, newest first.',
            headers: rolloutHeaders,
            content: {
              'application/json': {
                schema: { type: 'array', items: { $ref: '#/components/schemas/EventRecord' } },
              },
            },
          },
          '422': validationError,
        },
      },
    },
    '/api/v1/statistics/realtime': {
      get: {
        summary: 'Realtime statistics',
        operationId: 'realtimeStatistics',
        parameters: [forceDomain],
        responses: {
          '200': {
            description: 'Statistics of today.',
            headers: rolloutHeaders,
            content: {
              'application/json': { schema: { $ref: '#/components/schemas/RealtimeStatistics' } },
            },
          },
          '422': validationError,
        },
      },
    },
  },
  components: {
    securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
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
      Detail: { type: 'object', required: ['detail'], properties: { detail: { type: 'string' } } },
      ValidationError: {
        type: 'object',
        required: ['loc', 'msg', 'type'],
        properties: {
          loc: { type: 'array', items: { anyOf: [{ type: 'string' }, { type: 'integer' }] } },
          msg: { type: 'string' },
          type: { type: 'string' },
          input: {},
          ctx: { type: 'object' },
        },
      },
      HTTPValidationError: {
        type: 'object',
        properties: {
          detail: { type: 'array', items: { $ref: '#/components/schemas/ValidationError' } },
        },
      },
    },
  },
};
