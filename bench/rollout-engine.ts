// Throughput of the rollout decision (murmur3 bucket + decide) on one core, the per-field cost
// every @rollout field pays on every request. Run: npx tsx bench/rollout-engine.ts
// Prints JSON { decisionsPerSecond, runs }: the median, and each run's decisions/s.
import { ROLLOUT_FLAGS } from '../src/config/env.js';
import { decide, type FlagState } from '../src/rollout/engine.js';

const DECISIONS_PER_RUN = 1_000_000;
const RUNS = 7;
const KEY_POOL = 10_000;

// Realistic sticky keys: a mix of principal ids and client addresses.
const keys = Array.from({ length: KEY_POOL }, (_, i) =>
  i % 2 === 0 ? `user-${i}` : `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`,
);
const states: FlagState[] = ROLLOUT_FLAGS.map((flag) => ({ flag, percent: 25, mode: 'active' }));

function run(): number {
  let domain = 0;
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
  // Using the result keeps the JIT from discarding the loop as dead code.
  if (domain === 0) throw new Error('no decision went to the domain path at 25%');
  return DECISIONS_PER_RUN / seconds;
}

run(); // warm-up: let the JIT optimise decide() and murmur3 before measuring
const runs = Array.from({ length: RUNS }, run).map(Math.round);
const sorted = [...runs].sort((a, b) => a - b);
const decisionsPerSecond = sorted[Math.floor(sorted.length / 2)]!;
console.log(JSON.stringify({ decisionsPerSecond, runs }));
