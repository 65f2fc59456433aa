// A client that closes its connection while its request runs: nobody is left to answer, and it
// is no fault of the gateway's. The domain read is cancelled (its signal aborts), nothing falls
// back to legacy, the path is not counted as failed, and the request is recorded as 499 (as
// proxies record it) and logged at debug, not as an unexpected error. Through /graphql and
// through a REST shim alike.
import { connect } from 'node:net';
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
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
  let reading: Promise<void>;
  let started!: () => void;
  let stopped: Promise<unknown>;
  let stop!: (reason: unknown) => void;
  /** How long the domain read takes when nothing aborts it. */
  let readMs = 5_000;

  beforeAll(async () => {
    const captured = capturedLogger('debug');
    logs = captured.lines;
    const eventLogPath = await tempLogPath();
    await writeLog(eventLogPath, []);
    // A domain read that takes its time (well inside its budget), and stops when its signal
    // aborts, reporting why.
    const slow: EventSource = {
      recentEvents: (_query, options) =>
        new Promise((resolve, reject) => {
          started();
          const timer = setTimeout(() => resolve([]), readMs);
          options?.signal?.addEventListener('abort', () => {
            clearTimeout(timer);
            stop(options.signal?.reason);
            reject(options.signal?.reason);
          });
        }),
    };
    app = buildApp(db(), {
      logger: captured.logger,
      rolloutState: new StaticRolloutState({ 'events.recent': 100 }),
      config: { eventLogPath, domainTimeoutMs: 10_000 },
      services: { events: { domain: slow } },
    });
    await app.rolloutReady;
    server = await listen(app);
  });

  beforeEach(() => {
    logs.length = 0;
    reading = new Promise((resolve) => {
      started = resolve;
    });
    stopped = new Promise((resolve) => {
      stop = resolve;
    });
  });

  afterAll(async () => {
    await server?.close();
    await app?.close();
  });

  /** Sends `request`, closes the connection once the domain read runs, waits for the log. */
  async function leaveMidRequest(request: string) {
    const socket = connect(server.port, '127.0.0.1');
    socket.write(request);
    await reading;
    const leftAt = performance.now();
    socket.destroy();
    // Not cancelled within 3 s: the read would have run to its end (the test then fails below).
    const reason = await Promise.race([
      stopped,
      new Promise((r) => setTimeout(() => r(new Error('not cancelled')), 3_000)),
    ]);
    const cancelledAfterMs = performance.now() - leftAt;
    for (let i = 0; i < 100 && !logs.some((l) => l.msg === 'request'); i++) {
      await new Promise((r) => setTimeout(r, 20));
    }
    return { reason, cancelledAfterMs };
  }

  async function expectGoneQuietly(
    path: string,
    cancelled: { reason: unknown; cancelledAfterMs: number },
  ) {
    // The read stopped when the client left, not at its 5 s end or its 10 s budget.
    expect((cancelled.reason as Error).name).toBe('ClientGoneError');
    expect(cancelled.cancelledAfterMs).toBeLessThan(2_000);
    const messages = logs.map((l) => `${l.level} ${l.msg}`);
    expect(messages).toContain('20 http: client went away');
    expect(messages.filter((m) => /unexpected|serving legacy/.test(m))).toEqual([]);
    // Nothing at warn level or above: no error line, no stack formatted.
    expect(messages.filter((m) => Number(m.split(' ')[0]) >= 40)).toEqual([]);
    expect(logs.find((l) => l.msg === 'request')).toMatchObject({ path, status: 499 });
    const metrics = await (await app.fetch('http://gateway/metrics')).text();
    expect(metrics).not.toMatch(
      /gateway_rollout_fallbacks_total\{flag="events.recent"[^}]*\} [1-9]/,
    );
    expect(metrics).not.toMatch(
      /gateway_rollout_path_errors_total\{flag="events.recent"[^}]*\} [1-9]/,
    );
    return metrics;
  }

  it('through /graphql: the domain read is cancelled, recorded as 499, not as an error', async () => {
    const body = JSON.stringify({ query: '{ recentEvents(limit: 5) { ts } }' });
    const cancelled = await leaveMidRequest(
      httpText(
        'POST',
        '/graphql',
        { 'content-type': 'application/json', 'content-length': String(body.length) },
        body,
      ),
    );
    const metrics = await expectGoneQuietly('/graphql', cancelled);
    expect(metrics).toMatch(
      /gateway_http_requests_total\{[^}]*route="\/graphql"[^}]*status="499"[^}]*\} 1/,
    );
  });

  it('through a REST shim: the same', async () => {
    const cancelled = await leaveMidRequest(httpText('GET', '/api/v1/events/recent?limit=5', {}));
    await expectGoneQuietly('/api/v1/events/recent', cancelled);
  });

  it('a caller that stays gets its answer from the same slow read', async () => {
    readMs = 200;
    const response = await app.fetch('http://gateway/api/v1/events/recent?limit=5');
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('[]');
  });
});
