// The process: config → database (migrated) → demo data and ingester → createApp → listen.
// SIGTERM/SIGINT drain in-flight requests, stop the background work, then close the database.

import { createAlertEvaluator } from './alerts/evaluator.js';
import { createApp } from './app.js';
import { ConfigError, loadConfig } from './config/env.js';
import { openDatabase } from './db/client.js';
import { unrepairedDriverFiles } from './db/driver-quirks.js';
import { runMigrations } from './db/migrate.js';
import { seedDemoAlertRules } from './demo/alert-rules.js';
import { createDemoCallers } from './demo/callers.js';
import { seedReference } from './demo/seed.js';
import { createSimulator } from './demo/simulator.js';
import { createDrainableServer } from './http/drain.js';
import { createIngester } from './ingest/ingester.js';
import { createLogger } from './ops/logger.js';
import { PgRolloutState } from './rollout/pg-state.js';

// An uncaught exception is a bug: logged, then the process exits so the supervisor restarts it.
// (Requests are acknowledged only after their transaction committed, so none is lost.)
function guardUncaught(logger: ReturnType<typeof createLogger>) {
  process.on('uncaughtException', (error) => {
    logger.fatal({ err: error }, 'uncaught exception');
    process.exit(1);
  });
}

async function main() {
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(2);
    }
    throw error;
  }
  const logger = createLogger(config.logLevel);
  guardUncaught(logger);
  if (config.databaseUrl) {
    const unrepaired = unrepairedDriverFiles();
    if (unrepaired.length > 0) {
      logger.fatal(
        { files: unrepaired.map((f) => `node_modules/postgres/${f}`) },
        'postgres.js is not repaired (it would stay broken after a database restart): run `npm ci` or `node scripts/patch-postgres.mjs`',
      );
      process.exit(1);
    }
  }
  const startedAt = new Date();
  // Start-up phases, in ms since the process started (logged with 'listening').
  const phases: Record<string, number> = { modules: Math.round(performance.now()) };
  const mark = (phase: string) => {
    phases[phase] = Math.round(performance.now());
  };
  const handle = await openDatabase({
    url: config.databaseUrl,
    dataDir: config.dataDir,
    poolMax: config.dbPoolMax,
  });
  mark('database');
  await runMigrations(handle);
  mark('migrations');
  logger.info({ database: handle.kind }, 'database ready (migrations applied)');

  const background: { stop(): Promise<void> }[] = [];
  if (config.demo) {
    await seedReference(handle);
    await seedDemoAlertRules(handle);
    const simulator = createSimulator({ handle, logPath: config.eventLogPath, logger });
    simulator.start();
    background.push(simulator);
    logger.info({ logPath: config.eventLogPath }, 'demo simulator started');
  }
  if (config.ingest) {
    const ingester = createIngester({ handle, logPath: config.eventLogPath, logger });
    ingester.start();
    background.push(ingester);
  }

  if (config.alerts.evaluate) {
    const { intervalMs, webhookHosts, webhookTimeoutMs, webhookRetries, webhookBackoffMs } =
      config.alerts;
    const evaluator = createAlertEvaluator({
      handle,
      logger,
      intervalMs,
      webhook: {
        allowedHosts: webhookHosts,
        timeoutMs: webhookTimeoutMs,
        retries: webhookRetries,
        backoffMs: webhookBackoffMs,
      },
    });
    evaluator.start();
    background.push(evaluator);
  }

  mark('background');
  const app = createApp({ config, handle, logger, startedAt });
  mark('app');
  // Route only by the committed rollout state, never by the environment's seed: do not listen
  // before the store has read the table (it keeps retrying every ROLLOUT_RESYNC_MS).
  await app.rolloutReady.catch((error: unknown) =>
    logger.warn({ err: error }, 'rollout state not loaded yet; waiting for the database'),
  );
  if (app.rolloutState instanceof PgRolloutState) await app.rolloutState.loaded();
  const { server, drain } = createDrainableServer(app);
  server.on('upgrade', app.handleUpgrade);
  await new Promise<void>((resolve) => server.listen(config.port, config.host, resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const base = `http://${config.host === '0.0.0.0' ? 'localhost' : config.host}:${port}`;
  mark('listening');
  logger.info({ port, startupMs: phases }, 'listening');
  console.log(
    [
      `Gateway ready (${handle.kind === 'pglite' ? `embedded PGlite in ${config.dataDir}` : 'PostgreSQL'})`,
      `  GraphQL + GraphiQL  ${base}/graphql`,
      `  Legacy REST         ${base}/api/v1/events/recent`,
      `  Health / ready      ${base}/health  ${base}/ready`,
      `  Metrics             ${base}/metrics`,
      `  Operator console    ${base}/console`,
    ].join('\n'),
  );
  // Demo users reading the migrated fields, so the console has live numbers from the start.
  const callers = createDemoCallers({
    fetch: async (url, init) => app.fetch(url, init),
    perSecond: config.demo ? config.demoCallers : 0,
    onError: (error) => logger.debug({ err: error }, 'demo caller: request failed'),
  });
  callers.start();

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down: ending subscriptions, draining requests');
    // The demo callers stop sending at once; their last requests finish while the server drains.
    const callersStopped = callers.stop();
    await app.closeSubscriptions();
    await drain();
    await callersStopped;
    await Promise.all(background.map((b) => b.stop()));
    await app.close();
    await handle.close();
    logger.info('stopped');
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
