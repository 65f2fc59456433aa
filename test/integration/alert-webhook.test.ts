// The webhook channel against a local HTTP server: retries with backoff until it answers 2xx,
// gives up after the retries, does not retry a 4xx, times out a silent server, and never calls
// a host that is not allowed. Each alert's delivery is recorded with its outcome.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hostAllowed, postWebhook, type WebhookOptions } from '../../src/alerts/webhook.js';

interface Hit {
  body: unknown;
  contentType: string | undefined;
}

describe('webhook delivery', () => {
  let server: Server;
  let base: string;
  const hits = new Map<string, Hit[]>();
  /** Per path: the statuses to answer, in order (the last repeats); 0 = never answer. */
  const scripts = new Map<string, number[]>();

  beforeAll(async () => {
    server = createServer((req: IncomingMessage, res) => {
      let text = '';
      req.on('data', (c) => {
        text += c;
      });
      req.on('end', () => {
        const path = req.url ?? '/';
        const list = hits.get(path) ?? [];
        list.push({ body: JSON.parse(text), contentType: req.headers['content-type'] });
        hits.set(path, list);
        const script = scripts.get(path) ?? [200];
        const status = script[Math.min(list.length - 1, script.length - 1)]!;
        if (status === 0) return; // hang: the client's timeout must end it
        res.writeHead(status).end();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  const sleeps: number[] = [];
  const options: WebhookOptions = {
    allowedHosts: [],
    timeoutMs: 5000,
    retries: 3,
    backoffMs: 10,
    sleep: async (ms) => {
      sleeps.push(ms);
    },
  };

  it('retries a failing server with doubling pauses until it accepts the alert', async () => {
    scripts.set('/flaky', [503, 500, 200]);
    sleeps.length = 0;
    const result = await postWebhook({ url: `${base}/flaky` }, { alert: { id: 7 } }, options);
    expect(result).toEqual({ outcome: 'delivered', attempts: 3, statusCode: 200, error: null });
    expect(sleeps).toEqual([10, 20]);
    expect(hits.get('/flaky')).toEqual(
      Array(3).fill({ body: { alert: { id: 7 } }, contentType: 'application/json' }),
    );
  });

  it('gives up after its retries and reports the last answer', async () => {
    scripts.set('/down', [503]);
    const result = await postWebhook({ url: `${base}/down`, retries: 1 }, {}, options);
    expect(result).toEqual({ outcome: 'failed', attempts: 2, statusCode: 503, error: 'HTTP 503' });
    expect(hits.get('/down')).toHaveLength(2);
  });

  it('does not retry a client error', async () => {
    scripts.set('/gone', [404]);
    const result = await postWebhook({ url: `${base}/gone` }, {}, options);
    expect(result).toMatchObject({ outcome: 'failed', attempts: 1, statusCode: 404 });
  });

  it('times out a server that never answers, then retries', async () => {
    scripts.set('/silent', [0, 204]);
    const result = await postWebhook({ url: `${base}/silent`, timeoutMs: 150 }, {}, options);
    expect(result).toEqual({ outcome: 'delivered', attempts: 2, statusCode: 204, error: null });
  });

  it('refuses hosts that are neither loopback nor allowed, without calling them', async () => {
    const result = await postWebhook({ url: 'http://hooks.example.com/x' }, {}, options);
    expect(result).toEqual({
      outcome: 'refused',
      attempts: 0,
      statusCode: null,
      error: 'host not allowed',
    });
    expect(hostAllowed('http://localhost:9/x', [])).toBe(true);
    expect(hostAllowed('http://[::1]:9/x', [])).toBe(true);
    expect(hostAllowed('https://hooks.example.com/x', ['hooks.example.com'])).toBe(true);
    expect(hostAllowed('https://hooks.example.com:8443/x', ['hooks.example.com:8443'])).toBe(true);
    expect(hostAllowed('https://hooks.example.com:8443/x', ['hooks.example.com:443'])).toBe(false);
    expect(hostAllowed('https://127.0.0.1.evil.com/x', [])).toBe(false);
    expect(hostAllowed('ftp://127.0.0.1/x', [])).toBe(false);
    expect(hostAllowed('http://user:pw@127.0.0.1/x', [])).toBe(false);
  });
});
