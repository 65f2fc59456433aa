// Client mistakes get a 4xx JSON answer; what nobody expected is logged with its cause, counted,
// and answered with a JSON 500 that carries no stack trace. Over a real listening server where
// fetch cannot send the request (absolute-form targets, `OPTIONS *`, TRACE with a body).
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nodeListener } from '../../src/http/node-listener.js';
import { capturedLogger } from '../doubles/captured-logger.js';
import { buildApp, tempLogPath, writeLog } from '../helpers/app.js';
import { describeEachDb } from '../helpers/db.js';
import { httpText, type Listening, listen, rawRequest } from '../helpers/server.js';

const STACK = /\n\s+at |node_modules|\.ts:\d+/;

describeEachDb('HTTP errors', (db) => {
  let app: ReturnType<typeof buildApp>;
  let server: Listening;
  let logs: Record<string, unknown>[];

  beforeAll(async () => {
    const captured = capturedLogger('warn');
    logs = captured.lines;
    const eventLogPath = await tempLogPath();
    await writeLog(eventLogPath, []);
    app = buildApp(db(), { logger: captured.logger, config: { eventLogPath } });
    await app.rolloutReady;
    server = await listen(app);
  });

  afterAll(async () => {
    await server?.close();
    await app?.close();
  });

  const send = (text: string) => rawRequest(server.port, text);

  it('reads a malformed percent-escape in a path as written, and the parameter refuses it', async () => {
    const answer = await send(
      httpText('PUT', '/api/v1/records/violations/%zz/status?status=confirmed'),
    );
    expect(answer.status).toBe(422);
    expect(JSON.parse(answer.body).detail[0]).toMatchObject({
      type: 'int_parsing',
      loc: ['path', 'violation_id'],
      input: '%zz',
    });
    const lone = await send(httpText('PUT', '/api/v1/records/violations/12%/status?status=x'));
    expect(lone.status).toBe(422);
  });

  it('answers methods no route serves with 405, even with a body the fetch API refuses', async () => {
    const chunked = { 'transfer-encoding': 'chunked' };
    for (const target of ['/graphql', '/api/v1/events/recent']) {
      const answer = await send(httpText('TRACE', target, chunked, '3\r\nabc\r\n0\r\n\r\n'));
      expect(answer.status).toBe(405);
      expect(answer.head).toMatch(/\r\ncontent-type: application\/json/i);
      expect(answer.body).not.toMatch(STACK);
    }
    const connect = await send(httpText('CONNECT', 'gateway.test:443'));
    expect([connect.status, JSON.parse(connect.body)]).toEqual([
      405,
      { detail: 'Method Not Allowed' },
    ]);
  });

  it('serves an absolute-form target as the path it names, and OPTIONS * with the methods', async () => {
    const absolute = await send(
      httpText('GET', 'http://gateway.test:8000/health', { host: 'gateway.test:8000' }),
    );
    expect([absolute.status, JSON.parse(absolute.body)]).toEqual([200, { status: 'ok' }]);
    const star = await send(httpText('OPTIONS', '*', { host: 'gateway.test:8000' }));
    expect(star.status).toBe(204);
    expect(star.head).toMatch(/\r\nallow: GET, HEAD, POST, PUT, OPTIONS/);
  });

  it('refuses unusable targets and Host headers with a JSON 400', async () => {
    const cases = [
      httpText('GET', '*'),
      httpText('GET', 'ftp://gateway.test/health'),
      httpText('GET', 'http://[::1/health'),
      httpText('GET', '/health', { host: 'a b' }),
      httpText('GET', '/health', { host: 'gateway.test/other' }),
      httpText('GET', '/health', { host: 'gateway.test:99999' }),
    ];
    for (const text of cases) {
      const answer = await send(text);
      expect(answer.status, text).toBe(400);
      expect(JSON.parse(answer.body).detail).toMatch(/^Invalid|asterisk/);
    }
  });

  it('answers a request node:http cannot parse with a JSON 400', async () => {
    const answer = await send('GET /health HTTP/1.1\r\nHost: x\r\nBad Header: x\r\n\r\n');
    expect([answer.status, JSON.parse(answer.body)]).toEqual([400, { detail: 'Bad Request' }]);
    const huge = await send(httpText('GET', '/health', { 'x-big': 'a'.repeat(20_000) }));
    expect(huge.status).toBe(431);
  });

  it('answers GraphQL parameters that are not JSON, and invalid subscriptions, as client errors', async () => {
    const get = await app.fetch('http://gateway/graphql?query=%7B__typename%7D&variables=%');
    expect([get.status, (await get.json()).errors[0].extensions.code]).toEqual([
      400,
      'BAD_REQUEST',
    ]);
    for (const jit of [true, false]) {
      const other = jit ? app : buildApp(db(), { config: { graphqlJit: false } });
      const answer = await other.fetch('http://gateway/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: 'subscription { recentEvents { ts } }' }),
      });
      expect(answer.status).toBeLessThan(500);
      expect((await answer.json()).errors[0].message).toBe(
        'Cannot query field "recentEvents" on type "Subscription".',
      );
      if (!jit) await other.close();
    }
    const metrics = await (await app.fetch('http://gateway/metrics')).text();
    expect(metrics).toContain('gateway_graphql_unexpected_errors_total 0');
  });

  it('closes the connection after an event stream when the client asked for that', async () => {
    // Read until the server closes: with yoga's `Connection: keep-alive` it stayed open for
    // node:http's keep-alive timeout (5 s), longer than this wait.
    const answer = await rawRequest(
      server.port,
      httpText('GET', '/graphql?query=%7B__typename%7D', { accept: 'text/event-stream' }),
      2_000,
    );
    expect(answer.status).toBe(200);
    expect(answer.head.toLowerCase()).toContain('connection: close');
    expect(answer.body).toContain('event: complete');
  });

  it('logs, counts and masks an error the handler did not expect', async () => {
    const { registry } = app.metrics;
    const original = registry.metrics;
    registry.metrics = () => Promise.reject(new TypeError('boom in the handler'));
    try {
      const answer = await send(httpText('GET', '/metrics', { 'x-request-id': 'boom-1' }));
      expect(answer.status).toBe(500);
      expect(JSON.parse(answer.body)).toEqual({ detail: 'Internal Server Error' });
      expect(answer.head).toMatch(/\r\nx-request-id: boom-1/);
    } finally {
      registry.metrics = original;
    }
    const metrics = await (await app.fetch('http://gateway/metrics')).text();
    expect(metrics).toContain('gateway_http_unexpected_errors_total{stage="handler"} 1');
    expect(metrics).toMatch(
      /gateway_http_requests_total\{route="\/metrics",method="GET",status="500"\} 1/,
    );
    const logged = logs.find((l) => l.msg === 'http: unexpected error');
    expect(logged).toMatchObject({ requestId: 'boom-1', stage: 'handler', level: 50 });
    expect((logged!.err as { stack: string }).stack).toContain('boom in the handler');
  });
});

