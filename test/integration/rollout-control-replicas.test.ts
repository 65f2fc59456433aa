// Two gateway instances on one PostgreSQL database, each with its own connection pool and its own
// LISTEN connection, as two replicas would have: a change made through one reaches the other.
import { Writable } from 'node:stream';
import { pino } from 'pino';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DatabaseHandle, openDatabase } from '../../src/db/client.js';
import { readiness } from '../../src/ops/health.js';
import { PgRolloutState } from '../../src/rollout/pg-state.js';
import { silentLogger } from '../doubles/silent-logger.js';
import { buildApp, gql, tempLogPath, writeLog } from '../helpers/app.js';
import { createTestDatabase, postgresUrl, type TestDatabase } from '../helpers/db.js';

const FLAG = 'events.recent';
const OPERATOR = 'Bearer operator-token-0123456789';
const RESYNC_MS = 1000;
const apiTokens = [
  { name: 'ops', token: 'operator-token-0123456789', scopes: ['rollout:admin' as const] },
];

const SET = `mutation ($percent: Float!) {
  setRolloutPercentage(flag: "events.recent", percent: $percent, reason: "replica test") {
    __typename ... on RolloutChanged { rollout { version } } } }`;

async function waitFor(check: () => boolean, timeoutMs: number): Promise<number> {
  const started = performance.now();
  while (!check()) {
    if (performance.now() - started > timeoutMs) throw new Error(`not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 1));
  }
  return performance.now() - started;
}

describe.skipIf(!postgresUrl)('rollout state on two replicas of one PostgreSQL [postgres]', () => {
  let database: TestDatabase;
  let second: DatabaseHandle;
  let a: ReturnType<typeof buildApp>;
  let b: ReturnType<typeof buildApp>;
  /** Replica b's log lines, to tell a change that arrived by NOTIFY from one found by resync. */
  const bLog: { msg?: string; percent?: number; source?: string }[] = [];

  beforeAll(async () => {
    database = await createTestDatabase('postgres');
    second = await openDatabase({ url: database.url!, poolMax: 5 });
    const eventLogPath = await tempLogPath();
    await writeLog(eventLogPath, []);
    const config = { apiTokens, eventLogPath, rolloutResyncMs: RESYNC_MS };
    a = buildApp(database.handle, { config });
    const sink = new Writable({
      write(chunk, _encoding, done) {
        bLog.push(JSON.parse(String(chunk)));
        done();
      },
    });
    b = buildApp(second, { config, logger: pino({ level: 'info' }, sink) });
    await Promise.all([a.rolloutReady, b.rolloutReady]);
  });

  afterAll(async () => {
    await Promise.all([a?.close(), b?.close()]);
    await second?.close();
    await database?.drop();
  });

  const set = async (percent: number) => {
    const answer = await gql(a, SET, { percent }, { authorization: OPERATOR });
    expect(answer.body.data.setRolloutPercentage.__typename).toBe('RolloutChanged');
  };

  it('applies a change made through one replica on the other within a second', async () => {
    const lags: number[] = [];
    for (let i = 1; i <= 20; i++) {
      await set(i);
      lags.push(await waitFor(() => b.rolloutState.get(FLAG).percent === i, 1000));
    }
    lags.sort((x, y) => x - y);
    console.info(
      `propagation after the mutation answered, 20 changes: median ${lags[10]!.toFixed(1)} ms, max ${lags[19]!.toFixed(1)} ms`,
    );
    expect(lags[19]).toBeLessThan(1000);
    const served = await gql(b, '{ recentEvents(limit: 1) { ts } }', {}, { 'x-rollout-key': 'k' });
    expect(served.body.extensions.rollout[FLAG].percent).toBe(20);
  });

  it('resyncs a replica whose listening connection was killed, and no request fails meanwhile', async () => {
    const failures: unknown[] = [];
    let answered = 0;
    let stop = false;
    const traffic = (async () => {
      while (!stop) {
        const r = await gql(b, '{ recentEvents(limit: 1) { ts } }', {}, { 'x-rollout-key': 'k' });
        if (r.status !== 200 || r.body.errors) failures.push(r.body);
        answered++;
        await new Promise((res) => setTimeout(res, 5));
      }
    })();
    // New connections are refused while the change is made, so the killed listeners cannot
    // come back in time to hear it: only the periodic resync (on pooled connections) can.
    const admin = postgres(postgresUrl!, { max: 1, onnotice: () => {} });
    const name = new URL(database.url!).pathname.slice(1);
    await admin.unsafe(`alter database ${name} with allow_connections false`);
    let ms: number;
    try {
      const [killed] = await admin`select count(pg_terminate_backend(pid))::int as n
        from pg_stat_activity where datname = ${name} and query ilike 'listen%'`;
      expect(killed!.n).toBeGreaterThanOrEqual(2);
      await set(55);
      ms = await waitFor(() => b.rolloutState.get(FLAG).percent === 55, RESYNC_MS + 500);
    } finally {
      await admin.unsafe(`alter database ${name} with allow_connections true`);
      await admin.end();
    }
    await new Promise((res) => setTimeout(res, 100));
    stop = true;
    await traffic;
    expect(ms).toBeLessThan(RESYNC_MS + 500);
    expect(answered).toBeGreaterThan(5);
    expect(failures).toEqual([]);
    const applied = (percent: number) =>
      bLog.find((l) => l.msg === 'rollout: state applied' && l.percent === percent)?.source;
    expect(applied(55)).toBe('resync');
    // Once connections are possible again it listens again: changes arrive by NOTIFY.
    await new Promise((res) => setTimeout(res, 2 * RESYNC_MS));
    await set(56);
    await waitFor(() => b.rolloutState.get(FLAG).percent === 56, 1000);
    expect(applied(56)).toBe('notify');
  });

  it('reports not ready when the listener is down and the resync fails', async () => {
    const doomed = await openDatabase({ url: database.url!, poolMax: 1 });
    const store = new PgRolloutState({
      handle: doomed,
      logger: silentLogger,
      seed: {},
      resyncMs: 100,
    });
    await store.start();
    expect(store.status()).toMatchObject({ loaded: true, listening: true, healthy: true });
    await doomed.close();
    await waitFor(() => !store.status().healthy, 2000);
    expect(store.status()).toMatchObject({ listening: false, lastSyncError: expect.any(String) });
    const ready = await readiness(database.handle, store);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toMatchObject({ status: 'not_ready', rollout: { healthy: false } });
    await store.stop();
    expect((await b.fetch('http://gateway/ready')).status).toBe(200);
  });
});
