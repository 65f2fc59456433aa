// Mutation.createAlertRule / updateAlertRule and POST /api/v1/alerts/rules,
// PUT /api/v1/alerts/rules/{rule_id}: the one flag of both writes and the legacy parameters.
import { bigint, bool, defineParams } from '../../rest/v1/params.js';
import type { RolloutFlag } from '../../rollout/flags.js';
import { forceDomainArg } from '../args.js';

export const FLAG = 'alerts.rules.write' satisfies RolloutFlag;

/** The largest id a rule can have (alert_rules.id is a serial, a 32-bit integer). */
export const MAX_RULE_ID = 2_147_483_647;

export const queryParams = defineParams({ force_domain: bool() }, 'query');
export const pathParams = defineParams({ rule_id: bigint({ required: true, ge: 1 }) }, 'path');

/** Keys a POST body must have (null counts as present), in the order the old service checked. */
export const REQUIRED_KEYS = ['name', 'rule_type', 'conditions'] as const;

export const forceDomainParam = {
  name: 'force_domain',
  in: 'query',
  required: false,
  description: `${forceDomainArg.description} Writes: operators only.`,
  schema: { anyOf: [{ type: 'boolean' }, { type: 'null' }] },
};

export const idempotencyKeyParam = {
  name: 'Idempotency-Key',
  in: 'header',
  required: false,
  description: 'A repeat with the same key gets the first answer, applied once.',
  schema: { type: 'string' },
};
