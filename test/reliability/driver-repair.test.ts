// The installed postgres.js is repaired (scripts/patch-postgres.mjs, run by `postinstall`): a
// query on a connection whose backend went away fails with a catchable error, and the connection
// then reconnects cleanly. Unrepaired, the query's write throws an uncaught TypeError from a
// setImmediate (the process exits) and the connection keeps a stale write timer, so its next
// startup message is never sent and every reconnect times out.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import postgres from 'postgres';
import { afterAll, describe, expect, it } from 'vitest';
import { unrepairedDriverFiles } from '../../src/db/driver-quirks.js';
import { postgresUrl } from '../helpers/db.js';

describe('the installed postgres.js', () => {
  it('carries the closed-socket write repair in its ESM and CommonJS builds', async () => {
    expect(unrepairedDriverFiles()).toEqual([]);
    // The install step itself agrees (and would say which file is not repaired).
    const { stdout } = await promisify(execFile)(process.execPath, [
      'scripts/patch-postgres.mjs',
      '--check',
    ]);
    expect(stdout).toBe('');
  });
});

describe.runIf(postgresUrl)('a transaction whose backend is terminated [postgres]', () => {
  // connect_timeout 2 s: unrepaired, the pool's only connection then fails every query with
  // CONNECT_TIMEOUT after 2 s, forever.
  const sql = postgres(postgresUrl!, { max: 1, connect_timeout: 2, onnotice: () => {} });
  afterAll(async () => {
    await sql.end({ timeout: 1 });
  });

  it('fails with a catchable error, and the pool answers again at once', async () => {
    const uncaught: unknown[] = [];
    const onUncaught = (error: unknown) => uncaught.push(error);
    process.on('uncaughtException', onUncaught);
    try {
      // The backend dies inside the transaction; postgres.js then writes ROLLBACK to the closed
      // connection.
      const outcome = await sql
        .begin(async (tx) => {
          await tx`select pg_terminate_backend(pg_backend_pid())`;
        })
        .then(
          () => 'committed',
          (error: Error & { code?: string }) => error.code ?? error.message,
        );
      expect(outcome).toBe('CONNECTION_CLOSED');
      await new Promise((resolve) => setTimeout(resolve, 50));
      // The first query may still hear the old backend's goodbye (57P01); the pool then answers.
      const started = performance.now();
      let answered = false;
      for (let attempt = 0; attempt < 3 && !answered; attempt++) {
        answered = await sql`select 1`.then(
          () => true,
          () => false,
        );
      }
      expect(answered).toBe(true);
      expect(performance.now() - started).toBeLessThan(1500);
    } finally {
      process.removeListener('uncaughtException', onUncaught);
    }
    expect(uncaught).toEqual([]);
  });
});
