// /health says the process is alive; /ready says it can serve: the database answers, every
// committed migration is applied, and the rollout state is loaded and kept fresh (by LISTEN or,
// while the listener is down, by a working resync). /ready always answers within its budget
// (READY_BUDGET_MS): a database that does not answer in time is reported as 503, never waited for.
import { type DatabaseHandle, ping } from '../db/client.js';
import { appliedMigrationCount, expectedMigrationCount } from '../db/migrate.js';
import { jsonResponse } from '../http/json.js';
import type { RolloutSyncStatus } from '../rollout/pg-state.js';

/** The most /ready spends on the database check; load balancers probe with ~1 s timeouts. */
export const READY_BUDGET_MS = 500;

export function health(): Response {
  return jsonResponse({ status: 'ok' });
}

class ReadyTimeout extends Error {}

/** Concurrent probes share one database check, so a hanging database does not pile them up. */
const inFlight = new WeakMap<DatabaseHandle, Promise<number>>();

function databaseCheck(handle: DatabaseHandle): Promise<number> {
  let check = inFlight.get(handle);
  if (!check) {
    check = (async () => {
      await ping(handle);
      return appliedMigrationCount(handle);
    })().finally(() => inFlight.delete(handle));
    inFlight.set(handle, check);
  }
  return check;
}

function within<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new ReadyTimeout(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export interface ReadinessOptions {
  /** The rollout store's first load; waited for briefly (start-up), within the budget. */
  started?: Promise<unknown>;
  budgetMs?: number;
}

export async function readiness(
  handle: DatabaseHandle,
  rollout?: { status(): RolloutSyncStatus },
  options: ReadinessOptions = {},
): Promise<Response> {
  const budget = options.budgetMs ?? READY_BUDGET_MS;
  const deadline = performance.now() + budget;
  const expected = expectedMigrationCount();
  try {
    if (options.started) await within(options.started, budget / 2).catch(() => {});
    const applied = await within(databaseCheck(handle), Math.max(1, deadline - performance.now()));
    const sync = rollout?.status();
    const ok = applied >= expected && (sync?.healthy ?? true);
    return jsonResponse(
      {
        status: ok ? 'ready' : 'not_ready',
        database: 'ok',
        migrations: { applied, expected },
        ...(sync ? { rollout: sync } : {}),
      },
      ok ? 200 : 503,
    );
  } catch (error) {
    const sync = rollout?.status();
    return jsonResponse(
      {
        status: 'not_ready',
        database: error instanceof ReadyTimeout ? 'timeout' : 'unreachable',
        error: (error as Error).message,
        ...(sync ? { rollout: sync } : {}),
      },
      503,
    );
  }
}
