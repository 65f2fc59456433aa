// Applies the committed drizzle-kit migrations at start-up, and tells /ready whether they are all in.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import type { PgliteDatabase } from 'drizzle-orm/pglite';
import type { PostgresJsDatabase } from 'drizzle-orm/postgres-js';
import { packagePath } from '../runtime/package-root.js';
import type { DatabaseHandle } from './client.js';

/** `drizzle/` at the package root; MIGRATIONS_DIR overrides. */
export const migrationsFolder = process.env.MIGRATIONS_DIR ?? packagePath('drizzle');

interface Journal {
  entries: { when: number; tag: string }[];
}
const journals = new Map<string, Journal>();

/** The committed journal (read once per folder: it does not change while the process runs). */
function journalOf(folder: string): Journal {
  let journal = journals.get(folder);
  if (journal === undefined) {
    journal = JSON.parse(readFileSync(join(folder, 'meta', '_journal.json'), 'utf8')) as Journal;
    journals.set(folder, journal);
  }
  return journal;
}

/** How many migrations the committed journal lists. */
export function expectedMigrationCount(folder = migrationsFolder): number {
  return journalOf(folder).entries.length;
}

/**
 * True when the database already records the journal's last migration (drizzle stores each
 * migration's `when` as `created_at`): start-up then skips reading and hashing every file.
 */
async function upToDate(handle: DatabaseHandle, folder: string): Promise<boolean> {
  const { entries } = journalOf(folder);
  const last = entries.at(-1);
  if (!last) return false;
  const { count, latest } = await recorded(handle);
  return count >= entries.length && latest >= last.when;
}

export async function runMigrations(
  handle: DatabaseHandle,
  folder = migrationsFolder,
): Promise<void> {
  if (await upToDate(handle, folder)) return;
  if (handle.kind === 'pglite') {
    const { migrate: migratePglite } = await import('drizzle-orm/pglite/migrator');
    await migratePglite(handle.db as unknown as PgliteDatabase, { migrationsFolder: folder });
  } else {
    const { migrate: migratePostgres } = await import('drizzle-orm/postgres-js/migrator');
    await migratePostgres(handle.db as unknown as PostgresJsDatabase, { migrationsFolder: folder });
  }
}

/** Number of migrations recorded as applied; 0 when none ever ran. */
export async function appliedMigrationCount(handle: DatabaseHandle): Promise<number> {
  return (await recorded(handle)).count;
}

/** What drizzle recorded: how many migrations, and the latest one's `when` (0: none). */
async function recorded(handle: DatabaseHandle): Promise<{ count: number; latest: number }> {
  const [exists] = await handle.rows<{ ok: boolean }>(
    sql`select to_regclass('drizzle.__drizzle_migrations') is not null as ok`,
  );
  if (!exists?.ok) return { count: 0, latest: 0 };
  const [row] = await handle.rows<{ n: number | string; latest: number | string | null }>(
    sql`select count(*)::int as n, max(created_at) as latest from drizzle.__drizzle_migrations`,
  );
  return { count: Number(row?.n ?? 0), latest: Number(row?.latest ?? 0) };
}
