// Prometheus metrics of the gateway: rollout decisions, fallbacks, resolver latency, rollout
// state and HTTP traffic. createMetrics() builds a fresh Registry each time (never prom-client's
// global one), so tests can build many apps side by side without sharing counts.
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { Decision, FlagState, RolloutPath } from '../rollout/engine.js';
import { ROLLOUT_FLAGS } from '../rollout/flags.js';
import type { FallbackCause, RolloutObserver } from '../rollout/runner.js';
import type { RolloutStateStore } from '../rollout/state.js';

/** Seconds; spans a 0.5 ms cache hit up to the 5 s a caller would wait at most. */
export const LATENCY_BUCKETS = [
  0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5,
];

const MODES: readonly FlagState['mode'][] = ['active', 'paused', 'killed'];
const FALLBACK_CAUSES: readonly FallbackCause[] = ['error', 'timeout'];
const PATHS: readonly RolloutPath[] = ['domain', 'legacy'];
// The method comes from the client; anything else is folded so it cannot grow the series set.
const HTTP_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

/** Label value for a flag not in the known set, so a stray name cannot create series. */
const OTHER_FLAG = 'other';

export interface MetricsOptions {
  /** The flags allowed as label values. Default: ROLLOUT_FLAGS (the @rollout fields). */
  flags?: readonly string[];
  /** Also collect process metrics (CPU, memory, event loop, GC) as `gateway_*`. Default: true. */
  defaultMetrics?: boolean;
}

export interface Metrics {
  registry: Registry;
  /** Known flags; any other flag is recorded as `other`. */
  flags: ReadonlySet<string>;
  decisions: Counter<'flag' | 'path' | 'reason'>;
  fallbacks: Counter<'flag' | 'cause'>;
  /** Resolutions of a path that failed (threw or overran its budget). */
  pathErrors: Counter<'flag' | 'path'>;
  resolverDuration: Histogram<'flag' | 'path'>;
  percent: Gauge<'flag'>;
  mode: Gauge<'flag' | 'mode'>;
  httpRequests: Counter<'route' | 'method' | 'status'>;
  httpDuration: Histogram<'route'>;
  /** Failures nothing else handled, answered with a JSON 500 (see src/app.ts). */
  httpUnexpectedErrors: Counter<'stage'>;
  /** Resolver errors that were bugs, not GraphQL errors: logged and masked for the client. */
  graphqlUnexpectedErrors: Counter;
}

/** Where an unexpected error was caught: in the app's handler, or around the server adapter. */
export type UnexpectedErrorStage = 'handler' | 'server';

