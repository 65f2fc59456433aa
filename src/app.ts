// createApp(deps): one fetch handler (also a node:http handler) for /graphql, /api/v1, /metrics,
// /health, /ready and /openapi.json. It only wires: everything it uses comes in through deps or
// is built from them, so tests build many apps side by side.
import { randomUUID } from 'node:crypto';
import { createServerAdapter, useCORS } from '@whatwg-node/server';
import { TokenAuthenticator } from './auth/tokens.js';
import type { Config } from './config/env.js';
import type { DatabaseHandle } from './db/client.js';
import {
  createServices,
  openApiDocument,
  type ServiceOverrides,
  v1Routes,
} from './fields/index.js';
import type { RolloutAdmin } from './graphql/context.js';
import { createContextFactory } from './graphql/request-context.js';
import { useRolloutExtensions } from './graphql/use-rollout-extensions.js';
import { createGraphQLServer, type GraphQLLimits } from './graphql/yoga.js';
import { limitBody } from './http/body-limit.js';
import { jsonResponse } from './http/json.js';
import { LegacyEventLog } from './legacy/event-log.js';
import { LegacyRecordPrinter } from './legacy/record-printer.js';
import { health, readiness } from './ops/health.js';
import { registerLegacyEventCounter } from './ops/legacy-metrics.js';
import type { Logger } from './ops/logger.js';
import {
  bindRolloutGauges,
  createMetrics,
  type Metrics,
  observeHttp,
  rolloutObserver,
} from './ops/metrics.js';
import { createProving } from './proving.js';
import { ViolationRepository } from './repositories/violation-repository.js';
import { createV1Router } from './rest/v1/router.js';
import { RolloutControl } from './rollout/control.js';
import { PgRolloutState } from './rollout/pg-state.js';
import type { RolloutStateStore } from './rollout/state.js';
import { schema } from './schema.js';

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
  services?: ServiceOverrides;
  limits?: Partial<GraphQLLimits>;
  /** Test hooks of the shadow runner and the guard controller (sampling source, replica name). */
  proving?: Pick<Parameters<typeof createProving>[0], 'shadowOptions' | 'replica'>;
}

export type App = ReturnType<typeof createApp>;

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;
const FIXED_ROUTES = new Set(['/graphql', '/health', '/ready', '/metrics', '/openapi.json']);

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
  // This process applies its own changes at once; the others through NOTIFY.
  const control = new RolloutControl(handle.db, {
    onApplied: (row) => pgState?.apply(row, 'local'),
  });
  const proving = createProving({
    config,
    handle,
    logger,
    metrics,
    control,
    clock,
    ...deps.proving,
  });
  const rolloutAdmin: RolloutAdmin = {
    control,
    state: rolloutState,
    metrics,
    guard: {
      guards: proving.guards,
      controller: proving.controller,
      breakers: proving.breakers,
      shadow: proving.shadow,
    },
  };
  const legacyLog = new LegacyEventLog(config.eventLogPath, {
    orderToleranceSeconds: config.legacyOrderToleranceSeconds,
    tailCacheRecords: config.legacyTailCacheLines,
  });
  const services = createServices(
    { handle, legacyLog, timeZone: config.timeZone, startedAt: deps.startedAt ?? clock() },
    deps.services,
  );
  const yoga = createGraphQLServer({
    schema,
    logger,
    production: config.nodeEnv === 'production',
    limits: deps.limits,
    jit: config.graphqlJit,
    plugins: [useRolloutExtensions()],
    context: createContextFactory({
      db: handle.db,
      logger,
      clock,
      production: config.nodeEnv === 'production',
      authenticator: new TokenAuthenticator(config.apiTokens),
      runner: {
        store: rolloutState,
        observer: rolloutObserver(metrics),
        logger,
        domainTimeoutMs: config.domainTimeoutMs,
        proving: proving.proving,
      },
      rolloutAdmin,
      services,
      violationReader: new ViolationRepository(handle.db),
    }),
  });
  const v1 = createV1Router(v1Routes);
  const printer = new LegacyRecordPrinter();

  async function route(request: Request, serverContext: Record<string, unknown>) {
    const { pathname } = new URL(request.url);
    if (pathname === '/health') return health();
    if (pathname === '/ready') {
      // Answer about the loaded state, not the few milliseconds before the first load finishes.
      await rolloutReady.catch(() => {});
      return readiness(handle, pgState, () => ({ breakers: proving.breakers.all() }));
    }
    if (pathname === '/metrics') {
      return new Response(await metrics.registry.metrics(), {
        headers: { 'content-type': metrics.registry.contentType },
      });
    }
    if (pathname === '/openapi.json') return jsonResponse(openApiDocument);
    if (pathname === '/graphql' || pathname.startsWith('/api/v1/')) {
      const limited = await limitBody(request, config.bodyLimitBytes);
      if (limited instanceof Response) return limited;
      if (pathname === '/graphql') return yoga.fetch(limited, serverContext);
      return v1.handle({
        yoga,
        request: limited,
        serverContext,
        timeZone: config.timeZone,
        printer,
      });
    }
    return jsonResponse({ detail: 'Not Found' }, 404);
  }

  /** A bounded label for metrics: a fixed route, a legacy route template, or "other". */
  const routeLabel = (pathname: string) =>
    FIXED_ROUTES.has(pathname) ? pathname : (v1.find(pathname)?.route.path ?? 'other');

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
      const status = response.status;
      observeHttp(metrics, {
        route: routeLabel(pathname),
        method: request.method,
        status,
        seconds,
      });
      logger.debug(
        { requestId, method: request.method, path: pathname, status, seconds },
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

  /** Stops the guard controller, the rollout state's LISTEN and resync (before the database). */
  const close = async () => {
    await proving.stop();
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
    proving,
  });
}
