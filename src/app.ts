// createApp(deps): one fetch handler (also a node:http handler) for /graphql, /api/v1, /metrics,
// /health and /ready. Everything it uses comes in through deps, so tests build many apps.
import { randomUUID } from 'node:crypto';
import { createServerAdapter, useCORS } from '@whatwg-node/server';
import type { Config } from './config/env.js';
import type { DatabaseHandle } from './db/client.js';
import { EventRepository } from './domain/event-repository.js';
import { createLoaders } from './domain/loaders.js';
import { StatisticsRepository } from './domain/statistics-repository.js';
import type { EventSource, StatisticsSource } from './domain/types.js';
import type { GraphQLContext, Services } from './graphql/context.js';
import { createGraphQLServer, type GraphQLLimits } from './graphql/yoga.js';
import { limitBody } from './http/body-limit.js';
import { jsonResponse } from './http/json.js';
import { LegacyEventLog } from './legacy/event-log.js';
import { LegacyStatistics } from './legacy/statistics-legacy.js';
import { health, readiness } from './ops/health.js';
import type { Logger } from './ops/logger.js';
import { bindRolloutGauges, createMetrics, type Metrics } from './ops/metrics.js';
import type { RolloutPath } from './rollout/engine.js';
import { RequestRollout } from './rollout/runner.js';
import { type RolloutStateStore, StaticRolloutState } from './rollout/state.js';
import { useRolloutExtensions } from './rollout/use-rollout-extensions.js';

export interface AppDeps {
  config: Config;
  handle: DatabaseHandle;
  logger: Logger;
  /** Defaults to the wall clock; tests freeze it. */
  clock?: () => Date;
  /** When this process started (for uptime). Defaults to now. */
  startedAt?: Date;
  metrics?: Metrics;
  rolloutState?: RolloutStateStore;
  /** Override either implementation of a migrated field (tests inject failures here). */
  services?: Partial<{ events: Partial<Services['events']>; statistics: Partial<Services['statistics']> }>;
  limits?: Partial<GraphQLLimits>;
}

export type App = ReturnType<typeof createApp>;

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export function createApp(deps: AppDeps) {
  const { config, handle, logger } = deps;
  const clock = deps.clock ?? (() => new Date());
  const metrics = deps.metrics ?? createMetrics();
  const rolloutState = deps.rolloutState ?? new StaticRolloutState(config.rolloutPercent);
  bindRolloutGauges(metrics, rolloutState);
  const startedAt = deps.startedAt ?? clock();
  const legacyLog = new LegacyEventLog(config.eventLogPath, {
    orderToleranceSeconds: config.legacyOrderToleranceSeconds,
  });
  const services: Services = {
    events: {
      domain: deps.services?.events?.domain ?? (new EventRepository(handle.db) as EventSource),
      legacy: deps.services?.events?.legacy ?? legacyLog,
    },
    statistics: {
      domain:
        deps.services?.statistics?.domain ??
        (new StatisticsRepository(handle, { timeZone: config.timeZone, startedAt }) as StatisticsSource),
      legacy:
        deps.services?.statistics?.legacy ??
        new LegacyStatistics(legacyLog, { timeZone: config.timeZone, startedAt }),
    },
  };
  const runnerOptions = {
    store: rolloutState,
    metrics,
    logger,
    domainTimeoutMs: config.domainTimeoutMs,
  };

  function buildContext(request: Request, serverContext: Record<string, unknown>): GraphQLContext {
    const requestId = (serverContext.requestId as string | undefined) ?? randomUUID();
    const requestLogger = logger.child({ requestId });
    const force = request.headers.get('x-rollout-force');
    const rollout = new RequestRollout(
      runnerOptions,
      {
        stickyKey:
          request.headers.get('x-rollout-key') ?? (serverContext.clientAddress as string | undefined),
        forceHeader: force === 'domain' || force === 'legacy' ? (force as RolloutPath) : undefined,
        forceAllowed: config.nodeEnv !== 'production',
      },
      requestLogger,
    );
    return {
      requestId,
      principal: undefined,
      logger: requestLogger,
      now: clock(),
      loaders: createLoaders(handle.db),
      rollout,
      services,
    };
  }

  const yoga = createGraphQLServer({
    logger,
    production: config.nodeEnv === 'production',
    limits: deps.limits,
    plugins: [useRolloutExtensions()],
    context: buildContext,
  });

  async function route(request: Request, serverContext: Record<string, unknown>) {
    const { pathname } = new URL(request.url);
    if (pathname === '/health') return health();
    if (pathname === '/ready') return readiness(handle);
    if (pathname === '/metrics') {
      return new Response(await metrics.registry.metrics(), {
        headers: { 'content-type': metrics.registry.contentType },
      });
    }
    if (pathname === '/graphql') {
      const limited = await limitBody(request, config.bodyLimitBytes);
      if (limited instanceof Response) return limited;
      return yoga.fetch(limited, serverContext);
    }
    return jsonResponse({ detail: 'Not Found' }, 404);
  }

  const adapter = createServerAdapter<Record<string, unknown>>(
    async (request, serverContext) => {
      const incoming = request.headers.get('x-request-id');
      const requestId = incoming && REQUEST_ID.test(incoming) ? incoming : randomUUID();
      const req = serverContext.req as { socket?: { remoteAddress?: string } } | undefined;
      const context = { ...serverContext, requestId, clientAddress: req?.socket?.remoteAddress };
      const started = performance.now();
      const response = await route(request, context);
      response.headers.set('x-request-id', requestId);
      logger.debug(
        { requestId, method: request.method, url: request.url, status: response.status,
          ms: Math.round((performance.now() - started) * 10) / 10 },
        'request',
      );
      return response;
    },
    {
      plugins: [
        useCORS({
          origin: config.corsOrigins,
          exposedHeaders: ['X-Request-Id', 'X-Rollout-Path', 'X-Rollout-Reason'],
        }),
      ],
    },
  );

  return Object.assign(adapter, { metrics, rolloutState, yoga, services });
}
