// A gateway's LISTEN connection lost while the database refuses new connections (as during a
// restart): the subscription comes back as soon as connections are possible again, and a full
// re-read follows at once, without waiting for the periodic resync (set to a minute here).
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DatabaseHandle, openDatabase } from '../../src/db/client.js';
import { runMigrations } from '../../src/db/migrate.js';
import { createLogger } from '../../src/ops/logger.js';
import { RolloutControl } from '../../src/rollout/control.js';
import { seedFlags } from '../../src/rollout/pg-rows.js';
import { PgRolloutState } from '../../src/rollout/pg-state.js';
import { createTestDatabase, postgresUrl, type TestDatabase } from '../helpers/db.js';

const FLAG = 'events.recent';

async function waitFor(check: () => boolean, timeoutMs: number): Promise<number> {
  const started = performance.now();
  while (!check()) {
    if (performance.now() - started > timeoutMs) throw new Error(`not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
  return performance.now() - started;
}

describe.skipIf(!postgresUrl)('LISTEN after its connection is lost [postgres]', () => {
  let database: TestDatabase;
  let replica: DatabaseHandle;
  let store: PgRolloutState;
  const logger = createLogger('silent');

  beforeAll(async () => {
    database = await createTestDatabase('postgres');
    replica = await openDatabase({ url: database.url!, poolMax: 3 });
    store = new PgRolloutState({ handle: replica, logger, seed: { [FLAG]: 0 }, resyncMs: 60_000 });
    await store.start();
  });

  afterAll(async () => {
    await store?.stop();
    await replica?.close();
    await database?.drop();
  });

  it('subscribes again once connections are possible, and re-reads what it missed', async () => {
    expect(store.status()).toMatchObject({ loaded: true, listening: true });
    const control = new RolloutControl(database.handle.db);
    const admin = postgres(postgresUrl!, { max: 1, onnotice: () => {} });
    const name = new URL(database.url!).pathname.slice(1);
    try {
      // The database refuses new connections, and the listening backend is killed.
      await admin.unsafe(`alter database ${name} with allow_connections false`);
      const [killed] = await admin<{ n: number }[]>`
        select count(pg_terminate_backend(pid))::int as n
        from pg_stat_activity where datname = ${name} and query ilike 'listen%'`;
      expect(killed!.n).toBe(1);
      await waitFor(() => !store.status().listening, 2000);
      // A change committed meanwhile: its NOTIFY reaches nobody.
      const changed = await control.set(
        { flag: FLAG, actor: 'test', reason: 'missed', logger },
        42,
      );
      expect(changed.ok).toBe(true);
      await new Promise((r) => setTimeout(r, 1500));
      expect(store.get(FLAG).percent).toBe(0);
    } finally {
      await admin.unsafe(`alter database ${name} with allow_connections true`);
      await admin.end();
    }
    // Connections are possible again: listening within about a second, and the missed change
    // is read at once (the periodic resync is a minute away).
    const ms = await waitFor(() => store.get(FLAG).percent === 42, 3000);
    expect(ms).toBeLessThan(2000);
    expect(store.status()).toMatchObject({ listening: true, healthy: true });
    // And notifications arrive again.
    await control.set({ flag: FLAG, actor: 'test', reason: 'heard', logger }, 43);
    await waitFor(() => store.get(FLAG).percent === 43, 1000);
  });

  it('never applies a row that is not a committed flag state', () => {
    const before = store.get(FLAG);
    const known = store.all().length;
    // A version the table cannot hold, a percentage outside 0-100, an unknown mode.
    expect(store.apply({ flag: FLAG, percent: 0, mode: 'active', version: 0 }, 'resync')).toBe(
      false,
    );
    expect(store.apply({ flag: FLAG, percent: 250, mode: 'active', version: 1e6 }, 'resync')).toBe(
      false,
    );
    expect(
      store.apply({ flag: FLAG, percent: 0, mode: 'gone' as 'active', version: 1e6 }, 'resync'),
    ).toBe(false);
    expect(store.get(FLAG)).toEqual(before);
    expect(store.all()).toHaveLength(known);
  });
});

describe.skipIf(!postgresUrl)('a rollout store whose database is not there yet [postgres]', () => {
  it('is not loaded, and serves nothing but the committed state once it is', async () => {
    const logger = createLogger('silent');
    const admin = postgres(postgresUrl!, { max: 1, onnotice: () => {} });
    const name = `gw_late_${process.pid}_${Date.now()}`;
    const url = new URL(postgresUrl!);
    url.pathname = `/${name}`;
    const handle = await openDatabase({ url: url.toString(), poolMax: 2 });
    const store = new PgRolloutState({ handle, logger, seed: { [FLAG]: 0 }, resyncMs: 200 });
    let loaded = false;
    void store.loaded().then(() => {
      loaded = true;
    });
    try {
      await expect(store.start()).rejects.toThrow();
      expect(store.status()).toMatchObject({ loaded: false, healthy: false });
      expect(loaded).toBe(false);
      // The database appears, with a committed state of 100%.
      await admin.unsafe(`create database ${name}`);
      const migrated = await openDatabase({ url: url.toString(), poolMax: 1 });
      await runMigrations(migrated);
      await seedFlags(migrated.db, { [FLAG]: 100 });
      await migrated.close();
      await waitFor(() => loaded, 3000);
      expect(store.get(FLAG)).toMatchObject({ percent: 100, mode: 'active' });
      expect(store.status()).toMatchObject({ loaded: true, healthy: true });
    } finally {
      await store.stop();
      await handle.close();
      await admin.unsafe(`drop database if exists ${name} with (force)`);
      await admin.end();
    }
  });
});
