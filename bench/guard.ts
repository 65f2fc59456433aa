// What proving a step costs, on an embedded PGlite gateway with the demo's kind of events:
// - shadow overhead: p50 of GET /api/v1/events/recent?limit=100 (the legacy path answers, the
//   domain path runs after the answer for comparison) with shadow 0% and 100%, in alternating
//   rounds (ABBA) of paced requests (a request every GAP ms, as callers arrive, not a saturating
//   loop: shadow work is extra CPU, and a saturated core shows that as throughput, not latency);
// - the guard controller: wall time of one controller period (lease, publish, three guarded
//   flags summed and judged) and of one evidence publish.
// Run: npx tsx bench/guard.ts [--quick]. Prints one JSON object.
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp } from '../src/app.js';
import { loadConfig } from '../src/config/env.js';
import { openDatabase } from '../src/db/client.js';
import { runMigrations } from '../src/db/migrate.js';
import { seedReference } from '../src/demo/seed.js';
import { createEventGenerator, formatLegacyLine, seededRng } from '../src/demo/simulator.js';
import { createIngester } from '../src/ingest/ingester.js';
import { ROLLOUT_FLAGS } from '../src/rollout/flags.js';
import { silentLogger } from '../test/doubles/silent-logger.js';

const quick = process.argv.includes('--quick');
const ROUNDS = quick ? 2 : 8;
const PER_ROUND = quick ? 40 : 200;
const GAP_MS = 5;
const EVENTS = quick ? 2_000 : 20_000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main() {
  const dir = await mkdtemp(join(tmpdir(), 'gw-guard-bench-'));
  const logPath = join(dir, 'events_record.jsonl');
  const generator = createEventGenerator(seededRng(7));
  const now = Date.now();
  const lines: string[] = [];
  for (let t = now - 50 * 60_000; lines.length < EVENTS; t += 100) {
    for (const e of generator.next(new Date(t), 100)) lines.push(formatLegacyLine(e));
  }
  await writeFile(logPath, `${lines.join('\n')}\n`);
  const handle = await openDatabase({ dataDir: 'memory://' });
  await runMigrations(handle);
  await seedReference(handle);
  await createIngester({ handle, logPath }).runOnce();
  const config = {
    ...loadConfig({ NODE_ENV: 'test', DEMO: 'off', INGEST: 'off', GUARD: 'off' }),
    eventLogPath: logPath,
  };
  const app = createApp({ config, handle, logger: silentLogger });
  await app.rolloutReady;
  const admin = (query: string) =>
    app.fetch('http://bench/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query }),
    });
  const shadow = (percent: number) =>
    admin(
      `mutation { setRolloutShadow(flag: "events.recent", percent: ${percent}, reason: "bench") { __typename } }`,
    );

  let key = 0;
  const round = async () => {
    const latencies: number[] = [];
    for (let i = 0; i < PER_ROUND; i++) {
      const started = performance.now();
      const response = await app.fetch('http://bench/api/v1/events/recent?limit=100', {
        headers: { 'x-rollout-key': `caller-${key++}` },
      });
      await response.text();
      latencies.push(performance.now() - started);
      await sleep(GAP_MS);
    }
    await app.proving.settled();
    return median(latencies);
  };
  await round(); // warm-up: JIT, caches, prepared statements
  const p50 = { off: [] as number[], on: [] as number[] };
  for (let r = 0; r < ROUNDS; r++) {
    for (const side of r % 2 === 0 ? (['off', 'on'] as const) : (['on', 'off'] as const)) {
      await shadow(side === 'on' ? 100 : 0);
      p50[side].push(await round());
    }
  }
  const metrics = await (await app.fetch('http://bench/metrics')).text();
  const outcomes = Object.fromEntries(
    [
      ...metrics.matchAll(
        /gateway_shadow_comparisons_total\{flag="events.recent",outcome="(\w+)"\} (\d+)/g,
      ),
    ].map((m) => [m[1], Number(m[2])]),
  );
  const ratios = p50.on.map((on, i) => on / p50.off[i]!);

  // The controller's cost: three guarded flags with evidence, one replica.
  const guard = `{ steps: [10, 50, 100], holdSeconds: 30, minRequests: 200, maxErrorRate: 0.01, maxMismatchRate: 0.01, maxP99Ratio: 2 }`;
  for (const flag of ROLLOUT_FLAGS) {
    await admin(
      `mutation { setRolloutGuard(flag: "${flag}", guard: ${guard}, reason: "bench") { __typename } }`,
    );
  }
  await round();
  const controller = app.proving.controller;
  const ticks: number[] = [];
  const publishes: number[] = [];
  for (let i = 0; i < (quick ? 10 : 50); i++) {
    let t = performance.now();
    await controller.tick();
    ticks.push(performance.now() - t);
    const { version } = app.rolloutState.meta!('events.recent');
    app.proving.proving.evidence!.domainRun('events.recent', version, true, 0.001, true);
    t = performance.now();
    await controller.publish();
    publishes.push(performance.now() - t);
  }
  await app.close();
  await handle.close();
  return {
    requestsPerRound: PER_ROUND,
    rounds: ROUNDS,
    gapMs: GAP_MS,
    p50OffMs: median(p50.off),
    p50OnMs: median(p50.on),
    p50Ratio: median(ratios),
    ratios,
    shadowOutcomes: outcomes,
    controllerTickMs: median(ticks),
    publishMs: median(publishes),
    guardedFlags: ROLLOUT_FLAGS.length,
  };
}

main().then(
  (result) => {
    process.stdout.write(`${JSON.stringify(result)}\n`);
    process.exit(0);
  },
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
