// createApp(deps): one fetch handler (also a node:http handler) for /graphql, /api/v1, /metrics,
// /health and /ready. Everything it uses comes in through deps, so tests build many apps.
import { randomUUID } from 'node:crypto';
import { createServerAdapter, useCORS } from '@whatwg-node/server';
import { isOperator } from './auth/access.js';
import { TokenAuthenticator } from './auth/tokens.js';
import type { Config } from './config/env.js';
import type { DatabaseHandle } from './db/client.js';
import { EventRepository } from './domain/event-repository.js';
import { createLoaders } from './domain/loaders.js';
import { StatisticsRepository } from './domain/statistics-repository.js';
import type { EventSource, StatisticsSource } from './domain/types.js';
import { ViolationRepository } from './domain/violation-repository.js';
import type { GraphQLContext, Services } from './graphql/context.js';
import { createGraphQLServer, type GraphQLLimits } from './graphql/yoga.js';
import { limitBody } from './http/body-limit.js';
import { jsonResponse } from './http/json.js';
import { LegacyEventLog } from './legacy/event-log.js';
import { LegacyStatistics } from './legacy/statistics-legacy.js';
import { LegacyViolationWriter } from './legacy/violation-legacy.js';
import { health, readiness } from './ops/health.js';
import { registerLegacyEventCounter } from './ops/legacy-metrics.js';
import type { Logger } from './ops/logger.js';
import { bindRolloutGauges, createMetrics, type Metrics, observeHttp } from './ops/metrics.js';
import { openApiDocument } from './rest/v1/openapi.js';
import { findRoute, handleV1 } from './rest/v1/router.js';
import { type RolloutAdmin, RolloutControl } from './rollout/control.js';
import type { RolloutPath } from './rollout/engine.js';
import { PgRolloutState } from './rollout/pg-state.js';
import { RequestRollout } from './rollout/runner.js';
import type { RolloutStateStore } from './rollout/state.js';
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
  /**
   * Where requests read the rollout state. Default: a PgRolloutState over `handle` (the database
   * is the source of truth; the environment only seeds flags without a row), started at once.
   * A store passed in (tests) is used as is: admin changes are then stored but not applied to it.
   */
  rolloutState?: RolloutStateStore;
  /** Override either implementation of a migrated field (tests inject failures here). */
  services?: Partial<{
    events: Partial<Services['events']>;
    statistics: Partial<Services['statistics']>;
    violations: Partial<Services['violations']>;
  }>;
  limits?: Partial<GraphQLLimits>;
}

export type App = ReturnType<typeof createApp>;

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;
const FIXED_ROUTES = new Set(['/graphql', '/health', '/ready', '/metrics', '/openapi.json']);

/** A bounded label for metrics: a fixed route, a legacy route template, or "other". */
function routeLabel(pathname: string): string {
  if (FIXED_ROUTES.has(pathname)) return pathname;
  return findRoute(pathname)?.route.path ?? 'other';
}

export function createApp(deps: AppDeps) {
  const { config, handle, logger } = deps;
  const clock = deps.clock ?? (() => new Date());
  const metrics = deps.metrics ?? createMetrics();
  const pgState = deps.rolloutState
    ? undefined
    : new PgRolloutState({
        handle,
        logger,
        seed: config.rolloutPercent,
        resyncMs: config.rolloutResyncMs,
      });
  const rolloutState = deps.rolloutState ?? (pgState as RolloutStateStore);
  bindRolloutGauges(metrics, rolloutState);
  registerLegacyEventCounter(metrics.registry, handle);
  // A failed first sync is logged by the store and retried by its resync; /ready says 503 meanwhile.
  const rolloutReady = pgState?.start() ?? Promise.resolve();
  rolloutReady.catch(() => {});
  const rolloutAdmin: RolloutAdmin = {
    // This process applies its own changes at once; the others through NOTIFY.
    control: new RolloutControl(handle.db, { onApplied: (row) => pgState?.apply(row, 'local') }),
    state: rolloutState,
    metrics,
  };
  const startedAt = deps.startedAt ?? clock();
  const legacyLog = new LegacyEventLog(config.eventLogPath, {
    orderToleranceSeconds: config.legacyOrderToleranceSeconds,
    tailCacheRecords: config.legacyTailCacheLines,
  });
  const violationRepository = new ViolationRepository(handle.db, {
    timeoutMs: config.writeTimeoutMs,
  });
  const services: Services = {
    events: {
      domain: deps.services?.events?.domain ?? (new EventRepository(handle.db) as EventSource),
      legacy: deps.services?.events?.legacy ?? legacyLog,
    },
    statistics: {
      domain:
        deps.services?.statistics?.domain ??
        (new StatisticsRepository(handle, {
          timeZone: config.timeZone,
          startedAt,
        }) as StatisticsSource),
      legacy:
        deps.services?.statistics?.legacy ??
        new LegacyStatistics(legacyLog, { timeZone: config.timeZone, startedAt }),
    },
    violations: {
      domain: deps.services?.violations?.domain ?? violationRepository,
      legacy: deps.services?.violations?.legacy ?? new LegacyViolationWriter(handle.db),
      read: deps.services?.violations?.read ?? violationRepository,
    },
  };
  const authenticator = new TokenAuthenticator(config.apiTokens);
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
    const subject = authenticator.subjectOf(request.headers.get('authorization'));
    const operator = isOperator(subject);
    const rollout = new RequestRollout(
      runnerOptions,
      {
        stickyKey:
          request.headers.get('x-rollout-key') ??
          subject.principal?.name ??
          (serverContext.clientAddress as string | undefined),
        forceHeader: force === 'domain' || force === 'legacy' ? (force as RolloutPath) : undefined,
        forceAllowed: config.nodeEnv !== 'production' || operator,
        forceAllowedForWrites: operator,
      },
      requestLogger,
    );
    return {
      requestId,
      principal: subject.principal,
      auth: subject.auth,
      idempotencyKey: request.headers.get('idempotency-key') ?? undefined,
      logger: requestLogger,
      now: clock(),
      loaders: createLoaders(handle.db),
      rollout,
      rolloutAdmin,
      services,
    };
  }

  const yoga = createGraphQLServer({
    logger,
    production: config.nodeEnv === 'production',
    limits: deps.limits,
    jit: config.graphqlJit,
    plugins: [useRolloutExtensions()],
    context: buildContext,
  });

  async function route(request: Request, serverContext: Record<string, unknown>) {
    const { pathname } = new URL(request.url);
    if (pathname === '/health') return health();
    if (pathname === '/ready') return readiness(handle, pgState, { started: rolloutReady });
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
    if (pathname === '/openapi.json') return jsonResponse(openApiDocument);
    if (pathname.startsWith('/api/v1/')) {
      const limited = await limitBody(request, config.bodyLimitBytes);
      if (limited instanceof Response) return limited;
      return handleV1({ yoga, request: limited, serverContext, timeZone: config.timeZone });
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
      const seconds = (performance.now() - started) / 1000;
      const { pathname } = new URL(request.url);
      observeHttp(metrics, {
        route: routeLabel(pathname),
        method: request.method,
        status: response.status,
        seconds,
      });
      logger.debug(
        { requestId, method: request.method, path: pathname, status: response.status, seconds },
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

  /** Stops the rollout state's LISTEN and resync (before closing the database). */
  const close = async () => {
    await pgState?.stop();
  };
  return Object.assign(adapter, {
    metrics,
    rolloutState,
    rolloutAdmin,
    rolloutReady,
    close,
    yoga,
    services,
  });
}
