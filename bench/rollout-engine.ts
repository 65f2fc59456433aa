// The rollout engine's own cost, on one core:
// - decisions/s of the pure decision (murmur3 bucket + decide), the per-field cost every
//   @rollout field pays on every request;
// - the whole per-field machinery of a read as the app wires it (RequestRollout.read: decision,
//   decision counter, the flag's circuit breaker, the domain time budget's timer, the client's
//   signal as the server adapter makes it, the guard's evidence, the shadow sampling, resolver
//   histogram) around an already-resolved path, minus the same path awaited directly: the time
//   @rollout adds to one request, in microseconds.
// Run: npx tsx bench/rollout-engine.ts [--quick]
// Prints JSON { decisionsPerSecond, decisionsPerCpuSecond, runs, runnerOverheadMicros,
// runnerRuns }: medians (wall clock, and per second of this process's CPU time: on a shared
// machine other processes take the core away mid-run) and each run.

import { createCustomAbortControllerSignal } from '@whatwg-node/server';
import { createMetrics, rolloutObserver } from '../src/ops/metrics.js';
import { Breakers, DEFAULT_BREAKER } from '../src/rollout/breaker.js';
import { decide, type FlagState } from '../src/rollout/engine.js';
import { EvidenceRecorder } from '../src/rollout/evidence.js';
import { ROLLOUT_FLAGS } from '../src/rollout/flags.js';
import { RequestRollout } from '../src/rollout/runner.js';
import { ShadowRunner } from '../src/rollout/shadow.js';
import { silentLogger } from '../test/doubles/silent-logger.js';
import { StaticRolloutState } from '../test/doubles/static-rollout-state.js';

const quick = process.argv.includes('--quick');
const DECISIONS_PER_RUN = quick ? 200_000 : 1_000_000;
const RUNS = quick ? 3 : 7;
const READS_PER_RUN = quick ? 20_000 : 200_000;
const KEY_POOL = 10_000;

// Realistic sticky keys: a mix of principal ids and client addresses.
const keys = Array.from({ length: KEY_POOL }, (_, i) =>
  i % 2 === 0 ? `user-${i}` : `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`,
);
const states: FlagState[] = ROLLOUT_FLAGS.map((flag) => ({ flag, percent: 25, mode: 'active' }));

/** Decisions per wall-clock second and per second of this process's own CPU time. */
function decisions(): { wall: number; cpu: number } {
  let domain = 0;
  const cpu = process.cpuUsage();
  const started = process.hrtime.bigint();
  for (let i = 0; i < DECISIONS_PER_RUN; i++) {
    const state = states[i % states.length]!;
    const d = decide({
      flag: state.flag,
      state,
      stickyKey: keys[i % KEY_POOL],
      forceAllowed: false,
    });
    if (d.path === 'domain') domain++;
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const used = process.cpuUsage(cpu);
  // Using the result keeps the JIT from discarding the loop as dead code.
  if (domain === 0) throw new Error('no decision went to the domain path at 25%');
  const cpuSeconds = (used.user + used.system) / 1e6;
  return { wall: DECISIONS_PER_RUN / seconds, cpu: DECISIONS_PER_RUN / cpuSeconds };
}

const options = {
  store: new StaticRolloutState({ 'events.recent': 100 }),
  observer: rolloutObserver(createMetrics({ defaultMetrics: false })),
  logger: silentLogger,
  domainTimeoutMs: 2000,
  proving: {
    breakers: new Breakers(DEFAULT_BREAKER, () => new Date()),
    shadow: new ShadowRunner({ result: () => {}, mismatch: () => {} }),
    evidence: new EvidenceRecorder(),
  },
};
const rows = [{ ts: 1 }];
const path = () => Promise.resolve(rows);

/** Microseconds per read: a new RequestRollout per read, as per request in the gateway. */
async function reads(withRollout: boolean): Promise<number> {
  let n = 0;
  const started = process.hrtime.bigint();
  for (let i = 0; i < READS_PER_RUN; i++) {
    if (withRollout) {
      // Each request's signal, as the server adapter gives it (aborts if the client goes away).
      const client = createCustomAbortControllerSignal().signal;
      const rollout = new RequestRollout(
        options,
        { stickyKey: keys[i % KEY_POOL], forceAllowed: true },
        silentLogger,
        client,
      );
      n += (await rollout.read('events.recent', undefined, { domain: path, legacy: path })).length;
    } else {
      n += (await path()).length;
    }
  }
  if (n !== READS_PER_RUN) throw new Error('lost reads');
  return Number(process.hrtime.bigint() - started) / 1e3 / READS_PER_RUN;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

decisions(); // warm-up: let the JIT optimise decide() and murmur3 before measuring
const runs = Array.from({ length: RUNS }, decisions);
await reads(true);
await reads(false);
const runnerRuns: number[] = [];
for (let i = 0; i < RUNS; i++) runnerRuns.push((await reads(true)) - (await reads(false)));
console.log(
  JSON.stringify({
    decisionsPerSecond: Math.round(median(runs.map((r) => r.wall))),
    decisionsPerCpuSecond: Math.round(median(runs.map((r) => r.cpu))),
    runs: runs.map((r) => Math.round(r.wall)),
    runnerOverheadMicros: Math.round(median(runnerRuns) * 100) / 100,
    runnerRuns: runnerRuns.map((x) => Math.round(x * 100) / 100),
  }),
);
