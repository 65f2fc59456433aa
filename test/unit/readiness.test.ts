// /ready answers within its budget whatever the database does: a database that hangs is a 503
// after at most READY_BUDGET_MS, and probes arriving meanwhile share the one pending check
// instead of queueing more work on the hanging database.
import { describe, expect, it } from 'vitest';
import type { DatabaseHandle } from '../../src/db/client.js';
import { expectedMigrationCount } from '../../src/db/migrate.js';
import { READY_BUDGET_MS, READY_GRACE_MS, readiness } from '../../src/ops/health.js';

function fakeHandle(answer: () => Promise<unknown[]>) {
  let calls = 0;
  const handle = {
    kind: 'postgres',
    rows: () => {
      calls += 1;
      return answer();
    },
  } as unknown as DatabaseHandle;
  return { handle, calls: () => calls };
}

describe('readiness', () => {
  it('answers 503 within its budget while the database does not answer', async () => {
    const { handle, calls } = fakeHandle(() => new Promise(() => {}));
    const started = performance.now();
    const answers = await Promise.all([readiness(handle), readiness(handle), readiness(handle)]);
    const elapsed = performance.now() - started;
    // The budget, plus what a loaded machine adds: well under a load balancer's 1 s.
    expect(elapsed).toBeGreaterThanOrEqual(READY_BUDGET_MS - 5);
    expect(elapsed).toBeLessThan(1000);
    for (const answer of answers) {
      expect(answer.status).toBe(503);
      expect(await answer.json()).toMatchObject({ status: 'not_ready', database: 'timeout' });
    }
    expect(calls()).toBe(1);
  });

  it('does not wait for a rollout store that has not loaded beyond its budget', async () => {
    const { handle } = fakeHandle(async () => [{ ok: true, n: expectedMigrationCount() }]);
    const started = performance.now();
    const answer = await readiness(
      handle,
      {
        status: () => ({
          loaded: false,
          listening: false,
          lastSyncAt: null,
          lastSyncError: 'connect ECONNREFUSED',
          healthy: false,
        }),
      },
      { started: new Promise(() => {}) },
    );
    expect(performance.now() - started).toBeLessThan(1000);
    expect(answer.status).toBe(503);
    expect(await answer.json()).toMatchObject({ database: 'ok', rollout: { loaded: false } });
  });

  it('says unreachable, at once, when the database refuses', async () => {
    const { handle } = fakeHandle(() => Promise.reject(new Error('connect ECONNREFUSED')));
    const answer = await readiness(handle);
    expect(answer.status).toBe(503);
    expect(await answer.json()).toMatchObject({
      database: 'unreachable',
      error: 'connect ECONNREFUSED',
    });
  });

  it('treats a check slower than the budget as a slow database while the last success is recent', async () => {
    let hang = false;
    const { handle } = fakeHandle(() =>
      hang ? new Promise(() => {}) : Promise.resolve([{ ok: true, n: expectedMigrationCount() }]),
    );
    expect((await readiness(handle)).status).toBe(200);
    hang = true;
    const slow = await readiness(handle);
    expect(slow.status).toBe(200);
    // Once the last success is older than the grace period, a hanging database is not ready.
    await new Promise((resolve) => setTimeout(resolve, READY_GRACE_MS));
    const lost = await readiness(handle);
    expect(lost.status).toBe(503);
    expect(await lost.json()).toMatchObject({ database: 'timeout' });
  });
});
