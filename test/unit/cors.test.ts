import { createServerAdapter } from '@whatwg-node/server';
import { describe, expect, it } from 'vitest';
import { type CorsOrigins, useCors } from '../../src/http/cors.js';

function server(origins: CorsOrigins) {
  return createServerAdapter(() => Response.json({ ok: true }), {
    plugins: [useCors({ origins, exposedHeaders: ['X-Request-Id'] })],
  });
}

const get = (app: ReturnType<typeof server>, origin: string) =>
  app.fetch('http://gateway/graphql', { headers: { origin, authorization: 'Bearer x' } });

const preflight = (app: ReturnType<typeof server>, origin: string) =>
  app.fetch('http://gateway/graphql', {
    method: 'OPTIONS',
    headers: {
      origin,
      'access-control-request-method': 'POST',
      'access-control-request-headers': 'authorization, content-type',
    },
  });

describe('CORS', () => {
  it('allows any origin with "*" but never with credentials, and never echoes it', async () => {
    const app = server('*');
    for (const origin of ['https://evil.example', 'null']) {
      const answer = await get(app, origin);
      expect(answer.headers.get('access-control-allow-origin')).toBe('*');
      expect(answer.headers.get('access-control-allow-credentials')).toBeNull();
    }
    const before = await preflight(app, 'https://ui.example');
    expect(before.status).toBe(204);
    expect(before.headers.get('access-control-allow-headers')).toBe('authorization, content-type');
    expect(before.headers.get('access-control-allow-credentials')).toBeNull();
  });

  it('echoes a listed origin with credentials, and nothing for others or for "null"', async () => {
    const app = server(['https://ui.example', 'https://ops.example']);
    const listed = await get(app, 'https://ops.example');
    expect(listed.headers.get('access-control-allow-origin')).toBe('https://ops.example');
    expect(listed.headers.get('access-control-allow-credentials')).toBe('true');
    expect(listed.headers.get('access-control-expose-headers')).toBe('X-Request-Id');
    expect(listed.headers.get('vary')).toBe('Origin');
    for (const origin of ['https://evil.example', 'null', 'https://ui.example.evil.example']) {
      for (const answer of [await get(app, origin), await preflight(app, origin)]) {
        expect(answer.headers.get('access-control-allow-origin')).toBeNull();
        expect(answer.headers.get('access-control-allow-credentials')).toBeNull();
        expect(answer.headers.get('vary')).toBe('Origin');
      }
    }
    const single = server(['https://ui.example']);
    expect(
      (await get(single, 'https://evil.example')).headers.get('access-control-allow-origin'),
    ).toBeNull();
  });

  it('adds nothing to a request without Origin', async () => {
    const answer = await server(['https://ui.example']).fetch('http://gateway/health');
    expect([...answer.headers.keys()].filter((h) => h.startsWith('access-control'))).toEqual([]);
  });
});
