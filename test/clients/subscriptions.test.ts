// Subscription.eventAdded as front ends consume it: graphql-sse (GraphQL over SSE) and graphql-ws
// (WebSocket) clients on two gateway replicas sharing one database and one log. Legacy path: a
// line appended to the log (also across a rotation, with a line split by it) reaches both within
// 2 s. Domain path (forced by header): a line ingested through one replica reaches subscribers
// of both, through LISTEN/NOTIFY.
import { appendFile, rename } from 'node:fs/promises';
import { createClient as createSseClient } from 'graphql-sse';
import { createClient as createWsClient } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { openDatabase } from '../../src/db/client.js';
import { createIngester } from '../../src/ingest/ingester.js';
import { StaticRolloutState } from '../doubles/static-rollout-state.js';
import { buildApp, tempLogPath, writeLog } from '../helpers/app.js';
import { createTestDatabase, dbKinds, type TestDatabase } from '../helpers/db.js';
import { listen, type RunningServer } from '../helpers/running-app.js';

const SUBSCRIPTION = `subscription($etype: String) {
  eventAdded(etype: $etype) { ts type cameraId evidence logLine }
}`;

interface Received {
  data?: { eventAdded: { ts: number; type: string; logLine: string } } | null;
  errors?: readonly unknown[];
  extensions?: { rollout?: Record<string, { path: string }> };
}

const line = (ts: number, type: string, note = 'x') =>
  `{"ts":${ts},"type":"${type}","camera_id":"cam0","track_id":1,"evidence":{"region":"洗手池区域","note":"${note}"}}`;

/** Collects what a subscription receives. */
class Inbox {
  readonly items: Received[] = [];
  push = (item: Received) => {
    this.items.push(item);
  };
  types = () => this.items.map((i) => i.data?.eventAdded.type);
  async waitFor(count: number, ms = 2000): Promise<Received[]> {
    const until = Date.now() + ms;
    while (this.items.length < count) {
      if (Date.now() > until) {
        throw new Error(`received ${this.items.length} of ${count} within ${ms} ms`);
      }
      await new Promise((r) => setTimeout(r, 10));
    }
    return this.items;
  }
}

