// Metrics of proving a step: shadow comparisons by outcome, the shadow path's latency, the
// breaker's state per flag, the guard's decisions, and whether this replica is the controller.
// Registered once per registry (an app built twice on one Metrics shares them).
import { Counter, Gauge, Histogram } from 'prom-client';
import type { BreakerState } from '../rollout/breaker.js';
import { LATENCY_BUCKETS, type Metrics } from './metrics.js';

export interface GuardMetrics {
  shadowComparisons: Counter<'flag' | 'outcome'>;
  shadowDuration: Histogram<'flag' | 'path'>;
  breakerState: Gauge<'flag' | 'state'>;
  guardDecisions: Counter<'flag' | 'action'>;
  guardLeader: Gauge;
}

const BREAKER_STATES: readonly BreakerState[] = ['closed', 'open', 'half_open'];
const cache = new WeakMap<Metrics, GuardMetrics>();

export function guardMetrics(metrics: Metrics): GuardMetrics {
  const known = cache.get(metrics);
  if (known) return known;
  const registers = [metrics.registry];
  const m: GuardMetrics = {
    shadowComparisons: new Counter({
      name: 'gateway_shadow_comparisons_total',
      help: 'Shadow comparisons by flag and outcome (match, mismatch, noise, error, timeout, dropped).',
      labelNames: ['flag', 'outcome'] as const,
      registers,
    }),
    shadowDuration: new Histogram({
      name: 'gateway_shadow_duration_seconds',
      help: 'Duration of the shadow path (run after the answer) by flag and path.',
      labelNames: ['flag', 'path'] as const,
      buckets: LATENCY_BUCKETS,
      registers,
    }),
    breakerState: new Gauge({
      name: 'gateway_breaker_state',
      help: "State of each flag's domain-path circuit breaker in this process: 1 on the current state.",
      labelNames: ['flag', 'state'] as const,
      registers,
    }),
    guardDecisions: new Counter({
      name: 'gateway_guard_decisions_total',
      help: 'Guard evaluations by flag and action (promote, rollback, hold, none), on the controller.',
      labelNames: ['flag', 'action'] as const,
      registers,
    }),
    guardLeader: new Gauge({
      name: 'gateway_guard_controller',
      help: '1 while this replica holds the guard controller lease.',
      registers,
    }),
  };
  for (const flag of metrics.flags) setBreakerState(m, flag, 'closed');
  m.guardLeader.set(0);
  cache.set(metrics, m);
  return m;
}

export function setBreakerState(m: GuardMetrics, flag: string, state: BreakerState): void {
  for (const s of BREAKER_STATES) m.breakerState.set({ flag, state: s }, s === state ? 1 : 0);
}
