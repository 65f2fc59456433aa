// The server surface around the fields: health and readiness, CORS, body limits, request ids,
// GraphQL limits, GraphiQL offline, and bounded HTTP metrics.
import { beforeAll, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/client.js';
import { buildApp, gql, tempLogPath } from '../helpers/app.js';
import { describeEachDb } from '../helpers/db.js';

describeEachDb('the gateway app', (db) => {
  let app: ReturnType<typeof buildApp>;
  beforeAll(async () => {
    app = buildApp(db(), {
      config: {
        eventLogPath: await tempLogPath(),
        bodyLimitBytes: 2048,
        corsOrigins: ['https://ui.example'],
      },
    });
  });

  it('answers /health and, with every migration applied, /ready', async () => {
    expect((await app.fetch('http://gateway/health')).status).toBe(200);
    const ready = await app.fetch('http://gateway/ready');
    const body = await ready.json();
    expect(ready.status).toBe(200);
    expect(body.database).toBe('ok');
    expect(body.migrations.applied).toBe(body.migrations.expected);
  });

  it('is not ready when its database has no migrations', async () => {
    const empty = await openDatabase({ dataDir: 'memory://' });
    try {
      const unmigrated = buildApp(empty, { config: { eventLogPath: await tempLogPath() } });
      const ready = await unmigrated.fetch('http://gateway/ready');
      expect(ready.status).toBe(503);
      expect((await ready.json()).migrations.applied).toBe(0);
      await (unmigrated as { close?: () => Promise<void> }).close?.();
    } finally {
      await empty.close();
    }
  });

  it('answers CORS preflights for configured origins only', async () => {
    const preflight = (origin: string) =>
      app.fetch('http://gateway/graphql', {
        method: 'OPTIONS',
        headers: { origin, 'access-control-request-method': 'POST' },
      });
    const allowed = await preflight('https://ui.example');
    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://ui.example');
    const other = await preflight('https://evil.example');
    expect(other.headers.get('access-control-allow-origin')).not.toBe('https://evil.example');
  });

  it('refuses bodies over the limit with 413, declared or streamed', async () => {
    const big = JSON.stringify({ query: `{ __typename }${' '.repeat(4096)}` });
    const post = (body: string) =>
      app.fetch('http://gateway/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-length': String(body.length) },
        body,
      });
    expect((await post(big)).status).toBe(413);
    const small = await post(JSON.stringify({ query: '{ __typename }' }));
    expect(await small.json()).toEqual({ data: { __typename: 'Query' } });
    const stream = new ReadableStream({
      start(c) {
        c.enqueue(new TextEncoder().encode(big));
        c.close();
      },
    });
    const streamed = await app.fetch(
      new Request('http://gateway/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: stream,
        duplex: 'half',
      } as RequestInit),
    );
    expect(streamed.status).toBe(413);
  });

  it('echoes a well-formed X-Request-Id and makes one up otherwise', async () => {
    const given = await app.fetch('http://gateway/health', {
      headers: { 'x-request-id': 'abc-123' },
    });
    expect(given.headers.get('x-request-id')).toBe('abc-123');
    const bad = await app.fetch('http://gateway/health', { headers: { 'x-request-id': 'a b\nc' } });
    expect(bad.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('enforces GraphQL depth and alias limits', async () => {
    const shallow = buildApp(db(), {
      config: { eventLogPath: await tempLogPath() },
      limits: { maxDepth: 2 },
    });
    const deep = await gql(shallow, '{ recentEvents { camera { region { id } } } }');
    expect(deep.body.errors[0].message).toMatch(/depth/i);
    const aliases = Array.from({ length: 20 }, (_, i) => `a${i}: recentEvents(limit: 1) { ts }`);
    const tooMany = await gql(app, `{ ${aliases.join(' ')} }`);
    expect(tooMany.body.errors[0].message).toMatch(/aliases/i);
    expect(tooMany.body.data).toBeUndefined();
  });

  it('serves GraphiQL from the package, with no CDN', async () => {
    const page = await app.fetch('http://gateway/graphql', { headers: { accept: 'text/html' } });
    const html = await page.text();
    expect(page.status).toBe(200);
    expect(html).toContain('GraphiQL');
    expect(html).not.toMatch(/unpkg\.com|jsdelivr/);
  });

  it('counts requests by route template, never by raw path', async () => {
    await app.fetch('http://gateway/no/such/path/123');
    await app.fetch('http://gateway/api/v1/events/recent?limit=1');
    const text = await (await app.fetch('http://gateway/metrics')).text();
    expect(text).toMatch(
      /gateway_http_requests_total\{route="other",method="GET",status="404"\} 1/,
    );
    expect(text).toMatch(/route="\/api\/v1\/events\/recent"/);
    expect(text).not.toContain('/no/such/path');
  });
});
