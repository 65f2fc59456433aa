// API tokens: parsed once from API_TOKENS (config), then kept in memory only as SHA-256 digests so
// a heap dump or a debug log never shows a usable token. A presented bearer token is hashed and
// compared with every digest in constant time, so response timing says nothing about how close a
// guess was or which entry matched.
import { createHash, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import type { AccessSubject, Principal } from './principal.js';
import { SCOPES, type Scope } from './scopes.js';

export interface ApiToken {
  name: string;
  token: string;
  scopes: Scope[];
}

// RFC 6750 token68, so every configured token can actually be sent in `Authorization: Bearer`.
const TOKEN68 = /^[A-Za-z0-9\-._~+/]+=*$/;
const MIN_TOKEN_CHARS = 16;

const tokenSchema = z
  .object({
    name: z.string().trim().min(1, 'must be a non-empty string'),
    token: z
      .string()
      .min(MIN_TOKEN_CHARS, `must be at least ${MIN_TOKEN_CHARS} characters`)
      .regex(TOKEN68, 'must use only the characters A-Z a-z 0-9 - . _ ~ + / (then any =)'),
    scopes: z
      .array(z.enum(SCOPES, { message: `must be one of ${SCOPES.join(', ')}` }))
      .min(1, 'must list at least one scope'),
  })
  .strict();

export type TokenParse = { ok: true; tokens: ApiToken[] } | { ok: false; problems: string[] };

/**
 * Parses API_TOKENS (a JSON array of {name, token, scopes}). Problems name the entry and field but
 * never echo a token value: this text ends up in start-up logs.
 */
export function parseApiTokens(raw: string | undefined): TokenParse {
  if (raw === undefined) return { ok: true, tokens: [] };
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    return { ok: false, problems: ['API_TOKENS: is not valid JSON (value not shown)'] };
  }
  const parsed = z.array(tokenSchema).safeParse(json);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => {
      const where = issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`));
      return `API_TOKENS${where.join('')}: ${issue.message}`;
    });
    return { ok: false, problems };
  }
  const problems: string[] = [];
  const names = new Set<string>();
  const tokens = new Set<string>();
  parsed.data.forEach((entry, i) => {
    if (names.has(entry.name))
      problems.push(`API_TOKENS[${i}].name: duplicate name "${entry.name}"`);
    if (tokens.has(entry.token)) problems.push(`API_TOKENS[${i}].token: duplicate token`);
    names.add(entry.name);
    tokens.add(entry.token);
  });
  return problems.length > 0 ? { ok: false, problems } : { ok: true, tokens: parsed.data };
}

/** What a request's Authorization header amounts to. */
export type Authentication =
  | { kind: 'anonymous' }
  | { kind: 'authenticated'; principal: Principal }
  | { kind: 'rejected'; reason: string };

const BEARER = /^Bearer +(\S+) *$/i;

function digest(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}

export class TokenAuthenticator {
  readonly #entries: { digest: Buffer; principal: Principal }[];

  constructor(tokens: readonly ApiToken[]) {
    this.#entries = tokens.map((t) => ({
      digest: digest(t.token),
      principal: { name: t.name, scopes: new Set(t.scopes) },
    }));
  }

  /** True when tokens are configured: writes then need a token with the right scope. */
  get enforced(): boolean {
    return this.#entries.length > 0;
  }

  authenticate(authorization: string | null | undefined): Authentication {
    // Without configured tokens there is nothing to check a credential against (development).
    if (!this.enforced || authorization === null || authorization === undefined) {
      return { kind: 'anonymous' };
    }
    const match = BEARER.exec(authorization);
    if (!match) return { kind: 'rejected', reason: 'expected "Authorization: Bearer <token>"' };
    const presented = digest(match[1]!);
    let found: Principal | undefined;
    // Compare against every entry, without stopping at a match, so timing does not say which.
    for (const entry of this.#entries) {
      if (timingSafeEqual(entry.digest, presented)) found = entry.principal;
    }
    return found
      ? { kind: 'authenticated', principal: found }
      : { kind: 'rejected', reason: 'unknown API token' };
  }

  /** The request's principal and auth state, as resolvers and shims check them (access.ts). */
  subjectOf(authorization: string | null | undefined): AccessSubject {
    const result = this.authenticate(authorization);
    return {
      principal: result.kind === 'authenticated' ? result.principal : undefined,
      auth: {
        enforced: this.enforced,
        rejected: result.kind === 'rejected' ? result.reason : undefined,
      },
    };
  }
}