export function createMetrics(options: MetricsOptions = {}): Metrics {
  const registry = new Registry();
  const registers = [registry];
  const flags = new Set(options.flags ?? ROLLOUT_FLAGS);
  if (options.defaultMetrics ?? true)
    collectDefaultMetrics({ register: registry, prefix: 'gateway_' });
  const metrics: Metrics = {
    registry,
    flags,
    decisions: new Counter({
      name: 'gateway_rollout_decisions_total',
      help: 'Rollout decisions by flag, chosen path and reason.',
      labelNames: ['flag', 'path', 'reason'] as const,
      registers,
    }),
    fallbacks: new Counter({
      name: 'gateway_rollout_fallbacks_total',
      help: 'Domain-path failures answered by the legacy path, by flag and cause.',
      labelNames: ['flag', 'cause'] as const,
      registers,
    }),
    pathErrors: new Counter({
      name: 'gateway_rollout_path_errors_total',
      help: 'Resolutions of a rolled-out field that failed on a path (threw or overran its budget), by flag and path.',
      labelNames: ['flag', 'path'] as const,
      registers,
    }),
    resolverDuration: new Histogram({
      name: 'gateway_resolver_duration_seconds',
      help: 'Duration of a rolled-out field resolver by flag and path.',
      labelNames: ['flag', 'path'] as const,
      buckets: LATENCY_BUCKETS,
      registers,
    }),
    percent: new Gauge({
      name: 'gateway_rollout_percent',
      help: 'Current rollout percentage (0-100) of each flag.',
      labelNames: ['flag'] as const,
      registers,
    }),
    mode: new Gauge({
      name: 'gateway_rollout_mode',
      help: 'Current mode of each flag: 1 on the series of the current mode, 0 on the others.',
      labelNames: ['flag', 'mode'] as const,
      registers,
    }),
    httpRequests: new Counter({
      name: 'gateway_http_requests_total',
      help: 'HTTP requests by route template, method and status code.',
      labelNames: ['route', 'method', 'status'] as const,
      registers,
    }),
    httpDuration: new Histogram({
      name: 'gateway_http_request_duration_seconds',
      help: 'HTTP request duration by route template.',
      labelNames: ['route'] as const,
      buckets: LATENCY_BUCKETS,
      registers,
    }),
    httpUnexpectedErrors: new Counter({
      name: 'gateway_http_unexpected_errors_total',
      help: 'Unexpected errors answered with a JSON 500, by where they were caught (handler, server).',
      labelNames: ['stage'] as const,
      registers,
    }),
    graphqlUnexpectedErrors: new Counter({
      name: 'gateway_graphql_unexpected_errors_total',
      help: 'Unexpected resolver errors, logged with their cause and masked in the answer.',
      registers,
    }),
  };
  // Zero from the start, so an alert on the rate sees a series before the first failure.
  for (const stage of ['handler', 'server'] as const)
    metrics.httpUnexpectedErrors.inc({ stage }, 0);
  // Fallbacks start at 0 so an alert on their rate sees a series before the first failure.
  for (const flag of flags) {
    for (const cause of FALLBACK_CAUSES) metrics.fallbacks.inc({ flag, cause }, 0);
    for (const path of PATHS) metrics.pathErrors.inc({ flag, path }, 0);
  }
  return metrics;
}

/** The flag as a label value: itself when known, `other` otherwise. */
export function flagLabel(metrics: Metrics, flag: string): string {
  return metrics.flags.has(flag) ? flag : OTHER_FLAG;
}

export function recordDecision(metrics: Metrics, decision: Decision): void {
  const { path, reason } = decision;
  metrics.decisions.inc({ flag: flagLabel(metrics, decision.flag), path, reason });
}

export function recordFallback(metrics: Metrics, flag: string, cause: FallbackCause): void {
  metrics.fallbacks.inc({ flag: flagLabel(metrics, flag), cause });
}

export function observeResolver(
  metrics: Metrics,
  flag: string,
  path: RolloutPath,
  seconds: number,
): void {
  metrics.resolverDuration.observe({ flag: flagLabel(metrics, flag), path }, seconds);
}

/** The rollout runner's observer, recording into these metrics. */
export function rolloutObserver(metrics: Metrics): RolloutObserver {
  return {
    decision: (decision) => recordDecision(metrics, decision),
    fallback: (flag, cause) => recordFallback(metrics, flag, cause),
    duration: (flag, path, seconds) => observeResolver(metrics, flag, path, seconds),
    failed: (flag, path) => metrics.pathErrors.inc({ flag: flagLabel(metrics, flag), path }),
  };
}

export interface HttpObservation {
  /** The route template ('/api/v1/events/:id'), never the raw path: raw paths are unbounded. */
  route: string;
  method: string;
  status: number;
  seconds: number;
}

export function observeHttp(metrics: Metrics, o: HttpObservation): void {
  const method = o.method.toUpperCase();
  metrics.httpRequests.inc({
    route: o.route,
    method: HTTP_METHODS.has(method) ? method : 'OTHER',
    status: String(o.status),
  });
  metrics.httpDuration.observe({ route: o.route }, o.seconds);
}

/**
 * Keeps the percent and mode gauges equal to the store: now, and on every change. Only known
 * flags are exported (a gauge summed over `other` would mean nothing). Returns the unsubscribe.
 */
export function bindRolloutGauges(metrics: Metrics, store: RolloutStateStore): () => void {
  const sync = (state: FlagState): void => {
    if (!metrics.flags.has(state.flag)) return;
    metrics.percent.set({ flag: state.flag }, state.percent);
    for (const mode of MODES) {
      metrics.mode.set({ flag: state.flag, mode }, mode === state.mode ? 1 : 0);
    }
  };
  for (const flag of metrics.flags) sync(store.get(flag));
  return store.onChange(sync);
}
