// Query.alertHistory and GET /api/v1/alerts/history-db: the flag and the arguments, written once.
import type { RolloutFlag } from '../../rollout/flags.js';
import { defineArgs, forceDomainArg } from '../args.js';

export const FLAG = 'alerts.history' satisfies RolloutFlag;

export const args = defineArgs({
  limit: {
    type: 'int',
    default: 100,
    min: 1,
    max: 1000,
    rest: 'limit',
    description: 'How many alerts at most.',
  },
  cameraId: { type: 'string', rest: 'camera_id', description: 'Exact camera id; empty = any.' },
  alertType: { type: 'string', rest: 'alert_type', description: 'Exact alert type; empty = any.' },
  forceDomain: forceDomainArg,
});
