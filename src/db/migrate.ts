// Applies the committed drizzle-kit migrations at start-up, and tells /ready whether they are all in.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from 'drizzle-orm';
import type { PgliteDatabase } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import type { PostgresJsDatabase } from 'drizzle-orm/postgres-js';
import { migrate as migratePostgres } from 'drizzle-orm/postgres-js/migrator';
import type { DatabaseHandle } from './client.js';

/** Resolved from the package root, not the bundle location (a bundle would move it); MIGRATIONS_DIR overrides. */
export const migrationsFolder =
  process.env.MIGRATIONS_DIR ?? fileURLToPath(new URL('../../drizzle', import.meta.url));

const journalCounts = new Map<string, number>();

/** How many migrations the committed journal lists (read once per folder: it does not change). */
export function expectedMigrationCount(folder = migrationsFolder): number {
  let count = journalCounts.get(folder);
  if (count === undefined) {
    const journal = JSON.parse(readFileSync(join(folder, 'meta', '_journal.json'), 'utf8')) as {
      entries: unknown[];
    };
    count = journal.entries.length;
    journalCounts.set(folder, count);
  }
  return count;
}

export async function runMigrations(
  handle: DatabaseHandle,
  folder = migrationsFolder,
): Promise<void> {
  if (handle.kind === 'pglite') {
    await migratePglite(handle.db as unknown as PgliteDatabase, { migrationsFolder: folder });
  } else {
    await migratePostgres(handle.db as unknown as PostgresJsDatabase, { migrationsFolder: folder });
  }
}

/** Number of migrations recorded as applied; 0 when none ever ran. */
export async function appliedMigrationCount(handle: DatabaseHandle): Promise<number> {
  const [exists] = await handle.rows<{ ok: boolean }>(
    sql`select to_regclass('drizzle.__drizzle_migrations') is not null as ok`,
  );
  if (!exists?.ok) return 0;
  const [row] = await handle.rows<{ n: number | string }>(
    sql`select count(*)::int as n from drizzle.__drizzle_migrations`,
  );
  return Number(row?.n ?? 0);
}
