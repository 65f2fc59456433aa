import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { checkScope, isOperator, requireScope } from '../../src/auth/access.js';
import { type ApiToken, parseApiTokens, TokenAuthenticator } from '../../src/auth/tokens.js';
import { ConfigError, loadConfig } from '../../src/config/env.js';

const WRITER: ApiToken = {
  name: 'vue-frontend',
  token: 'writer-token-0123456789',
  scopes: ['violations:write'],
};
const OPERATOR: ApiToken = {
  name: 'ops-alice',
  token: 'operator-token-0123456789',
  scopes: ['violations:write', 'rollout:admin'],
};

function configProblems(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

describe('API_TOKENS', () => {
  it('parses a JSON array of named, scoped tokens into the config', () => {
    const config = loadConfig({ API_TOKENS: JSON.stringify([WRITER, OPERATOR]) });
    expect(config.apiTokens).toEqual([WRITER, OPERATOR]);
    expect(loadConfig({}).apiTokens).toEqual([]);
  });

  it('stops start-up in production without tokens', () => {
    // Production also needs its CORS origins listed (test/unit/config.test.ts).
    const production = { NODE_ENV: 'production', CORS_ORIGINS: 'https://ui.example' };
    expect(configProblems(production)).toEqual([
      'API_TOKENS: required when NODE_ENV=production (a JSON array of {name, token, scopes})',
    ]);
    expect(configProblems({ ...production, API_TOKENS: '[]' })).toHaveLength(1);
    expect(configProblems({ ...production, API_TOKENS: JSON.stringify([WRITER]) })).toEqual([]);
  });

  it('lists invalid JSON among the other problems without echoing the secret', () => {
    const problems = configProblems({
      PORT: 'eighty',
      API_TOKENS: '[{"name":"x","token":"s3cret-',
    });
    expect(problems.map((p) => p.split(':')[0]).sort()).toEqual(['API_TOKENS', 'PORT']);
    expect(problems.join('\n')).not.toContain('s3cret');
  });

  it('names each bad entry and field, never printing a token', () => {
    const secret = 'short';
    const result = parseApiTokens(
      JSON.stringify([
        { name: 'a', token: secret, scopes: ['violations:write'] },
        { name: '', token: 'another-token-0123456789', scopes: ['root'] },
        { name: 'c', token: 'bad token with spaces!!', scopes: [] },
        { name: 'd', token: 'token-0123456789abcdef', scopes: ['rollout:admin'], extra: 1 },
      ]),
    );
    expect(result.ok).toBe(false);
    const problems = result.ok ? [] : result.problems;
    expect(problems.map((p) => p.split(':')[0])).toEqual([
      'API_TOKENS[0].token',
      'API_TOKENS[1].name',
      'API_TOKENS[1].scopes[0]',
      'API_TOKENS[2].token',
      'API_TOKENS[2].scopes',
      'API_TOKENS[3]',
    ]);
    expect(problems.join('\n')).not.toContain(secret);
  });

  it('refuses duplicate names and duplicate tokens', () => {
    const result = parseApiTokens(
      JSON.stringify([
        WRITER,
        { ...WRITER, token: 'x'.repeat(20) },
        { ...OPERATOR, token: WRITER.token },
      ]),
    );
    expect(result.ok ? [] : result.problems).toEqual([
      'API_TOKENS[1].name: duplicate name "vue-frontend"',
      'API_TOKENS[2].token: duplicate token',
    ]);
  });
});

describe('TokenAuthenticator', () => {
  const authenticator = new TokenAuthenticator([WRITER, OPERATOR]);

  it('keeps only digests: the tokens appear nowhere in the object', () => {
    const dump = inspect(authenticator, { showHidden: true, depth: 10 });
    expect(dump).not.toContain(WRITER.token);
    expect(JSON.stringify(authenticator)).not.toContain(WRITER.token);
  });

  it('resolves a bearer token to its principal, case-insensitively on the scheme', () => {
    for (const header of [
      `Bearer ${WRITER.token}`,
      `bearer ${WRITER.token}`,
      `BEARER  ${WRITER.token} `,
    ]) {
      const result = authenticator.authenticate(header);
      expect(result.kind === 'authenticated' && result.principal.name).toBe('vue-frontend');
    }
  });

  it('rejects unknown tokens, other schemes and a token that is only a prefix', () => {
    for (const header of [
      'Bearer nope-0123456789abcdef',
      `Basic ${WRITER.token}`,
      'Bearer',
      `Bearer ${WRITER.token.slice(0, -1)}`,
    ]) {
      expect(authenticator.authenticate(header).kind).toBe('rejected');
    }
    expect(authenticator.authenticate(null)).toEqual({ kind: 'anonymous' });
  });

  it('ignores credentials entirely when no tokens are configured', () => {
    const open = new TokenAuthenticator([]);
    expect(open.enforced).toBe(false);
    expect(open.subjectOf(`Bearer ${WRITER.token}`)).toEqual({
      principal: undefined,
      auth: { enforced: false, rejected: undefined },
    });
  });
});

describe('access checks', () => {
  const authenticator = new TokenAuthenticator([WRITER, OPERATOR]);
  const subject = (header: string | null) => authenticator.subjectOf(header);

  it('distinguishes missing or bad credentials (401) from a missing scope (403)', () => {
    expect(checkScope(subject(null), 'violations:write')?.status).toBe(401);
    expect(checkScope(subject('Bearer wrong-token-0123456789'), 'violations:write')).toMatchObject({
      status: 401,
      message: 'Invalid credentials: unknown API token',
    });
    expect(checkScope(subject(`Bearer ${WRITER.token}`), 'rollout:admin')).toMatchObject({
      status: 403,
      code: 'FORBIDDEN',
    });
    expect(checkScope(subject(`Bearer ${WRITER.token}`), 'violations:write')).toBeUndefined();
  });

  it('treats only rollout:admin holders as operators, and everyone when access is open', () => {
    expect(isOperator(subject(`Bearer ${OPERATOR.token}`))).toBe(true);
    expect(isOperator(subject(`Bearer ${WRITER.token}`))).toBe(false);
    expect(isOperator(new TokenAuthenticator([]).subjectOf(null))).toBe(true);
  });

  it('throws GraphQL errors with the code, HTTP status and challenge for resolvers', () => {
    expect(() => requireScope(subject(`Bearer ${OPERATOR.token}`), 'rollout:admin')).not.toThrow();
    try {
      requireScope(subject(`Bearer ${WRITER.token}`), 'rollout:admin');
      expect.unreachable();
    } catch (error) {
      expect((error as { extensions: unknown }).extensions).toEqual({
        code: 'FORBIDDEN',
        http: {
          status: 403,
          headers: {
            'www-authenticate': 'Bearer error="insufficient_scope", scope="rollout:admin"',
          },
        },
      });
    }
  });
});
