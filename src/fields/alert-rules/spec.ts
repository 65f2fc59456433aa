// Query.alertRules and GET /api/v1/alerts/rules: the flag and the arguments, written once.
import type { RolloutFlag } from '../../rollout/flags.js';
import { defineArgs, forceDomainArg } from '../args.js';

export const FLAG = 'alerts.rules' satisfies RolloutFlag;

export const args = defineArgs({
  cameraId: {
    type: 'string',
    rest: 'camera_id',
    description: 'Exact camera id (rules on every camera have none); empty = any.',
  },
  enabled: { type: 'boolean', rest: 'enabled', description: 'Only enabled (or disabled) rules.' },
  forceDomain: forceDomainArg,
});
