// /health says the process is alive; /ready says it can serve: the database answers, every
// committed migration is applied, and the rollout state is loaded and kept fresh (by LISTEN or,
// while the listener is down, by a working resync). /ready always answers within its budget
// (READY_BUDGET_MS): a database that does not answer in time is reported as 503, never waited for.
import { type DatabaseHandle, ping } from '../db/client.js';
import { appliedMigrationCount, expectedMigrationCount } from '../db/migrate.js';
import { jsonResponse } from '../http/json.js';
import type { RolloutSyncStatus } from '../rollout/pg-state.js';

/** The most /ready spends on the database check; load balancers probe with ~1 s timeouts. */
export const READY_BUDGET_MS = 300;
/**
 * A check that outlives the budget while the previous one succeeded less than this long ago is
 * a slow database, not a lost one: /ready then answers from that success. A database that
 * refuses is reported at once; one that hangs, once its last success is this old.
 */
export const READY_GRACE_MS = 2000;

export function health(): Response {
  return jsonResponse({ status: 'ok' });
}

class ReadyTimeout extends Error {}

/** Concurrent probes share one database check, so a hanging database does not pile them up. */
const inFlight = new WeakMap<DatabaseHandle, Promise<number>>();
/** The last successful check per database: when, and how many migrations it found. */
const lastSuccess = new WeakMap<DatabaseHandle, { at: number; applied: number }>();

function databaseCheck(handle: DatabaseHandle): Promise<number> {
  let check = inFlight.get(handle);
  if (!check) {
    check = (async () => {
      await ping(handle);
      const applied = await appliedMigrationCount(handle);
      lastSuccess.set(handle, { at: performance.now(), applied });
      return applied;
    })()
      .catch((error: unknown) => {
        lastSuccess.delete(handle);
        throw error;
      })
      .finally(() => inFlight.delete(handle));
    inFlight.set(handle, check);
  }
  return check;
}

/** The check's answer within `ms`; past it, a recent success stands in for a slow database. */
async function checkWithin(handle: DatabaseHandle, ms: number): Promise<number> {
  try {
    return await within(databaseCheck(handle), ms);
  } catch (error) {
    const last = lastSuccess.get(handle);
    if (error instanceof ReadyTimeout && last && performance.now() - last.at < READY_GRACE_MS) {
      return last.applied;
    }
    throw error;
  }
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
  /** More of the body that does not decide readiness (e.g. the breakers: legacy still answers). */
  extra?: () => Record<string, unknown>,
): Promise<Response> {
  const budget = options.budgetMs ?? READY_BUDGET_MS;
  const deadline = performance.now() + budget;
  const expected = expectedMigrationCount();
  try {
    if (options.started) await within(options.started, budget / 2).catch(() => {});
    const applied = await checkWithin(handle, Math.max(1, deadline - performance.now()));
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