describe('the node:http entry', () => {
  it('reads a GraphQL POST body whole, and drops a client that leaves halfway without an error', async () => {
    const bodies: string[] = [];
    const unexpected: unknown[] = [];
    const listener = nodeListener(
      {
        async handleNodeRequestAndResponse(req) {
          const body = (req as { body?: Buffer }).body;
          bodies.push(body ? body.toString() : 'streamed');
          return new Response('ok');
        },
      },
      {
        onUnexpected: (error) => {
          unexpected.push(error);
          return new Response(null, { status: 500 });
        },
        onSendError: () => {},
        bufferBodies: { paths: ['/graphql'], limit: 64 },
      },
    );
    const server = await listen(listener);
    try {
      const post = (target: string, body: string) =>
        rawRequest(
          server.port,
          httpText('POST', target, { 'content-length': String(body.length) }, body),
        );
      expect((await post('/graphql?x=1', '{"query":"{a}"}')).status).toBe(200);
      await post('/graphql', 'x'.repeat(65)); // over the limit: left to stream
      await post('/other', 'abc'); // another path: left to stream
      expect(bodies).toEqual(['{"query":"{a}"}', 'streamed', 'streamed']);
      // Half a declared body, then the connection closes.
      await new Promise<void>((resolve) => {
        const socket = connect(server.port, '127.0.0.1', () => {
          socket.end('POST /graphql HTTP/1.1\r\nhost: x\r\ncontent-length: 40\r\n\r\n{"que');
        });
        socket.on('close', () => resolve());
        socket.resume();
      });
      expect((await post('/graphql', '{}')).status).toBe(200);
      expect(unexpected).toEqual([]);
      expect(bodies).toHaveLength(4);
    } finally {
      await server.close();
    }
  });

  it('answers an error that escapes the server adapter with a JSON 500', async () => {
    const seen: unknown[] = [];
    const listener = nodeListener(
      {
        handleNodeRequestAndResponse() {
          throw new Error('adapter failure');
        },
      },
      {
        onUnexpected: (error) => {
          seen.push(error);
          return Response.json({ detail: 'Internal Server Error' }, { status: 500 });
        },
        onSendError: () => {},
      },
    );
    const server = await listen(listener);
    try {
      const answer = await rawRequest(server.port, httpText('GET', '/graphql'));
      expect([answer.status, JSON.parse(answer.body)]).toEqual([
        500,
        { detail: 'Internal Server Error' },
      ]);
      expect(seen).toHaveLength(1);
    } finally {
      await server.close();
    }
  });
});
