// Query.recentEvents and GET /api/v1/events/recent: the flag and the arguments, written once.
import type { RolloutFlag } from '../../rollout/flags.js';
import { defineArgs, forceDomainArg } from '../args.js';

export const FLAG = 'events.recent' satisfies RolloutFlag;

export const args = defineArgs({
  limit: {
    type: 'int',
    default: 100,
    min: 1,
    max: 1000,
    rest: 'limit',
    description: 'How many events at most.',
  },
  minutes: {
    type: 'int',
    default: 60,
    min: 1,
    max: 1440,
    rest: 'minutes',
    description: 'The window: events of the last `minutes` minutes.',
  },
  etype: { type: 'string', rest: 'etype', description: 'Exact event type; empty = any.' },
  cameraId: {
    type: 'string',
    rest: 'camera_id',
    description: 'Exact camera id; empty matches events without a camera, as the old API did.',
  },
  forceDomain: forceDomainArg,
});
