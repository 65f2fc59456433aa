// createApp(deps): one fetch handler (also a node:http handler) for /graphql, /api/v1, /metrics,
// /health, /ready, /openapi.json and the operator console at /console. It only wires: everything
// it uses comes in through deps or is built from them, so tests build many apps side by side.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { createServerAdapter } from '@whatwg-node/server';
import { TokenAuthenticator } from './auth/tokens.js';
import type { Config } from './config/env.js';
import { CONSOLE_PATH, ConsoleAssets, findConsoleDir } from './console/assets.js';
import type { DatabaseHandle } from './db/client.js';
import {
  closeServices,
  createServices,
  openApiDocument,
  type ServiceOverrides,
  v1Routes,
} from './fields/index.js';
import type { RolloutAdmin } from './graphql/context.js';
import { createDocumentRunner } from './graphql/prepared.js';
import { createContextFactory } from './graphql/request-context.js';
import { useRolloutExtensions } from './graphql/use-rollout-extensions.js';
import { createGraphQLWebSocketServer } from './graphql/websocket.js';
import { createGraphQLServer, type GraphQLLimits } from './graphql/yoga.js';
import { limitBody } from './http/body-limit.js';
import { CompressedPage } from './http/compressed-page.js';
import { useCors } from './http/cors.js';
import { jsonResponse } from './http/json.js';
import { nodeListener } from './http/node-listener.js';
import { LegacyEventLog } from './legacy/event-log.js';
import { reportSkipsOnce } from './legacy/log-scan.js';
import { LegacyRecordPrinter } from './legacy/record-printer.js';
import { ScanLimiter } from './legacy/scan-limits.js';
import { health, readiness } from './ops/health.js';
import { registerLegacyEventCounter } from './ops/legacy-metrics.js';
import type { Logger } from './ops/logger.js';
import {
  bindRolloutGauges,
  createMetrics,
  type Metrics,
  observeHttp,
  rolloutObserver,
  type UnexpectedErrorStage,
} from './ops/metrics.js';
import { subscriptionObserver } from './ops/subscription-metrics.js';
import { createProving } from './proving.js';
import { ViolationRepository } from './repositories/violation-repository.js';
import { createV1Router } from './rest/v1/router.js';
import { createLegacyEventsSocket, WS_EVENTS_PATH } from './rest/ws-events.js';
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
    tailCacheBytes: config.legacyTailCacheBytes,
    limiter: new ScanLimiter({
      budgetMs: config.legacyScanBudgetMs,
      concurrency: config.legacyScanConcurrency,
    }),
    onSkip: reportSkipsOnce((path, reason) =>
      logger.warn({ path, reason }, 'legacy log: skipped a path that is not a readable file'),
    ),
  });
  /** Closed by close(): the log files the legacy readers hold open. */
  const closers: (() => Promise<void>)[] = [() => legacyLog.close()];
  const services = createServices(
    {
      handle,
      legacyLog,
      timeZone: config.timeZone,
      startedAt: deps.startedAt ?? clock(),
      writeTimeoutMs: config.writeTimeoutMs,
      onClose: (close) => closers.push(close),
      logger,
      subscriptions: {
        max: config.subscriptionsMax,
        queueMax: config.subscriptionQueueMax,
        observer: subscriptionObserver(metrics.registry),
      },
    },
    deps.services,
  );
  // Every GraphQL request's context: /graphql's, the websockets' and the shims'.
  const context = createContextFactory({
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
  });
  const countFault = () => metrics.graphqlUnexpectedErrors.inc();
  const yoga = createGraphQLServer({
    schema,
    logger,
    production: config.nodeEnv === 'production',
    documentCacheBytes: config.graphqlDocumentCacheBytes,
    limits: deps.limits,
    jit: config.graphqlJit,
    introspection: config.graphqlIntrospection,
    onUnexpectedError: countFault,
    plugins: [useRolloutExtensions()],
    context,
  });
  // The shims' fixed documents, on the same schema, context, access checks and fault reporting.
  const documents = createDocumentRunner({
    schema,
    context,
    jit: config.graphqlJit,
    introspection: config.graphqlIntrospection,
    logger,
    onUnexpectedError: countFault,
  });
  const v1 = createV1Router(v1Routes);
  const printer = new LegacyRecordPrinter();
  // GraphiQL (yoga renders it for GET /graphql with Accept: text/html): compressed, with an ETag.
  const graphiql = new CompressedPage(async () => {
    const page = await yoga.fetch('http://gateway/graphql', { headers: { accept: 'text/html' } });
    return {
      body: await page.text(),
      contentType: page.headers.get('content-type') ?? 'text/html; charset=utf-8',
    };
  });

  // The operator console: static files built from console/, talking to /graphql like any client.
  const consoleAssets = new ConsoleAssets(config.consoleDir ?? findConsoleDir());

  async function route(request: Request, url: URL, serverContext: Record<string, unknown>) {
    const { pathname } = url;
    if (pathname === '/health') return health();
    if (pathname === '/ready') {
      return readiness(handle, pgState, { started: rolloutReady }, () => ({
        breakers: proving.breakers.all(),
      }));
    }
    if (pathname === '/metrics') {
      return new Response(await metrics.registry.metrics(), {
        headers: { 'content-type': metrics.registry.contentType },
      });
    }
    if (pathname === '/openapi.json') return jsonResponse(openApiDocument);
    if (ConsoleAssets.owns(pathname)) return consoleAssets.respond(request);
    if (
      pathname === '/graphql' &&
      (request.method === 'GET' || request.method === 'HEAD') &&
      request.headers.get('accept')?.includes('text/html')
    ) {
      return graphiql.respond(request);
    }
    if (pathname === '/graphql' || pathname.startsWith('/api/v1/')) {
      const limited = await limitBody(request, config.bodyLimitBytes);
      if (limited instanceof Response) return limited;
      if (pathname === '/graphql') return yoga.fetch(limited, serverContext);
      return v1.handle(
        { documents, request: limited, serverContext, timeZone: config.timeZone, printer },
        url,
      );
    }
    return jsonResponse({ detail: 'Not Found' }, 404);
  }

  /** A bounded label for metrics: a fixed route, a legacy route template, or "other". */
  const routeLabel = (pathname: string) => {
    if (FIXED_ROUTES.has(pathname)) return pathname;
    if (ConsoleAssets.owns(pathname)) return CONSOLE_PATH;
    return v1.find(pathname)?.route.path ?? 'other';
  };

  /** Logs and counts an error nothing else handled; the client gets a JSON 500, no stack. */
  function unexpected(error: unknown, stage: UnexpectedErrorStage, fields: object): Response {
    metrics.httpUnexpectedErrors.inc({ stage });
    logger.error({ err: error, stage, ...fields }, 'http: unexpected error');
    return jsonResponse({ detail: 'Internal Server Error' }, 500);
  }

  const adapter = createServerAdapter<Record<string, unknown>>(
    async (request, serverContext) => {
      const incoming = request.headers.get('x-request-id');
      const requestId = incoming && REQUEST_ID.test(incoming) ? incoming : randomUUID();
      const req = serverContext.req as { socket?: { remoteAddress?: string } } | undefined;
      const context = { ...serverContext, requestId, clientAddress: req?.socket?.remoteAddress };
      const started = performance.now();
      // The server adapter's request keeps the URL it parsed (a global Request, as in tests, not).
      const url = (request as { parsedUrl?: URL }).parsedUrl ?? new URL(request.url);
      const { pathname } = url;
      let response: Response;
      try {
        response = await route(request, url, context);
        // Whether the connection stays open is node:http's to decide, from the request: yoga's
        // event streams say `Connection: keep-alive`, which made it keep a connection open that
        // the client asked to close (`Connection: close`) until its keep-alive timeout.
        response.headers.delete('connection');
        response.headers.set('x-request-id', requestId);
      } catch (error) {
        if (request.signal.aborted) {
          // The client closed the connection before the answer (its request was cancelled with
          // it): nobody to answer and no fault of ours. 499, as proxies record it.
          logger.debug({ requestId, method: request.method, pathname }, 'http: client went away');
          response = new Response(null, { status: 499 });
        } else {
          response = unexpected(error, 'handler', { requestId, method: request.method, pathname });
        }
        response.headers.set('x-request-id', requestId);
      }
      const seconds = (performance.now() - started) / 1000;
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
        useCors({
          origins: config.corsOrigins,
          exposedHeaders: ['X-Request-Id', 'X-Rollout-Path', 'X-Rollout-Reason'],
        }),
      ],
    },
  );

  // node:http enters here (main.ts, tests listening on a port); `app.fetch` enters the adapter.
  const listener = nodeListener(adapter, {
    onRefused: (req, status) =>
      observeHttp(metrics, { route: 'other', method: req.method ?? '', status, seconds: 0 }),
    onUnexpected: (error, req) => unexpected(error, 'server', { method: req.method }),
    onSendError: (error, req) =>
      logger.warn({ err: error, method: req.method }, 'http: the answer could not be sent'),
    bufferBodies: { paths: ['/graphql'], limit: config.bodyLimitBytes },
  });

  // WebSockets: graphql-ws on /graphql, the old live-event socket on /ws/events.
  const upgradeContext = (req: IncomingMessage) => {
    const incoming = req.headers['x-request-id'];
    const requestId =
      typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : randomUUID();
    return { requestId, clientAddress: req.socket.remoteAddress, req };
  };
  const graphqlWs = createGraphQLWebSocketServer({
    yoga,
    maxPayload: config.bodyLimitBytes,
    keepAliveMs: config.subscriptionKeepAliveMs,
    serverContext: upgradeContext,
  });
  const wsEvents = createLegacyEventsSocket({ yoga, logger, serverContext: upgradeContext });

  /** node:http's 'upgrade' listener: WebSocket connections on /graphql and /ws/events. */
  const handleUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const { pathname } = new URL(req.url ?? '/', 'http://gateway');
    const origin = req.headers.origin;
    const refuse = (status: string) => {
      socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    };
    if (origin && config.corsOrigins !== '*' && !config.corsOrigins.includes(origin)) {
      return refuse('403 Forbidden');
    }
    if (pathname === '/graphql') return graphqlWs.handleUpgrade(req, socket, head);
    if (pathname === WS_EVENTS_PATH) return wsEvents.handleUpgrade(req, socket, head);
    refuse('404 Not Found');
  };

  let subscriptionsClosed: Promise<void> | undefined;
  /**
   * Ends every live subscription (SSE and graphql-ws clients get a complete message, /ws/events
   * clients a close frame) and closes the WebSockets. Call it first on shutdown: open streams
   * would otherwise hold the HTTP drain until its timeout.
   */
  const closeSubscriptions = () => {
    subscriptionsClosed ??= (async () => {
      await closeServices(services);
      await Promise.all([graphqlWs.close(), wsEvents.close()]);
    })();
    return subscriptionsClosed;
  };

  /**
   * Ends the subscriptions, stops the guard controller and the rollout state's LISTEN and resync
   * (before closing the database), and closes the log files the legacy readers hold open.
   */
  const close = async () => {
    await closeSubscriptions();
    await proving.stop();
    await pgState?.stop();
    await Promise.all(closers.map((close) => close()));
  };
  return Object.assign(listener, {
    fetch: adapter.fetch,
    handleUpgrade,
    closeSubscriptions,
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
