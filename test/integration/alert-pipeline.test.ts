// End to end in one process, as two gateway replicas on one database would run it: a rule made
// through the REST shim, lines appended to the legacy log, each replica's ingester copying them
// into `events` and each replica's evaluator watching. Three matching lines give exactly one
// alert within 5 s, delivered to a local webhook; lines that do not match give none.
import { appendFile, mkdtemp } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AlertEvaluator, createAlertEvaluator } from '../../src/alerts/evaluator.js';
import { type DatabaseHandle, openDatabase } from '../../src/db/client.js';
import { alertDeliveries, alertHistory } from '../../src/db/schema.js';
import { createIngester, type Ingester } from '../../src/ingest/ingester.js';
import { silentLogger } from '../doubles/silent-logger.js';
import { alertApp, call } from '../helpers/alerts.js';
import { createTestDatabase, dbKinds, type TestDatabase } from '../helpers/db.js';

const line = (type: string, camera = 'cam2') =>
  `${JSON.stringify({ ts: Date.now() / 1000, type, camera_id: camera, track_id: 1, evidence: {} })}\n`;

async function until<T>(probe: () => Promise<T>, ok: (v: T) => boolean, ms: number): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (ok(value) || Date.now() > deadline) return value;
    await new Promise((r) => setTimeout(r, 50));
  }
}

for (const kind of dbKinds) {
  describe(`alerts from the legacy log, two replicas [${kind}]`, () => {
    let test: TestDatabase;
    let second: DatabaseHandle;
    let logPath: string;
    let server: Server;
    let hookUrl: string;
    const received: unknown[] = [];
    const running: (Ingester | AlertEvaluator)[] = [];

    beforeAll(async () => {
      test = await createTestDatabase(kind);
      second = test.url ? await openDatabase({ url: test.url }) : test.handle;
      logPath = join(await mkdtemp(join(tmpdir(), 'alerts-e2e-')), 'events_record.jsonl');
      await appendFile(logPath, '');
      server = createServer((req, res) => {
        let text = '';
        req.on('data', (c) => {
          text += c;
        });
        req.on('end', () => {
          received.push(JSON.parse(text));
          res.writeHead(204).end();
        });
      });
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      hookUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
      for (const handle of [test.handle, second]) {
        running.push(createIngester({ handle, logPath, pollIntervalMs: 100 }));
        running.push(
          createAlertEvaluator({
            handle,
            logger: silentLogger,
            intervalMs: 200,
            webhook: { allowedHosts: [], timeoutMs: 2000, retries: 2, backoffMs: 50 },
          }),
        );
      }
      for (const r of running) r.start();
    });
    afterAll(async () => {
      await Promise.all(running.map((r) => r.stop()));
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
      if (second !== test.handle) await second.close();
      await test.drop();
    });

    it('turns three matching log lines into exactly one alert within 5 s, and ignores others', async () => {
      const created = await call(
        alertApp(test.handle, { config: { eventLogPath: logPath } }),
        'POST',
        '/api/v1/alerts/rules',
        JSON.stringify({
          name: '洗手台未戴发网',
          rule_type: 'event_count',
          camera_id: 'cam2',
          conditions: { event_type: 'NO_HAIRNET_AT_SINK', threshold: 3, window_seconds: 60 },
          notification_channels: ['log', { type: 'webhook', url: hookUrl }],
        }),
      );
      expect(created.status).toBe(200);
      const id = (JSON.parse(created.text) as { id: number }).id;
      const alerts = () =>
        test.handle.db.select().from(alertHistory).where(eq(alertHistory.ruleId, id));

      // Not matching: another type, another camera.
      await appendFile(logPath, line('SKIP_DRYING') + line('NO_HAIRNET_AT_SINK', 'cam5').repeat(3));
      await appendFile(logPath, line('NO_HAIRNET_AT_SINK') + line('NO_HAIRNET_AT_SINK'));
      await new Promise((r) => setTimeout(r, 1500));
      expect(await alerts()).toHaveLength(0);

      const started = Date.now();
      await appendFile(logPath, line('NO_HAIRNET_AT_SINK'));
      const rows = await until(alerts, (r) => r.length > 0, 5000);
      const elapsed = Date.now() - started;
      expect(rows).toHaveLength(1);
      expect(elapsed).toBeLessThan(5000);
      // Both replicas keep evaluating: still exactly one.
      await new Promise((r) => setTimeout(r, 1000));
      expect(await alerts()).toHaveLength(1);

      const deliveries = await until(
        () => test.handle.db.select().from(alertDeliveries),
        (d) => d.length === 2,
        5000,
      );
      expect(deliveries.map((d) => [d.channel, d.outcome]).sort()).toEqual([
        ['log', 'delivered'],
        ['webhook', 'delivered'],
      ]);
      expect(received).toHaveLength(1);
      expect(received[0]).toMatchObject({
        alert: { ruleId: id, cameraId: 'cam2', details: { count: 3 } },
        rule: { name: '洗手台未戴发网', priority: 'medium' },
      });
      expect((await alerts())[0]).toMatchObject({ notificationSent: true });
    });
  });
}
