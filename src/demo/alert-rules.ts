// Two alert rules for the demo, so a newcomer sees alerts within a minute of `npm start`: the
// simulator logs a skipped dryer about every 3 s and an incomplete handwash about every 2 s.
// Created through the domain repository with fixed idempotency keys: a restart replays them
// instead of adding copies (and an operator's later edits stay).
import type { DatabaseHandle } from '../db/client.js';
import { parseCreate, requestHash } from '../domain/alert-rules.js';
import { AlertRepository } from '../repositories/alert-repository.js';

export const DEMO_RULES = [
  {
    name: '烘干步骤频繁跳过（演示）',
    rule_type: 'event_count',
    conditions: {
      event_type: 'SKIP_DRYING',
      threshold: 5,
      window_seconds: 60,
      cooldown_seconds: 120,
    },
    notification_channels: ['log'],
    priority: 'medium',
  },
  {
    name: '洗手时间不足的违规（演示）',
    rule_type: 'violation_count',
    conditions: {
      event_type: 'no_handwash',
      threshold: 10,
      window_seconds: 60,
      cooldown_seconds: 300,
    },
    notification_channels: ['log'],
    priority: 'high',
  },
] as const;

export async function seedDemoAlertRules(handle: DatabaseHandle, at = new Date()): Promise<void> {
  const repository = new AlertRepository(handle.db);
  for (const [i, rule] of DEMO_RULES.entries()) {
    const parsed = parseCreate(structuredClone(rule) as unknown as Record<string, unknown>);
    if (!parsed.ok) throw new Error(`demo rule ${i} is invalid`);
    const values = parsed.value.values;
    await repository.create({
      values,
      meta: {
        actor: 'demo',
        at,
        requestId: 'demo-seed',
        idempotencyKey: `demo-alert-rule-${i + 1}`,
        requestHash: requestHash({ action: 'create', values, actor: 'demo' }),
      },
    });
  }
}