async function until(check: () => boolean, what: string, ms = 5000) {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

for (const kind of dbKinds) {
  describe(`eventAdded over SSE and graphql-ws, two replicas [${kind}]`, () => {
    let test: TestDatabase;
    let secondHandle: TestDatabase['handle'] | undefined;
    let logPath: string;
    let apps: ReturnType<typeof buildApp>[] = [];
    let servers: RunningServer[] = [];
    const stops: (() => void)[] = [];

    beforeAll(async () => {
      test = await createTestDatabase(kind);
      // A second replica has its own connections to the same database (PGlite: one process).
      secondHandle = test.url ? await openDatabase({ url: test.url, poolMax: 4 }) : undefined;
      logPath = await tempLogPath();
      await writeLog(logPath, [line(1_795_946_000, 'BACKLOG')]);
      const rolloutState = new StaticRolloutState({});
      apps = [test.handle, secondHandle ?? test.handle].map((handle) =>
        buildApp(handle, {
          rolloutState,
          clock: () => new Date(),
          config: { eventLogPath: logPath },
        }),
      );
      servers = await Promise.all(apps.map((app) => listen(app)));
    });

    afterAll(async () => {
      for (const stop of stops) stop();
      await Promise.all(servers.map((s) => s.stop()));
      await Promise.all(apps.map((a) => a.close()));
      await secondHandle?.close();
      await test.drop();
    });

    /** One SSE subscriber on replica 0 and one graphql-ws subscriber on replica 1. */
    function subscribeBoth(etype: string, headers: Record<string, string>) {
      const sse = new Inbox();
      const ws = new Inbox();
      const sseClient = createSseClient({ url: `${servers[0]!.url}/graphql`, headers });
      const wsClient = createWsClient({
        url: `${servers[1]!.wsUrl}/graphql`,
        webSocketImpl: WebSocket,
        connectionParams: headers,
      });
      const sink = (inbox: Inbox) => ({ next: inbox.push, error: () => {}, complete: () => {} });
      stops.push(sseClient.subscribe({ query: SUBSCRIPTION, variables: { etype } }, sink(sse)));
      stops.push(wsClient.subscribe({ query: SUBSCRIPTION, variables: { etype } }, sink(ws)));
      stops.push(() => void wsClient.dispose());
      return { sse, ws };
    }

    /** Subscribers of each replica, counted once their live source runs. */
    const subscribers = (path: 'domain' | 'legacy') =>
      apps.map((a) => {
        const fanout = a.services.eventStream[path];
        return fanout.running ? fanout.size : 0;
      });

    it('delivers a line appended to the log on the legacy path, across a rotation', async () => {
      const { sse, ws } = subscribeBoth('LEGACY_A', {});
      await until(() => subscribers('legacy').every((n) => n >= 1), 'both subscriptions');
      const started = Date.now();
      await appendFile(logPath, `${line(1_795_946_001, 'LEGACY_A', 'one')}\n`);
      for (const inbox of [sse, ws]) {
        const [first] = await inbox.waitFor(1);
        expect(first!.data!.eventAdded).toMatchObject({ ts: 1_795_946_001, type: 'LEGACY_A' });
        expect(first!.extensions!.rollout!['events.stream']!.path).toBe('legacy');
      }
      expect(Date.now() - started).toBeLessThan(2000);

      // Half a line is written, the log rotates, the writer finishes its line in the rotated
      // file, and the next line goes to the new file: both arrive whole, in order.
      const split = line(1_795_946_002, 'LEGACY_A', 'split');
      await appendFile(logPath, split.slice(0, 20));
      await new Promise((r) => setTimeout(r, 300));
      await rename(logPath, `${logPath}.1`);
      await appendFile(`${logPath}.1`, `${split.slice(20)}\n`);
      await appendFile(logPath, `${line(1_795_946_003, 'LEGACY_A', 'after')}\n`);
      for (const inbox of [sse, ws]) {
        const items = await inbox.waitFor(3);
        expect(items.map((i) => i.data!.eventAdded.ts)).toEqual([
          1_795_946_001, 1_795_946_002, 1_795_946_003,
        ]);
        expect(items[1]!.data!.eventAdded.logLine).toBe(split);
      }
    });

    it('delivers an event ingested through one replica to subscribers of both on the domain path', async () => {
      const { sse, ws } = subscribeBoth('DOMAIN_B', { 'x-rollout-force': 'domain' });
      await until(() => subscribers('domain').every((n) => n >= 1), 'both subscriptions');
      const ingester = createIngester({ handle: test.handle, logPath });
      await ingester.runOnce(); // what is already there (no subscriber wants it)
      const started = Date.now();
      await appendFile(logPath, `${line(1_795_946_010, 'DOMAIN_B', 'one')}\n`);
      await ingester.runOnce();
      for (const inbox of [sse, ws]) {
        const [first] = await inbox.waitFor(1);
        expect(first!.data!.eventAdded).toMatchObject({ ts: 1_795_946_010, type: 'DOMAIN_B' });
        expect(first!.extensions!.rollout!['events.stream']!.path).toBe('domain');
      }
      expect(Date.now() - started).toBeLessThan(2000);

      await rename(logPath, `${logPath}.2`);
      await rename(`${logPath}.1`, `${logPath}.3`).catch(() => {});
      await appendFile(logPath, `${line(1_795_946_011, 'DOMAIN_B', 'rotated')}\n`);
      await ingester.runOnce();
      for (const inbox of [sse, ws]) {
        const items = await inbox.waitFor(2);
        expect(items.map((i) => i.data!.eventAdded.ts)).toEqual([1_795_946_010, 1_795_946_011]);
        expect(items.every((i) => i.data!.eventAdded.type === 'DOMAIN_B')).toBe(true);
      }
    });
  });
}
