// What a failed statement tells about itself, whichever driver (postgres.js or PGlite) threw it:
// the PostgreSQL error fields, and whether the server refused the statement (so it did not apply).

export interface PgErrorFields {
  code: string;
  severity: string | undefined;
  constraint: string | undefined;
}

/** The PostgreSQL error behind a failure (drizzle wraps driver errors as their `cause`). */
export function pgErrorOf(error: unknown): PgErrorFields | undefined {
  for (let e = error, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    // postgres.js names the constraint `constraint_name`, PGlite `constraint`.
    const f = e as Error & {
      code?: unknown;
      severity?: string;
      constraint?: string;
      constraint_name?: string;
    };
    if (typeof f.code === 'string' && /^[0-9A-Z]{5}$/.test(f.code)) {
      return { code: f.code, severity: f.severity, constraint: f.constraint ?? f.constraint_name };
    }
  }
  return undefined;
}

/**
 * True when the server itself answered the statement with an error, so it was not applied. A
 * failure without a server answer (socket closed), a FATAL one (the session was killed) or a
 * connection-class error (08xxx) leaves the outcome unknown.
 */
export function isDefiniteFailure(error: unknown): boolean {
  const pg = pgErrorOf(error);
  if (!pg || pg.code.startsWith('08')) return false;
  return pg.severity === undefined || pg.severity === 'ERROR';
}

/** postgres.js's own connection errors and Node's socket errors. */
const CONNECTION_ERRORS =
  /^(CONNECTION_(CLOSED|ENDED|DESTROYED)|CONNECT_TIMEOUT|ECONNREFUSED|ECONNRESET|EPIPE|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|ENOTFOUND|EAI_AGAIN)$/;

/**
 * True when the database was lost rather than refusing the statement: a socket or driver
 * connection error, a connection-class SQLSTATE (08xxx), an operator intervention such as a
 * shutdown or a terminated backend (57P0x), or any FATAL/PANIC (the session ended). The legacy
 * path would depend on the same database, so such a failure never falls back.
 */
export function isConnectionFailure(error: unknown): boolean {
  for (let e = error, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    const f = e as Error & { code?: unknown; severity?: string };
    if (typeof f.code !== 'string') continue;
    if (CONNECTION_ERRORS.test(f.code)) return true;
    if (/^[0-9A-Z]{5}$/.test(f.code)) {
      return (
        f.code.startsWith('08') ||
        f.code.startsWith('57P') ||
        f.severity === 'FATAL' ||
        f.severity === 'PANIC'
      );
    }
  }
  return false;
}
