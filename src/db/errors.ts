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
