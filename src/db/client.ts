// Opens the database: PostgreSQL through postgres.js when a URL is given, otherwise the embedded
// PGlite (a real Postgres in WASM) in a data directory. Both give the same drizzle API.
import { cpSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { PGlite } from '@electric-sql/pglite';
import { type SQL, sql } from 'drizzle-orm';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import postgres from 'postgres';
import { packagePath } from '../runtime/package-root.js';
import * as schema from './schema.js';

export type Db = PgDatabase<PgQueryResultHKT, typeof schema>;

export interface DatabaseHandle {
  db: Db;
  /**
   * The same database without the `onQuery` log: background reads (the rollout store's seed,
   * resync and refresh on NOTIFY) are not request work, and tests that count a request's queries
   * must not see them.
   */
  background: Db;
  kind: 'pglite' | 'postgres';
  /** Runs raw SQL and returns its rows, hiding the drivers' different result shapes. */
  rows<T = Record<string, unknown>>(query: SQL): Promise<T[]>;
  /** The postgres.js client, when on PostgreSQL (LISTEN/NOTIFY, benchmarks). */
  sql?: postgres.Sql;
  /** The PGlite instance, when embedded. */
  pglite?: PGlite;
  /**
   * LISTENs on `channel`. On PostgreSQL the subscription lives on a connection of its own, and
   * `onLost` is called when that connection closes: the subscription is then gone and the caller
   * subscribes again (postgres.js's own `listen()` retries once and then gives up silently).
   * Resolves, once LISTEN is in place, to the function that ends the subscription.
   */
  listen?(
    channel: string,
    onPayload: (payload: string) => void,
    onLost: () => void,
  ): Promise<() => Promise<void>>;
  close(): Promise<void>;
}

export interface OpenOptions {
  /** postgres:// URL; when absent, PGlite is used. */
  url?: string | undefined;
  /** PGlite data directory, or `memory://` for an in-memory database. */
  dataDir?: string;
  /** Upper bound of the PostgreSQL pool. Default 10. */
  poolMax?: number;
  /** Called with every statement drizzle sends (tests count queries with it). */
  onQuery?: (query: string) => void;
}

/**
 * Seconds before a closed connection may reconnect, after `retries` failed attempts of the pool:
 * 0.1 s doubling, at most 1 s, with jitter. postgres.js's default grows to 10–20 s after a few
 * refused attempts, so a pool that saw a short outage kept waiting long after the server was back.
 */
export function reconnectBackoff(retries: number): number {
  return Math.min(0.1 * 2 ** retries, 1) * (0.75 + Math.random() / 4);
}

/**
 * PGlite's server settings. shared_buffers is PostgreSQL's default 128 MB in PGlite, all of it
 * WASM memory the process keeps; 16 MB holds the hot pages of the gateway's tables and indexes
 * (the embedded default is for development and small sites), and saves ~110 MB of RSS.
 */
const PGLITE_CONF = ['shared_buffers=16MB'];

/**
 * An initialized, empty PGlite data directory (initdb's output) that `npm run build` stores for
 * the installed PGlite version: a new data directory starts as a copy of it (~0.1 s) instead of
 * running initdb (~6 s, and ~630 MB of WASM memory the process would keep).
 */
export function pgliteTemplatePath(): string {
  const pkg = JSON.parse(readFileSync(packagePath('package.json'), 'utf8')) as {
    dependencies: Record<string, string>;
  };
  return packagePath('dist', `pglite-template-${pkg.dependencies['@electric-sql/pglite']}`);
}

/** A new on-disk data directory starts from the template, when one was built. */
function initializeFromTemplate(dataDir: string): void {
  if (dataDir.includes('://') || existsSync(join(dataDir, 'PG_VERSION'))) return;
  const template = pgliteTemplatePath();
  if (existsSync(join(template, 'PG_VERSION'))) cpSync(template, dataDir, { recursive: true });
}

export async function openDatabase(opts: OpenOptions): Promise<DatabaseHandle> {
  const onQuery = opts.onQuery;
  const logger = onQuery ? { logQuery: (query: string) => onQuery(query) } : undefined;
  if (opts.url) {
    const url = opts.url;
    const sql = postgres(url, {
      max: opts.poolMax ?? 10,
      onnotice: () => {},
      idle_timeout: 30,
      connect_timeout: 10,
      backoff: reconnectBackoff,
    });
    const db = drizzlePostgres(sql, { schema, logger }) as unknown as Db;
    const listener = createListener(url);
    return {
      db,
      background: drizzlePostgres(sql, { schema }) as unknown as Db,
      kind: 'postgres',
      sql,
      rows: async <T>(query: SQL) => (await db.execute(query)) as unknown as T[],
      listen: listener.listen,
      close: async () => {
        await Promise.all([sql.end({ timeout: 5 }), listener.close()]);
      },
    };
  }
  const dataDir = opts.dataDir ?? 'memory://';
  if (!dataDir.includes('://')) mkdirSync(dataDir, { recursive: true });
  // Loaded only here: a gateway on PostgreSQL never carries the embedded database's code.
  const [{ PGlite }, { drizzle: drizzlePglite }] = await Promise.all([
    import('@electric-sql/pglite'),
    import('drizzle-orm/pglite'),
  ]);
  initializeFromTemplate(dataDir);
  const pglite = await PGlite.create(dataDir, { postgresqlconf: PGLITE_CONF });
  const client = parsersOnce(pglite);
  const db = drizzlePglite(client, { schema, logger }) as unknown as Db;
  return {
    db,
    background: drizzlePglite(client, { schema }) as unknown as Db,
    kind: 'pglite',
    pglite,
    rows: async <T>(query: SQL) => ((await db.execute(query)) as unknown as { rows: T[] }).rows,
    // One process: notifications are delivered in process and the subscription cannot be lost.
    listen: async (channel, onPayload) => {
      const unlisten = await pglite.listen(channel, onPayload);
      return () => unlisten();
    },
    close: () => pglite.close(),
  };
}

type QueryOptions = Parameters<PGlite['query']>[2];
const merged = new WeakSet<object>();

/**
 * The PGlite instance as drizzle sees it. drizzle's driver passes its parser table (timestamps,
 * dates and intervals stay text) with every query, and PGlite merges such a table into a copy of
 * its own ~300 entries on every query: 75 µs, a third of the REST shim's statement on PGlite.
 * Here each table is merged into the instance's once, and queries run without one: the same
 * parsers apply (nothing else reads this PGlite through other ones), without the copy.
 */
function parsersOnce(pglite: PGlite): PGlite {
  const strip = (options: QueryOptions): QueryOptions => {
    if (!options?.parsers) return options;
    if (!merged.has(options)) {
      Object.assign(pglite.parsers, options.parsers);
      merged.add(options);
    }
    return { ...options, parsers: undefined };
  };
  const query: PGlite['query'] = (text, params, options) =>
    pglite.query(text, params, strip(options));
  const transaction: PGlite['transaction'] = (callback) =>
    pglite.transaction((tx) =>
      callback(
        new Proxy(tx, {
          get: (target, key) =>
            key === 'query'
              ? (((text, params, options) =>
                  target.query(text, params, strip(options))) satisfies typeof tx.query)
              : Reflect.get(target, key),
        }),
      ),
    );
  // PGlite's other methods, bound to it once (they are called on the hot path too).
  const bound = new Map<PropertyKey, unknown>();
  return new Proxy(pglite, {
    get(target, key) {
      if (key === 'query') return query;
      if (key === 'transaction') return transaction;
      const value = Reflect.get(target, key, target);
      if (typeof value !== 'function') return value;
      if (!bound.has(key)) bound.set(key, value.bind(target));
      return bound.get(key);
    },
  });
}

/** One round trip to the database (readiness). */
export async function ping(handle: DatabaseHandle): Promise<void> {
  await handle.rows(sql`select 1`);
}

/**
 * One connection that only LISTENs (created on the first subscription). Its close is reported to
 * every subscriber, which then subscribes again; the next LISTEN reconnects it.
 */
function createListener(url: string) {
  const subscribers = new Map<
    string,
    Set<{ onPayload: (p: string) => void; onLost: () => void }>
  >();
  let client: postgres.Sql | undefined;
  // `onnotify` is a postgres.js option its type definitions leave out (listen() is built on it).
  const options = {
    max: 1,
    idle_timeout: 0,
    max_lifetime: 0,
    connect_timeout: 5,
    fetch_types: false,
    backoff: reconnectBackoff,
    onnotice: () => {},
    onnotify: (channel: string, payload: string) => {
      for (const s of [...(subscribers.get(channel) ?? [])]) s.onPayload(payload);
    },
    onclose: () => {
      // Every LISTEN of the connection is gone with it.
      const lost = [...subscribers.values()].flatMap((set) => [...set]);
      subscribers.clear();
      for (const s of lost) s.onLost();
    },
  };
  const connection = () => (client ??= postgres(url, options));
  const quoted = (channel: string) => `"${channel.replace(/"/g, '""')}"`;
  return {
    async listen(channel: string, onPayload: (payload: string) => void, onLost: () => void) {
      const subscriber = { onPayload, onLost };
      await connection().unsafe(`listen ${quoted(channel)}`);
      const set = subscribers.get(channel) ?? new Set();
      subscribers.set(channel, set.add(subscriber));
      return async () => {
        const current = subscribers.get(channel);
        if (!current?.delete(subscriber) || current.size > 0) return;
        subscribers.delete(channel);
        await connection().unsafe(`unlisten ${quoted(channel)}`);
      };
    },
    close: async () => {
      await client?.end({ timeout: 1 });
    },
  };
}
