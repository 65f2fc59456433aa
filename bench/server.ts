// A server under test, run as its own process so the load generator never shares its event loop.
//   tsx bench/server.ts baseline   bare node:http + postgres.js, the shim's query and bytes
//                                  (/ceiling: the same bytes from memory after the first call)
//   tsx bench/server.ts gateway    createApp() as src/main.ts serves it (config from the env)
// Gateway variants (environment): BENCH_AB=1 resolves Query.recentEvents with its domain
// implementation directly (no @rollout runner) in operations named BenchWithoutRollout, so one
// process serves both sides of the rollout A/B; BENCH_STATS=raw serves the statistics as before
// the per-minute rollup (bench/raw-statistics.ts); without DATABASE_URL, PGlite is used and
// BENCH_PGLITE_COPY names a COPY text file of events to load first. Prints {"port":…} on stdout
// when listening.
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import postgres from 'postgres';
import { createApp } from '../src/app.js';
import { loadConfig } from '../src/config/env.js';
import { openDatabase } from '../src/db/client.js';
import { runMigrations } from '../src/db/migrate.js';
import { seedReference } from '../src/demo/seed.js';
import type { EventRecord, EventSource } from '../src/domain/types.js';
import type { RolloutImplementations } from '../src/graphql/rollout-directive.js';
import { createLogger } from '../src/ops/logger.js';
import { EventRepository } from '../src/repositories/event-repository.js';
import { schema } from '../src/schema.js';
import { RECENT_SQL, TYPED_SQL } from './data.js';
import { RawStatistics } from './raw-statistics.js';
import { GRAPHQL_BYTES, WITHOUT_ROLLOUT } from './scenarios.js';

function baseline(url: string) {
  const sql = postgres(url, { max: Number(process.env.DB_POOL_MAX ?? 10), onnotice: () => {} });
  // /ceiling: the first answer's bytes, sent again from memory: what HTTP alone costs here.
  let ceiling: string | undefined;
  const handler = async (req: IncomingMessage, res: ServerResponse) => {
    if (ceiling !== undefined && req.url?.startsWith('/ceiling')) {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(ceiling);
      return;
    }
    const q = new URL(req.url ?? '/', 'http://x').searchParams;
    const limit = Number(q.get('limit') ?? 100);
    const since = new Date(Date.now() - Number(q.get('minutes') ?? 60) * 60_000).toISOString();
    try {
      if (req.url?.startsWith(GRAPHQL_BYTES.split('?')[0]!)) {
        res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
        res.end(
          graphqlBytes(await sql.unsafe<TypedRow[]>(TYPED_SQL, [since, limit], { prepare: true })),
        );
        return;
      }
      // Prepared (postgres.js's default): the practical limit of this query from Node.
      const rows = await sql.unsafe<{ raw: string }[]>(RECENT_SQL, [since, limit], {
        prepare: true,
      });
      const body = `[${rows.map((r) => r.raw).join(',')}]`;
      if (req.url?.startsWith('/ceiling')) ceiling = body;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(body);
    } catch (error) {
      res.writeHead(500).end(String(error));
    }
  };
  return { handler, close: () => sql.end({ timeout: 5 }) };
}

interface TypedRow {
  occurred_at: Date;
  type: string | null;
  camera_id: string | null;
  track_id: string | null;
  evidence: string | null;
}

/** What /graphql answers for recentEvents(limit: 100) { timestamp type cameraId trackId evidence }. */
function graphqlBytes(rows: TypedRow[]): string {
  const recentEvents = rows.map((r) => {
    const track = r.track_id === null ? null : Number(r.track_id);
    return {
      timestamp: r.occurred_at.toISOString(),
      type: r.type,
      cameraId: r.camera_id,
      trackId: track !== null && Math.abs(track) <= 2 ** 31 - 1 ? track : null,
      evidence: r.evidence === null ? null : JSON.parse(r.evidence),
    };
  });
  return JSON.stringify({ data: { recentEvents }, extensions: { rollout: GRAPHQL_ROLLOUT } });
}

/** The gateway's report of the domain path at 100%. */
const GRAPHQL_ROLLOUT = {
  'events.recent': { path: 'domain', reason: 'bucket', fallback: false, percent: 100 },
};

/**
 * In operations named WITHOUT_ROLLOUT, Query.recentEvents runs its own validate + domain path
 * instead of the @rollout resolver; others pay one name comparison.
 */
function abRollout() {
  const field = schema.getQueryType()?.getFields().recentEvents;
  const impls = field?.extensions?.rolloutImplementations as
    | RolloutImplementations<Record<string, unknown>, never, unknown>
    | undefined;
  const withRollout = field?.resolve;
  if (!field || !impls || !withRollout) throw new Error('Query.recentEvents is not under @rollout');
  field.resolve = (source, args, ctx, info) => {
    if (info.operation.name?.value !== WITHOUT_ROLLOUT) return withRollout(source, args, ctx, info);
    impls.validate?.(args, ctx as never);
    return impls.domain(args, ctx as never, info);
  };
}

/**
 * recentEvents' domain path answering each projection's first read again, from memory: the
 * gateway with its database taken out, beside the baseline's /ceiling (BENCH_EVENTS=memory).
 */
function eventsFromMemory(repository: EventRepository): EventSource {
  const first = new Map<string, Promise<EventRecord[]>>();
  return {
    recentEvents(query, options) {
      const key = options?.projection ?? 'all';
      let read = first.get(key);
      if (!read) {
        read = repository.recentEvents(query, options);
        first.set(key, read);
      }
      return read;
    },
  };
}

async function gateway() {
  const config = loadConfig();
  const logger = createLogger(config.logLevel);
  const handle = await openDatabase({
    url: config.databaseUrl,
    dataDir: config.dataDir,
    poolMax: config.dbPoolMax,
  });
  if (handle.pglite) {
    await runMigrations(handle);
    await seedReference(handle);
    const file = process.env.BENCH_PGLITE_COPY;
    if (file) {
      const blob = new Blob([await readFile(file)]);
      await handle.pglite.query(
        `copy events (occurred_at, ts, type, camera_id, track_id, evidence, raw, source_key) from '/dev/blob'`,
        [],
        { blob },
      );
      await handle.pglite.exec('vacuum analyze events');
    }
  }
  if (process.env.BENCH_AB === '1') abRollout();
  const startedAt = new Date();
  const app = createApp({
    config,
    handle,
    logger,
    startedAt,
    services: {
      ...(process.env.BENCH_STATS === 'raw'
        ? {
            statistics: {
              domain: new RawStatistics(handle, { timeZone: config.timeZone, startedAt }),
            },
          }
        : {}),
      ...(process.env.BENCH_EVENTS === 'memory'
        ? { events: { domain: eventsFromMemory(new EventRepository(handle.db)) } }
        : {}),
    },
  });
  await app.rolloutReady;
  return {
    handler: app,
    close: async () => {
      await app.close();
      await handle.close();
    },
  };
}

async function main() {
  const mode = process.argv[2];
  const target = mode === 'baseline' ? baseline(process.env.DATABASE_URL ?? '') : await gateway();
  const server = createServer(target.handler);
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  process.stdout.write(
    `${JSON.stringify({ port: typeof address === 'object' && address?.port })}\n`,
  );
  const stop = () => {
    server.closeAllConnections();
    server.close(() => {
      void target.close().finally(() => process.exit(0));
    });
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  // The parent's death closes stdin: do not outlive it.
  process.stdin.on('end', stop).resume();
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
