// Subscription.eventAdded (and the /ws/events shim over it): the flag and the arguments.
import type { RolloutFlag } from '../../rollout/flags.js';
import { defineArgs } from '../args.js';

export const FLAG = 'events.stream' satisfies RolloutFlag;

export const args = defineArgs({
  etype: { type: 'string', description: 'Exact event type; empty or absent = any.' },
  cameraId: {
    type: 'string',
    description: 'Exact camera id; empty matches events without a camera, as recentEvents does.',
  },
});
