// The database failing in the middle of a status change. Whatever breaks, the table holds either
// the whole domain change (row + history), the legacy change alone, or nothing, and the caller
// hears which: a durable 200 (possibly after a fallback), or a 503. Never a 200 for a lost write.
import { sql } from 'drizzle-orm';
import { afterEach, expect, it } from 'vitest';
import { isClosedSocketWriteError } from '../../src/db/driver-quirks.js';
import { ViolationRepository } from '../../src/repositories/violation-repository.js';
import { describeEachDb } from '../helpers/db.js';
import {
  FLAG,
  historyOf,
  put,
  seedViolations,
  violationApp,
  violationRow,
} from '../helpers/violations.js';

const statusPath = (id: number) => `/api/v1/records/violations/${id}/status?status=resolved`;

describeEachDb('a status change when the database fails', (db, kind) => {
  const cleanups: string[] = [];
  const exec = (text: string) => db().db.execute(sql.raw(text));
  afterEach(async () => {
    for (const statement of cleanups.splice(0)) await exec(statement);
  });

  /** A trigger on `table` for violation `id` that runs `body` (plpgsql), dropped after the test. */
  async function trigger(name: string, id: number, table: string, timing: string, body: string) {
    await exec(
      `create or replace function ${name}() returns trigger language plpgsql as $$ begin ${body}; return null; end $$`,
    );
    const column = table === 'violation_events' ? 'id' : 'violation_id';
    await exec(
      `create ${timing.startsWith('deferred') ? 'constraint ' : ''}trigger ${name} ${timing.replace('deferred ', '')} on ${table} ${timing.startsWith('deferred') ? 'deferrable initially deferred ' : ''}for each row when (new.${column} = ${id}) execute function ${name}()`,
    );
    cleanups.push(`drop trigger ${name} on ${table}`, `drop function ${name}()`);
  }

  async function fallbacks(app: ReturnType<typeof violationApp>): Promise<number> {
    const { values } = await app.metrics.fallbacks.get();
    return values.find((v) => v.labels.flag === FLAG && v.labels.cause === 'error')?.value ?? 0;
  }

  it('falls back to legacy after a forced error following the UPDATE, and the change is durable', async () => {
    const [id] = await seedViolations(db(), 1);
    const domain = new ViolationRepository(db().db, {
      beforeCommit: async () => {
        throw new Error('injected failure after the UPDATE and the history INSERT');
      },
    });
    const app = violationApp(db(), { services: { violations: { domain } } });
    const answer = await put(app, statusPath(id!));
    expect(answer.status).toBe(200);
    expect(answer.headers.get('x-rollout-path')).toBe('legacy');
    expect(answer.headers.get('x-rollout-fallback')).toBe('error');
    expect((await violationRow(db(), id!)).status).toBe('resolved');
    expect(await historyOf(db(), id!)).toEqual([]);
    expect(await fallbacks(app)).toBe(1);
  });

  it('falls back to legacy when a trigger rejects the history row, leaving no history', async () => {
    const [id] = await seedViolations(db(), 1);
    await trigger(
      'vw_fail_history',
      id!,
      'violation_status_history',
      'before insert',
      "raise exception 'history refused'",
    );
    const answer = await put(violationApp(db()), statusPath(id!));
    expect(answer.status).toBe(200);
    expect(answer.headers.get('x-rollout-path')).toBe('legacy');
    expect((await violationRow(db(), id!)).status).toBe('resolved');
    expect(await historyOf(db(), id!)).toEqual([]);
  });

  it('falls back to legacy when COMMIT itself is refused by the server (a definite rollback)', async () => {
    const [id] = await seedViolations(db(), 1);
    await trigger(
      'vw_refuse_commit',
      id!,
      'violation_status_history',
      'deferred after insert',
      "raise exception 'refused at commit'",
    );
    const answer = await put(violationApp(db()), statusPath(id!));
    expect(answer.status).toBe(200);
    expect(answer.headers.get('x-rollout-path')).toBe('legacy');
    expect((await violationRow(db(), id!)).status).toBe('resolved');
    expect(await historyOf(db(), id!)).toEqual([]);
  });

  it('answers 503 and changes nothing when both paths are refused', async () => {
    const [id] = await seedViolations(db(), 1);
    await trigger(
      'vw_fail_update',
      id!,
      'violation_events',
      'before update',
      "raise exception 'row locked by maintenance'",
    );
    const app = violationApp(db());
    const answer = await put(app, statusPath(id!));
    expect(answer.status).toBe(503);
    expect(JSON.parse(answer.text).detail).toMatch(/nothing was applied/);
    expect(answer.headers.get('x-rollout-fallback')).toBe('error');
    expect((await violationRow(db(), id!)).status).toBe('pending');
    expect(await historyOf(db(), id!)).toEqual([]);
  });

  it('answers 503, without falling back, when the connection fails during COMMIT', async () => {
    const [id] = await seedViolations(db(), 1);
    // A connection-class error at COMMIT: the client cannot tell whether the commit happened.
    await trigger(
      'vw_lost_commit',
      id!,
      'violation_status_history',
      'deferred after insert',
      "raise exception 'connection failure' using errcode = '08006'",
    );
    const app = violationApp(db());
    const answer = await put(app, statusPath(id!));
    expect(answer.status).toBe(503);
    expect(JSON.parse(answer.text).detail).toMatch(/may or may not have been applied/);
    expect(answer.headers.get('x-rollout-path')).toBe('domain');
    // Legacy never ran (it would have set the status): the write was not applied twice.
    expect((await violationRow(db(), id!)).status).toBe('pending');
    expect(await fallbacks(app)).toBe(0);
  });

  it.runIf(kind === 'postgres')(
    'answers 503 without falling back when the backend is terminated inside the transaction',
    async () => {
      // The database going away (a restart, a killed backend) is no reason to let the legacy path
      // apply the change on that same database: nothing was applied, and the caller is told so.
      const [id] = await seedViolations(db(), 1);
      const domain = new ViolationRepository(db().db, {
        beforeCommit: async (tx) => {
          await tx.execute(sql`select pg_terminate_backend(pg_backend_pid())`);
        },
      });
      const app = violationApp(db(), { services: { violations: { domain } } });
      const answer = await put(app, statusPath(id!), { 'x-request-id': 'killed-backend-1' });
      expect(answer.status).toBe(503);
      expect(JSON.parse(answer.text).detail).toMatch(/nothing was applied/);
      expect(answer.headers.get('x-request-id')).toBe('killed-backend-1');
      expect(answer.headers.get('x-rollout-path')).toBe('domain');
      expect(answer.headers.get('x-rollout-fallback')).toBeNull();
      expect((await violationRow(db(), id!)).status).toBe('pending');
      expect(await historyOf(db(), id!)).toEqual([]);
      expect(await fallbacks(app)).toBe(0);
    },
  );

  it('answers 503 "not applied" when the write outlives its budget before COMMIT, and never commits it', async () => {
    const [id] = await seedViolations(db(), 1);
    let finished!: () => void;
    const done = new Promise<void>((resolve) => {
      finished = resolve;
    });
    const domain = new ViolationRepository(db().db, {
      timeoutMs: 200,
      beforeCommit: async () => {
        await new Promise((resolve) => setTimeout(resolve, 600));
        finished();
      },
    });
    const app = violationApp(db(), { services: { violations: { domain } } });
    const started = performance.now();
    const answer = await put(app, statusPath(id!), { 'x-request-id': 'slow-write-1' });
    expect(performance.now() - started).toBeLessThan(500);
    expect(answer.status).toBe(503);
    expect(JSON.parse(answer.text).detail).toMatch(/nothing was applied/);
    expect(answer.headers.get('x-request-id')).toBe('slow-write-1');
    expect(answer.headers.get('x-rollout-fallback')).toBeNull();
    // The transaction's work finishes later: it must roll back, not commit.
    await done;
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect((await violationRow(db(), id!)).status).toBe('pending');
    expect(await historyOf(db(), id!)).toEqual([]);
    expect(await fallbacks(app)).toBe(0);
  });

  it.runIf(kind === 'postgres')(
    'answers 503 "outcome unknown" when the budget runs out while COMMIT is on its way',
    async () => {
      const [id] = await seedViolations(db(), 1);
      // COMMIT takes 800 ms (a deferred trigger), the budget is 300 ms.
      await trigger(
        'vw_slow_commit',
        id!,
        'violation_status_history',
        'deferred after insert',
        'perform pg_sleep(0.8)',
      );
      const domain = new ViolationRepository(db().db, { timeoutMs: 300 });
      const app = violationApp(db(), { services: { violations: { domain } } });
      const answer = await put(app, statusPath(id!), { 'x-request-id': 'slow-commit-1' });
      expect(answer.status).toBe(503);
      expect(JSON.parse(answer.text).detail).toMatch(/may or may not have been applied/);
      expect(answer.headers.get('x-request-id')).toBe('slow-commit-1');
      // It did commit in the end, on the domain path only: the history says which request.
      await new Promise((resolve) => setTimeout(resolve, 900));
      expect((await violationRow(db(), id!)).status).toBe('resolved');
      expect((await historyOf(db(), id!)).map((h) => [h.path, h.requestId])).toEqual([
        ['domain', 'slow-commit-1'],
      ]);
      expect(await fallbacks(app)).toBe(0);
    },
  );

  it.runIf(kind === 'postgres')(
    'answers 503 when the backend is terminated while committing, and the write is not applied twice',
    async () => {
      const [id] = await seedViolations(db(), 1);
      await trigger(
        'vw_kill_commit',
        id!,
        'violation_status_history',
        'deferred after insert',
        'perform pg_terminate_backend(pg_backend_pid()); perform pg_sleep(5)',
      );
      await tolerateClosedSocketWrite(async () => {
        const answer = await put(violationApp(db()), statusPath(id!));
        expect(answer.status).toBe(503);
        expect(answer.headers.get('x-rollout-path')).toBe('domain');
      });
      expect((await violationRow(db(), id!)).status).toBe('pending');
      expect(await historyOf(db(), id!)).toEqual([]);
    },
  );
});

/**
 * Runs `body` while swallowing the one uncaught TypeError postgres.js 3.4.9 throws when its
 * transaction code writes ROLLBACK to the socket a killed backend closed (porsager/postgres#1208:
 * in a server this exits the process). Any other uncaught error still fails the test.
 */
async function tolerateClosedSocketWrite(body: () => Promise<void>): Promise<void> {
  const saved = process.listeners('uncaughtException');
  let other: unknown;
  const guard = (error: Error) => {
    if (!isClosedSocketWriteError(error)) other = error;
  };
  process.removeAllListeners('uncaughtException');
  process.on('uncaughtException', guard);
  try {
    await body();
    await new Promise((resolve) => setTimeout(resolve, 100));
  } finally {
    process.removeListener('uncaughtException', guard);
    for (const listener of saved) process.on('uncaughtException', listener);
  }
  if (other) throw other;
}
