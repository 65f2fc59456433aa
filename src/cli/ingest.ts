// `npm run ingest [-- --once] [--embedded]`: tails the legacy event log into the domain database until
// SIGTERM/SIGINT, or with --once ingests what is there, prints a one-line JSON summary and exits.
// Logs are pino JSON on stdout (on stderr with --once, so stdout holds only the summary).
import { pino } from 'pino';
import { ConfigError, loadConfig } from '../config/env.js';
import { openDatabase } from '../db/client.js';
import { runMigrations } from '../db/migrate.js';
import { createIngester } from '../ingest/ingester.js';

async function main(argv: string[]): Promise<number> {
  const once = argv.includes('--once');
  const config = loadConfig();
  if (!config.databaseUrl && !argv.includes('--embedded')) {
    // PGlite is single-process: a second process on the gateway's DATA_DIR would corrupt it.
    console.error(
      'npm run ingest needs DATABASE_URL. With the embedded database the gateway ingests in process\n' +
        '(INGEST=on); pass --embedded only when no gateway is running on DATA_DIR.',
    );
    return 2;
  }
  const logger = pino({ level: config.logLevel, name: 'ingest' }, pino.destination(once ? 2 : 1));
  const handle = await openDatabase({
    url: config.databaseUrl,
    dataDir: config.dataDir,
    poolMax: config.dbPoolMax,
  });
  try {
    await runMigrations(handle);
    const ingester = createIngester({ handle, logPath: config.eventLogPath, logger });
    if (once) {
      const result = await ingester.runOnce();
      process.stdout.write(`${JSON.stringify({ logPath: config.eventLogPath, ...result })}\n`);
      return 0;
    }
    logger.info({ logPath: config.eventLogPath, db: handle.kind }, 'ingesting the event log');
    ingester.start();
    const signal = await new Promise<NodeJS.Signals>((resolve) => {
      process.once('SIGTERM', () => resolve('SIGTERM'));
      process.once('SIGINT', () => resolve('SIGINT'));
    });
    // A second signal means "now": the last batch's transaction simply rolls back.
    process.once(signal, () => process.exit(130));
    logger.info({ signal }, 'stopping after the current batch');
    await ingester.stop();
    logger.info({ stats: ingester.stats() }, 'stopped');
    return 0;
  } finally {
    await handle.close();
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    if (err instanceof ConfigError) console.error(err.message);
    else console.error(err);
    process.exitCode = 1;
  },
);
