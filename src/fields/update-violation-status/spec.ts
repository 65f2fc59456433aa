// Mutation.updateViolationStatus and PUT /api/v1/records/violations/{violation_id}/status: the
// flag and the legacy parameters (the GraphQL side takes an input object, see field.ts).
import { VIOLATION_STATUSES } from '../../db/schema.js';
import { bigint, bool, defineParams, str } from '../../rest/v1/params.js';
import type { RolloutFlag } from '../../rollout/flags.js';
import { forceDomainArg } from '../args.js';

export const FLAG = 'violations.updateStatus' satisfies RolloutFlag;

const optionalString = { anyOf: [{ type: 'string' }, { type: 'null' }] };

/** The legacy parameters, each with its OpenAPI description (FastAPI's order: path, then query). */
const PARAMETERS = {
  violation_id: {
    param: bigint({ required: true }),
    in: 'path',
    schema: { type: 'integer' },
    description: 'The violation to change.',
  },
  status: {
    param: str({ required: true }),
    in: 'query',
    schema: { enum: [...VIOLATION_STATUSES] },
    description: 'The new status.',
  },
  notes: {
    param: str({ storable: true }),
    in: 'query',
    schema: optionalString,
    description: 'Omitted keeps the current notes.',
  },
  handled_by: {
    param: str({ storable: true }),
    in: 'query',
    schema: optionalString,
    description: 'Who handled it; omitted keeps the current value.',
  },
  force_domain: {
    param: bool(),
    in: 'query',
    schema: { anyOf: [{ type: 'boolean' }, { type: 'null' }] },
    description: `${forceDomainArg.description} Writes: operators only.`,
  },
} as const;

export const pathParams = defineParams({ violation_id: PARAMETERS.violation_id.param }, 'path');
export const queryParams = defineParams(
  {
    status: PARAMETERS.status.param,
    notes: PARAMETERS.notes.param,
    handled_by: PARAMETERS.handled_by.param,
    force_domain: PARAMETERS.force_domain.param,
  },
  'query',
);

export const openApiParameters = [
  ...Object.entries(PARAMETERS).map(([name, p]) => ({
    name,
    in: p.in,
    required: p.param.required,
    description: p.description,
    schema: p.schema,
  })),
  { name: 'Idempotency-Key', in: 'header', required: false, schema: { type: 'string' } },
];
