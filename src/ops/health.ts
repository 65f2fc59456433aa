// /health says the process is alive; /ready says it can serve: the database answers and every
// committed migration is applied.
import { sql } from 'drizzle-orm';
import type { DatabaseHandle } from '../db/client.js';
import { appliedMigrationCount, expectedMigrationCount } from '../db/migrate.js';
import { jsonResponse } from '../http/json.js';

export function health(): Response {
  return jsonResponse({ status: 'ok' });
}

export async function readiness(handle: DatabaseHandle): Promise<Response> {
  const expected = expectedMigrationCount();
  try {
    await handle.rows(sql`select 1`);
    const applied = await appliedMigrationCount(handle);
    const migrated = applied >= expected;
    return jsonResponse(
      { status: migrated ? 'ready' : 'not_ready', database: 'ok', migrations: { applied, expected } },
      migrated ? 200 : 503,
    );
  } catch (error) {
    return jsonResponse(
      { status: 'not_ready', database: 'unreachable', error: (error as Error).message },
      503,
    );
  }
}
