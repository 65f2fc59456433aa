// GET /openapi.json: an OpenAPI 3.1 description of the legacy shims, as the old FastAPI service
// served one (client generators and API consoles read it). Each route brings its own operation
// (parameters derived from its field's spec); this module adds the shared parts.
import type { RestRoute } from './router.js';

/** The X-Rollout-* response headers every shim sends. */
export const rolloutHeadersDoc = {
  'X-Rollout-Path': {
    description: 'domain or legacy: the path that answered.',
    schema: { type: 'string' },
  },
  'X-Rollout-Reason': {
    description: 'Why: forced, bucket, killed or no_key.',
    schema: { type: 'string' },
  },
};

/** FastAPI's 422 answer. */
export const validationErrorDoc = {
  description: 'Validation Error',
  content: { 'application/json': { schema: { $ref: '#/components/schemas/HTTPValidationError' } } },
};

/** A `{"detail": "..."}` answer. */
export const detailDoc = (description: string) => ({
  description,
  content: { 'application/json': { schema: { $ref: '#/components/schemas/Detail' } } },
});

/** A JSON 200 answer with the rollout headers. */
export const okDoc = (description: string, schema: Record<string, unknown>) => ({
  description,
  headers: rolloutHeadersDoc,
  content: { 'application/json': { schema } },
});

const sharedSchemas = {
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
};

export function buildOpenApiDocument(routes: readonly RestRoute[]) {
  const paths: Record<string, Record<string, unknown>> = {};
  let schemas: Record<string, unknown> = {};
  for (const route of routes) {
    paths[route.path] = { ...paths[route.path], ...route.openapi.operations };
    schemas = { ...schemas, ...route.openapi.schemas };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Hygiene detection API (legacy v1, served by the rollout gateway)',
      version: '1.0.0',
      description: 'Byte-compatible shims over the GraphQL gateway. See /graphql for the full API.',
    },
    paths,
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
      schemas: { ...schemas, ...sharedSchemas },
    },
  };
}
