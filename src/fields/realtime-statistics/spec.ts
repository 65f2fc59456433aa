// Query.realtimeStatistics and GET /api/v1/statistics/realtime: the flag and the arguments.
import type { RolloutFlag } from '../../rollout/flags.js';
import { defineArgs, forceDomainArg } from '../args.js';

export const FLAG = 'statistics.realtime' satisfies RolloutFlag;

export const args = defineArgs({ forceDomain: forceDomainArg });
