// A client that closes its connection while its /graphql request runs: nobody is left to answer,
// and it is no fault of the gateway's. The request is recorded as 499 (as proxies record it) and
// logged at debug, not as an unexpected error. (Its field resolutions are abandoned, not
// cancelled: the domain read runs to its end or its time budget.)
import { connect } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { EventSource } from '../../src/domain/types.js';
import { capturedLogger } from '../doubles/captured-logger.js';
import { StaticRolloutState } from '../doubles/static-rollout-state.js';
import { buildApp, tempLogPath, writeLog } from '../helpers/app.js';
import { describeEachDb } from '../helpers/db.js';
import { httpText, type Listening, listen } from '../helpers/server.js';

describeEachDb('a client that goes away mid-request', (db) => {
  let app: ReturnType<typeof buildApp>;
  let server: Listening;
  let logs: Record<string, unknown>[];
  let started!: () => void;
  const reading = new Promise<void>((resolve) => {
    started = resolve;
  });

  beforeAll(async () => {
    const captured = capturedLogger('debug');
    logs = captured.lines;
    const eventLogPath = await tempLogPath();
    await writeLog(eventLogPath, []);
    // A domain read that takes its time, and stops when its signal aborts.
    const slow: EventSource = {
      recentEvents: (_query, options) =>
        new Promise((resolve, reject) => {
          started();
          const timer = setTimeout(() => resolve([]), 2_000);
          options?.signal?.addEventListener('abort', () => {
            clearTimeout(timer);
            reject(options.signal?.reason);
          });
        }),
    };
    app = buildApp(db(), {
      logger: captured.logger,
      rolloutState: new StaticRolloutState({ 'events.recent': 100 }),
      config: { eventLogPath, domainTimeoutMs: 300 },
      services: { events: { domain: slow } },
    });
    await app.rolloutReady;
    server = await listen(app);
  });

  afterAll(async () => {
    await server?.close();
    await app?.close();
  });

  it('is recorded as 499 and logged at debug, not as an unexpected error', async () => {
    const socket = connect(server.port, '127.0.0.1');
    const body = JSON.stringify({ query: '{ recentEvents(limit: 5) { ts } }' });
    socket.write(
      httpText(
        'POST',
        '/graphql',
        { 'content-type': 'application/json', 'content-length': String(body.length) },
        body,
      ),
    );
    await reading;
    socket.destroy();
    // The read goes on to its end (its time budget here), then the answer has nowhere to go.
    for (let i = 0; i < 100 && !logs.some((l) => /serving legacy/.test(String(l.msg))); i++) {
      await new Promise((r) => setTimeout(r, 20));
    }
    const messages = logs.map((l) => `${l.level} ${l.msg}`);
    expect(messages).toContain('20 http: client went away');
    expect(messages.filter((m) => /unexpected/.test(m))).toEqual([]);
    expect(logs.find((l) => l.msg === 'request')).toMatchObject({ path: '/graphql', status: 499 });
    const metrics = await (await app.fetch('http://gateway/metrics')).text();
    expect(metrics).toMatch(/gateway_http_requests_total\{[^}]*status="499"[^}]*\} 1/);
  });
});
