// The database harness: every suite that takes it runs against PGlite always, and against the
// PostgreSQL server when TEST_DATABASE_URL (or DATABASE_URL) is set, each test file in its own
// freshly created database that is dropped afterwards.

import { randomBytes } from 'node:crypto';
import { appendFileSync } from 'node:fs';
import postgres from 'postgres';
import { afterAll, beforeAll, describe } from 'vitest';
import { type DatabaseHandle, openDatabase } from '../../src/db/client.js';
import { runMigrations } from '../../src/db/migrate.js';

export const postgresUrl = process.env.TEST_DATABASE_URL ?? process.env.DATABASE_URL;

if (process.env.REQUIRE_POSTGRES === '1' && !postgresUrl) {
  throw new Error('REQUIRE_POSTGRES=1 but neither TEST_DATABASE_URL nor DATABASE_URL is set');
}

export type DbKind = 'pglite' | 'postgres';
export const dbKinds: DbKind[] = postgresUrl ? ['pglite', 'postgres'] : ['pglite'];

export interface TestDatabase {
  handle: DatabaseHandle;
  /** Every statement drizzle sent through this handle, oldest first (tests may clear it). */
  queries: string[];
  /** The connection string of the per-file database (PostgreSQL only). */
  url?: string;
  drop(): Promise<void>;
}

/** Creates an empty database of the given kind, migrated with `migrationsFolder` (default: all). */
export async function createTestDatabase(
  kind: DbKind,
  migrationsFolder?: string,
): Promise<TestDatabase> {
  const queries: string[] = [];
  const onQuery = (query: string) => queries.push(query);
  if (kind === 'pglite') {
    const handle = await openDatabase({ dataDir: 'memory://', onQuery });
    await runMigrations(handle, migrationsFolder);
    return { handle, queries, drop: () => handle.close() };
  }
  const name = `gw_test_${process.pid}_${randomBytes(4).toString('hex')}`;
  const admin = postgres(postgresUrl!, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name}`);
  const url = new URL(postgresUrl!);
  url.pathname = `/${name}`;
  const handle = await openDatabase({ url: url.toString(), poolMax: 20, onQuery });
  await runMigrations(handle, migrationsFolder);
  if (process.env.PG_SUITE_MARKER) appendFileSync(process.env.PG_SUITE_MARKER, `${name}\n`);
  return {
    handle,
    queries,
    url: url.toString(),
    drop: async () => {
      await handle.close();
      await admin.unsafe(`drop database if exists ${name} with (force)`);
      await admin.end();
    },
  };
}

/**
 * Declares `body` once per database kind. `db()` gives the suite's handle inside tests; the
 * database is created in beforeAll and dropped in afterAll.
 */
export function describeEachDb(
  title: string,
  body: (db: () => DatabaseHandle, kind: DbKind, queries: () => string[]) => void,
) {
  for (const kind of dbKinds) {
    describe(`${title} [${kind}]`, () => {
      let test: TestDatabase | undefined;
      beforeAll(async () => {
        test = await createTestDatabase(kind);
      });
      afterAll(async () => {
        await test?.drop();
      });
      body(
        () => {
          if (!test) throw new Error('database not ready: use db() inside tests or hooks');
          return test.handle;
        },
        kind,
        () => test?.queries ?? [],
      );
    });
  }
}
