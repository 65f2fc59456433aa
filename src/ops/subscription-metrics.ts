// Metrics of the live event streams (Subscription.eventAdded and the /ws/events shim that runs
// through it): subscribers by path, events sent, subscribers dropped by reason, and the damaged
// lines the legacy log tail skipped. Labels are bounded (two paths, fixed reasons).
import { Counter, Gauge, type Registry } from 'prom-client';

export interface SubscriptionObserver {
  /** Subscribers of a path now. */
  active(path: 'domain' | 'legacy', count: number): void;
  /** Events handed to subscribers of a path. */
  delivered(path: 'domain' | 'legacy', count: number): void;
  /** A subscriber ended by the server (e.g. `slow_consumer`). */
  dropped(path: 'domain' | 'legacy', reason: string): void;
  /** A damaged line skipped by the legacy tail (`not_json`, `not_object`, `bad_ts`). */
  damagedLine(reason: string): void;
}

export function subscriptionObserver(registry: Registry): SubscriptionObserver {
  const registers = [registry];
  const active = new Gauge({
    name: 'gateway_subscriptions_active',
    help: 'Live event-stream subscribers of this process, by path.',
    labelNames: ['path'],
    registers,
  });
  const delivered = new Counter({
    name: 'gateway_subscription_events_total',
    help: 'Events handed to event-stream subscribers, by path.',
    labelNames: ['path'],
    registers,
  });
  const dropped = new Counter({
    name: 'gateway_subscriptions_dropped_total',
    help: 'Event-stream subscribers ended by the server, by path and reason.',
    labelNames: ['path', 'reason'],
    registers,
  });
  const damaged = new Counter({
    name: 'gateway_legacy_tail_damaged_lines_total',
    help: 'Damaged lines of the legacy log skipped by the live tail, by reason.',
    labelNames: ['reason'],
    registers,
  });
  for (const path of ['domain', 'legacy']) active.set({ path }, 0);
  return {
    active: (path, count) => active.set({ path }, count),
    delivered: (path, count) => delivered.inc({ path }, count),
    dropped: (path, reason) => dropped.inc({ path, reason }),
    damagedLine: (reason) => damaged.inc({ reason }),
  };
}
