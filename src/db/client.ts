// Opens the database: PostgreSQL through postgres.js when a URL is given, otherwise the embedded
// PGlite (a real Postgres in WASM) in a data directory. Both give the same drizzle API.
import { mkdirSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import type { SQL } from 'drizzle-orm';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import postgres from 'postgres';
import * as schema from './schema.js';

export type Db = PgDatabase<PgQueryResultHKT, typeof schema>;

export interface DatabaseHandle {
  db: Db;
  kind: 'pglite' | 'postgres';
  /** Runs raw SQL and returns its rows, hiding the drivers' different result shapes (trap 6). */
  rows<T = Record<string, unknown>>(query: SQL): Promise<T[]>;
  /** The postgres.js client, when on PostgreSQL (LISTEN/NOTIFY, benchmarks). */
  sql?: postgres.Sql;
  /** The PGlite instance, when embedded. */
  pglite?: PGlite;
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

export async function openDatabase(opts: OpenOptions): Promise<DatabaseHandle> {
  const onQuery = opts.onQuery;
  const logger = onQuery ? { logQuery: (query: string) => onQuery(query) } : undefined;
  if (opts.url) {
    const sql = postgres(opts.url, {
      max: opts.poolMax ?? 10,
      onnotice: () => {},
      idle_timeout: 30,
      connect_timeout: 10,
      backoff: reconnectBackoff,
    });
    const db = drizzlePostgres(sql, { schema, logger }) as unknown as Db;
    return {
      db,
      kind: 'postgres',
      sql,
      rows: async <T>(query: SQL) => (await db.execute(query)) as unknown as T[],
      close: () => sql.end({ timeout: 5 }),
    };
  }
  const dataDir = opts.dataDir ?? 'memory://';
  if (!dataDir.includes('://')) mkdirSync(dataDir, { recursive: true });
  const pglite = await PGlite.create(dataDir);
  const db = drizzlePglite(pglite, { schema, logger }) as unknown as Db;
  return {
    db,
    kind: 'pglite',
    pglite,
    rows: async <T>(query: SQL) => ((await db.execute(query)) as unknown as { rows: T[] }).rows,
    close: () => pglite.close(),
  };
}
