// /health says the process is alive; /ready says it can serve: the database answers, every
// committed migration is applied, and the rollout state is loaded and kept fresh (by LISTEN or,
// while the listener is down, by a working resync).
import { type DatabaseHandle, ping } from '../db/client.js';
import { appliedMigrationCount, expectedMigrationCount } from '../db/migrate.js';
import { jsonResponse } from '../http/json.js';
import type { RolloutSyncStatus } from '../rollout/pg-state.js';

export function health(): Response {
  return jsonResponse({ status: 'ok' });
}

export async function readiness(
  handle: DatabaseHandle,
  rollout?: { status(): RolloutSyncStatus },
  /** More of the body that does not decide readiness (e.g. the breakers: legacy still answers). */
  extra?: () => Record<string, unknown>,
): Promise<Response> {
  const expected = expectedMigrationCount();
  try {
    await ping(handle);
    const applied = await appliedMigrationCount(handle);
    const sync = rollout?.status();
    const ok = applied >= expected && (sync?.healthy ?? true);
    return jsonResponse(
      {
        status: ok ? 'ready' : 'not_ready',
        database: 'ok',
        migrations: { applied, expected },
        ...(sync ? { rollout: sync } : {}),
        ...extra?.(),
      },
      ok ? 200 : 503,
    );
  } catch (error) {
    return jsonResponse(
      { status: 'not_ready', database: 'unreachable', error: (error as Error).message },
      503,
    );
  }
}
