// postgres.js 3.4.9 mishandles a write buffered while its socket closes: the write either throws
// an uncatchable TypeError from a setImmediate, or stays buffered with its timer, so the
// reconnected socket never sends its startup message and times out after connect_timeout, over
// and over (the pool stays broken after a database restart). scripts/patch-postgres.mjs repairs
// the installed driver (npm runs it as `postinstall`); the gateway refuses PostgreSQL without it.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/** The marker scripts/patch-postgres.mjs writes into each repaired connection.js. */
export const DRIVER_REPAIR_MARKER = '/* gateway: closed-socket write guard */';

/** Whether an uncaught error is that postgres.js write to a closed socket. */
export function isClosedSocketWriteError(error: unknown): boolean {
  return (
    error instanceof TypeError &&
    /reading 'write'/.test(error.message) &&
    /[/\\]postgres[/\\]/.test(error.stack ?? '')
  );
}

/** The installed postgres.js connection modules (ESM and CommonJS) that lack the repair. */
export function unrepairedDriverFiles(): string[] {
  // `require.resolve` gives the CommonJS entry, cjs/src/index.js, two levels below the package.
  const root = join(dirname(createRequire(import.meta.url).resolve('postgres')), '..', '..');
  return ['src/connection.js', 'cjs/src/connection.js'].filter(
    (file) => !readFileSync(join(root, file), 'utf8').includes(DRIVER_REPAIR_MARKER),
  );
}
