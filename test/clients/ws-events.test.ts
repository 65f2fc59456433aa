// The old live-event websocket (/ws/events) to a plain WebSocket client, the bounds of live
// subscriptions (subscriber limit, slow consumers) and their clean end on shutdown.
import { appendFile } from 'node:fs/promises';
import { createClient as createSseClient } from 'graphql-sse';
import { createClient as createWsClient } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { StaticRolloutState } from '../doubles/static-rollout-state.js';
import { buildApp, tempLogPath, writeLog } from '../helpers/app.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { listen, type RunningServer } from '../helpers/running-app.js';

// CPython 3.11: json.dumps({"type": "event", "data": json.loads(LINE)}).
const LINE =
  '{"ts":1795946390.5,"type":"NO_HAIRNET_AT_SINK","camera_id":"cam0","track_id":126,"evidence":{"region":"洗手池区域","confidence":NaN,"bbox":[1489,735,1679,1103],"score":1e-07,"big":12345678901234567890}}';
const PYTHON_MESSAGE =
  '{"type": "event", "data": {"ts": 1795946390.5, "type": "NO_HAIRNET_AT_SINK", "camera_id": "cam0", "track_id": 126, "evidence": {"region": "\\u6d17\\u624b\\u6c60\\u533a\\u57df", "confidence": NaN, "bbox": [1489, 735, 1679, 1103], "score": 1e-07, "big": 12345678901234567890}}}';
const OTHER =
  '{"ts":1795946391.0,"type":"SKIP_DRYING","camera_id":"cam1","track_id":2,"evidence":{}}';

const SUBSCRIPTION = 'subscription { eventAdded { ts type } }';

async function until(check: () => boolean, what: string, ms = 5000) {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

function openSocket(url: string) {
  const socket = new WebSocket(url);
  const messages: { at: number; text: string }[] = [];
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    socket.on('close', (code, reason) => resolve({ code, reason: reason.toString() })),
  );
  socket.on('message', (data) => messages.push({ at: Date.now(), text: data.toString() }));
  const opened = new Promise<void>((resolve, reject) => {
    socket.on('open', () => resolve());
    socket.on('error', reject);
  });
  return { socket, messages, closed, opened };
}

describe('live subscriptions on one gateway [pglite]', () => {
  let test: TestDatabase;
  let logPath: string;
  let app: ReturnType<typeof buildApp>;
  let server: RunningServer;

  beforeAll(async () => {
    test = await createTestDatabase('pglite');
    logPath = await tempLogPath();
    await writeLog(logPath, [LINE.replace('1795946390.5', '1795946000.5')]);
    app = buildApp(test.handle, {
      rolloutState: new StaticRolloutState({}),
      clock: () => new Date(),
      config: { eventLogPath: logPath, subscriptionsMax: 3, subscriptionQueueMax: 1 },
    });
    server = await listen(app);
  });

  afterAll(async () => {
    await server.stop();
    await app.close();
    await test.drop();
  });

  /** Subscribers, counted once the log tail runs. */
  const legacySubscribers = () => {
    const fanout = app.services.eventStream.legacy;
    return fanout.running ? fanout.size : 0;
  };

  it('sends new records of the asked type as the old service printed them, and pings every 0.5 s', async () => {
    const client = openSocket(`${server.wsUrl}/ws/events?etype=NO_HAIRNET_AT_SINK`);
    await client.opened;
    await until(() => legacySubscribers() === 1, 'the subscription');
    client.socket.send('ignored');
    await appendFile(logPath, `${OTHER}\n${LINE}\n`);
    await until(() => client.messages.some((m) => m.text.includes('"event"')), 'the event');
    await new Promise((r) => setTimeout(r, 1100));
    const events = client.messages.filter((m) => m.text !== '{"type": "ping"}');
    // The backlog line and the other type are not sent; the record is, byte for byte.
    expect(events.map((m) => m.text)).toEqual([PYTHON_MESSAGE]);
    const pings = client.messages.filter((m) => m.text === '{"type": "ping"}');
    expect(pings.length).toBeGreaterThanOrEqual(2);
    client.socket.close();
    await client.closed;
    await until(() => legacySubscribers() === 0, 'the subscription to end');
  });

  it('refuses subscriptions past SUBSCRIPTIONS_MAX and accepts them again when one ends', async () => {
    const sse = createSseClient({ url: `${server.url}/graphql` });
    const ws = createWsClient({ url: `${server.wsUrl}/graphql`, webSocketImpl: WebSocket });
    const stops = [0, 1, 2].map(() =>
      sse.subscribe(
        { query: SUBSCRIPTION },
        { next: () => {}, error: () => {}, complete: () => {} },
      ),
    );
    await until(() => legacySubscribers() === 3, 'three subscriptions');
    const refused = await new Promise<unknown>((resolve) =>
      ws.subscribe({ query: SUBSCRIPTION }, { next: resolve, error: resolve, complete: () => {} }),
    );
    expect(JSON.stringify(refused)).toContain('SUBSCRIPTION_LIMIT');
    const legacy = openSocket(`${server.wsUrl}/ws/events`);
    expect((await legacy.closed).code).toBe(1013);
    stops[0]!();
    await until(() => legacySubscribers() === 2, 'one subscription to end');
    const accepted = openSocket(`${server.wsUrl}/ws/events`);
    await accepted.opened;
    await until(() => legacySubscribers() === 3, 'the new subscription');
    accepted.socket.close();
    for (const stop of stops) stop();
    await ws.dispose();
    await until(() => legacySubscribers() === 0, 'every subscription to end');
  });

  it('drops a subscriber whose queue overflows, telling it why, and counts it', async () => {
    const ws = createWsClient({ url: `${server.wsUrl}/graphql`, webSocketImpl: WebSocket });
    const received: unknown[] = [];
    const completed = new Promise<void>((resolve) =>
      ws.subscribe(
        { query: SUBSCRIPTION },
        { next: (v) => received.push(v), error: () => resolve(), complete: () => resolve() },
      ),
    );
    await until(() => legacySubscribers() === 1, 'the subscription');
    // Three records in one read: the queue (bound 1) overflows before the client can read.
    await appendFile(logPath, `${OTHER}\n${OTHER}\n${OTHER}\n`);
    await completed;
    expect(JSON.stringify(received.at(-1))).toContain('SLOW_CONSUMER');
    expect(legacySubscribers()).toBe(0);
    expect(
      await app.metrics.registry.getSingleMetricAsString('gateway_subscriptions_dropped_total'),
    ).toContain('gateway_subscriptions_dropped_total{path="legacy",reason="slow_consumer"} 1');
    await ws.dispose();
  });

  it('ends every subscription with a complete message on shutdown', async () => {
    const sseDone = new Promise<string>((resolve) =>
      createSseClient({ url: `${server.url}/graphql` }).subscribe(
        { query: SUBSCRIPTION },
        { next: () => {}, error: () => resolve('error'), complete: () => resolve('complete') },
      ),
    );
    const ws = createWsClient({ url: `${server.wsUrl}/graphql`, webSocketImpl: WebSocket });
    const wsDone = new Promise<string>((resolve) =>
      ws.subscribe(
        { query: SUBSCRIPTION },
        { next: () => {}, error: () => resolve('error'), complete: () => resolve('complete') },
      ),
    );
    const legacy = openSocket(`${server.wsUrl}/ws/events`);
    await until(() => legacySubscribers() === 3, 'three subscriptions');
    await app.closeSubscriptions();
    expect(await sseDone).toBe('complete');
    expect(await wsDone).toBe('complete');
    expect((await legacy.closed).code).toBe(1001);
    await ws.dispose();
  });
});
