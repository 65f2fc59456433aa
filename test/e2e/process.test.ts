// The real process, as `npm start` runs it: comes up on the embedded database with demo data,
// drains in-flight requests on SIGTERM, and resumes ingesting after a restart without duplicates.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

interface Gateway {
  child: ChildProcess;
  base: string;
  exited: Promise<number | null>;
}

async function startGateway(env: Record<string, string>): Promise<Gateway> {
  const child = spawn(process.execPath, ['--enable-source-maps', 'dist/main.js'], {
    env: {
      ...process.env,
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      DATABASE_URL: '',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  let output = '';
  const base = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no start within 60 s:\n${output}`)), 60_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /GraphQL \+ GraphiQL\s+(http:\/\/\S+)\/graphql/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    void exited.then(() => reject(new Error(`exited before listening:\n${output}`)));
  });
  return { child, base, exited };
}

const allEvents = (base: string, path: 'domain' | 'legacy') =>
  fetch(`${base}/api/v1/events/recent?limit=1000&minutes=1440`, {
    headers: { 'x-rollout-force': path },
  }).then((r) => r.text());

describe('the gateway process', () => {
  const running: Gateway[] = [];
  afterAll(() => {
    for (const g of running) g.child.kill('SIGKILL');
  });

  it('serves demo data, drains on SIGTERM, and resumes ingest without duplicates', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'gw-e2e-'));
    const env = { DATA_DIR: join(dir, 'data'), EVENT_LOG_PATH: join(dir, 'logs', 'events.jsonl') };
    const first = await startGateway({ ...env, DEMO: 'on' });
    running.push(first);
    for (const path of ['/health', '/ready', '/graphql?query=%7B__typename%7D']) {
      expect((await fetch(`${first.base}${path}`)).status).toBe(200);
    }
    // Demo events reach both the log and the domain table.
    await expect
      .poll(async () => JSON.parse(await allEvents(first.base, 'domain')).length, {
        timeout: 30_000,
        interval: 500,
      })
      .toBeGreaterThan(5);
    expect((await readFile(env.EVENT_LOG_PATH, 'utf8')).split('\n').length).toBeGreaterThan(5);

    // Requests on open connections when SIGTERM arrives are all answered, and the process then
    // exits cleanly. (Warm the client's keep-alive pool first, so every request below travels on
    // a connection the server has already accepted.)
    // (The body is read to the end, so the client puts the connection back in its pool: one it
    // still held would make the next request open a new connection, which SIGTERM may find
    // still waiting in the listen backlog and reset.)
    const recent = () =>
      fetch(`${first.base}/api/v1/events/recent?limit=500&minutes=1440`).then(async (r) => {
        await r.arrayBuffer();
        return r.status;
      });
    await Promise.all(Array.from({ length: 8 }, recent));
    const inFlight = Array.from({ length: 8 }, recent);
    await new Promise((r) => setTimeout(r, 5));
    first.child.kill('SIGTERM');
    expect(await Promise.all(inFlight)).toEqual(Array(8).fill(200));
    expect(await first.exited).toBe(0);

    // Restarted without the simulator: the ingester resumes from its checkpoint, and the domain
    // table holds each logged event exactly once.
    const second = await startGateway({ ...env, DEMO: 'off' });
    running.push(second);
    await expect
      .poll(
        async () =>
          (await allEvents(second.base, 'domain')) === (await allEvents(second.base, 'legacy')),
        {
          timeout: 15_000,
          interval: 500,
        },
      )
      .toBe(true);
    const events: { ts: number; track_id: number; camera_id: string }[] = JSON.parse(
      await allEvents(second.base, 'domain'),
    );
    const keys = events.map((e) => `${e.ts}:${e.camera_id}:${e.track_id}`);
    expect(new Set(keys).size).toBe(keys.length);
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);
  }, 180_000);
});
