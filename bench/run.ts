// npm run bench [-- --smoke] [--rounds N] [--seconds N] [--connections N] [--out FILE]
//   [--only a,b] [--keep] [--profile DIR] [--compare DIR] [--lines N]
// npm run bench -- --faults [--lines N] [--out FILE]: only the fault scenarios of the legacy path
//   on a big log (bench/faults.ts; 6,000,000 lines by default; never part of --smoke).
// One run: generates the data sets (a JSONL log, the same events in PostgreSQL, the statistics
// tables), starts every server under test in its own process, checks one answer of each
// scenario, then measures the scenarios in interleaved rounds with autocannon from this process.
// --smoke: tiny data sets and 1 s runs (CI: proves the benchmark still works, asserts no speed).
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import postgres from 'postgres';
import { dropDatabase, loadEvents, loadStatistics, recreateDatabase } from './data.js';
import {
  checkRecentSql,
  explainRawStatistics,
  explainRecentEvents,
  explainStatistics,
} from './explain.js';
import { runFaults } from './faults.js';
import { coldStarts, type FootprintResult, footprintMarkdown, memoryOf } from './footprint.js';
import { type GuardResult, guardMarkdown } from './guard-report.js';
import {
  fetchOnce,
  type Measurement,
  measure,
  micro,
  type Server,
  startServer,
  stopServer,
} from './load.js';
import {
  type EngineResult,
  markdown,
  type PrintingResult,
  type ReaderResult,
  type RunReport,
} from './report.js';
import { roundOrder, type Scenario, type ServerName, scenarios } from './scenarios.js';

const { values: opts } = parseArgs({
  options: {
    smoke: { type: 'boolean', default: false },
    rounds: { type: 'string' },
    seconds: { type: 'string' },
    connections: { type: 'string', default: '16' },
    out: { type: 'string' },
    only: { type: 'string' },
    keep: { type: 'boolean', default: false },
    profile: { type: 'string' },
    compare: { type: 'string' },
    lines: { type: 'string' },
    faults: { type: 'boolean', default: false },
  },
});
const smoke = opts.smoke;
const sizes = smoke
  ? { lines: 20_000, pglite: 5_000, detections: 20_000, violations: 2_000 }
  : { lines: 2_000_000, pglite: 100_000, detections: 1_000_000, violations: 100_000 };
if (opts.lines) sizes.lines = Number(opts.lines);
sizes.pglite = Math.min(sizes.pglite, sizes.lines);
const rounds = Number(opts.rounds ?? (smoke ? 1 : 6));
/** With 4 rounds or more the first one only warms every server up (JIT, pools, caches). */
const firstCounted = rounds >= 4 ? 2 : 1;
const seconds = Number(opts.seconds ?? (smoke ? 0.5 : 5));
const warmup = smoke ? 0.25 : 1;
const connections = Number(opts.connections);
const adminUrl =
  process.env.BENCH_DATABASE_URL ??
  process.env.TEST_DATABASE_URL ??
  'postgres://postgres@127.0.0.1:5432/postgres';
const dbName = smoke ? `gw_bench_smoke_${process.pid}` : 'gw_bench';
const say = (text: string) => console.error(`[bench] ${text}`);
/** The servers started anew for every round (see `restart`). */
const RESTARTED = new Set<ServerName>([
  'baseline',
  'gateway',
  'memory',
  'statistics-raw',
  'before',
]);
const load = () =>
  loadavg()
    .map((x) => x.toFixed(2))
    .join(', ');

async function main(): Promise<number> {
  const started = load();
  const tmp = await mkdtemp(join(tmpdir(), 'gw-bench-'));
  const servers: Server[] = [];
  let url: string | undefined;
  const cleanup = async () => {
    await Promise.all(servers.splice(0).map((s) => stopServer(s)));
    if (url && !opts.keep) await dropDatabase(adminUrl, dbName);
    await rm(tmp, { recursive: true, force: true });
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => void cleanup().finally(() => process.exit(130)));
  }
  try {
    say(`database ${dbName}; ${sizes.lines.toLocaleString()} log lines; load average ${started}`);
    url = await recreateDatabase(adminUrl, dbName);
    const logPath = join(tmp, 'events_record.jsonl');
    const copyFile = join(tmp, 'events.copy');
    const now = new Date();
    let t = performance.now();
    const events = await loadEvents(url, logPath, sizes.lines, now, {
      file: copyFile,
      lines: sizes.pglite,
    });
    say(
      `events: ${(events.bytes / 1e6).toFixed(0)} MB log + COPY in ${((performance.now() - t) / 1e3).toFixed(1)} s`,
    );
    await checkRecentSql(url);
    const gatewayEnv = {
      NODE_ENV: 'development',
      DATABASE_URL: url,
      EVENT_LOG_PATH: logPath,
      ROLLOUT_PERCENT: '100',
      INGEST: 'off',
      DEMO: 'off',
      LOG_LEVEL: 'warn',
      TIME_ZONE: 'UTC',
    };
    // Every server under test, the baseline too, each profile named after its server and round.
    let round = 1;
    const profile = (name: ServerName) =>
      opts.profile
        ? [
            '--cpu-prof',
            `--cpu-prof-dir=${opts.profile}`,
            `--cpu-prof-name=${name}-${round}.cpuprofile`,
          ]
        : [];
    /** How each server was started, to start it again for the next round. */
    const how = new Map<string, () => Promise<Server>>();
    const start = async (
      name: ServerName,
      mode: 'baseline' | 'gateway',
      env: Record<string, string>,
      script?: string,
    ) => {
      const again = () => startServer(name, mode, env, profile(name), script);
      how.set(name, again);
      const server = await again();
      servers.push(server);
      return server;
    };
    // PGlite loads its copy of the newest events while PostgreSQL gets the statistics tables.
    // On disk, as the embedded default runs (a new data directory, from the built template).
    const pgliteEnv = (dir: string) => ({
      ...gatewayEnv,
      DATABASE_URL: '',
      DATA_DIR: join(tmp, dir),
      BENCH_PGLITE_COPY: copyFile,
    });
    const pglite = start('pglite', 'gateway', pgliteEnv('pglite'));
    t = performance.now();
    await loadStatistics(url, sizes.detections, sizes.violations, now, 'UTC');
    say(`statistics tables and their rollup in ${((performance.now() - t) / 1e3).toFixed(1)} s`);
    const running = await Promise.all([
      start('baseline', 'baseline', { DATABASE_URL: url }),
      start('gateway', 'gateway', gatewayEnv),
      start('memory', 'gateway', { ...gatewayEnv, BENCH_EVENTS: 'memory' }),
      start('ab', 'gateway', { ...gatewayEnv, BENCH_AB: '1' }),
      start('statistics-raw', 'gateway', { ...gatewayEnv, BENCH_STATS: 'raw' }),
      pglite,
      // --compare DIR: the gateway of a copy of the tree before a change (with this bench/ in it).
      ...(opts.compare
        ? [
            start('before', 'gateway', gatewayEnv, join(opts.compare, 'bench', 'server.ts')),
            start(
              'pglite-before',
              'gateway',
              pgliteEnv('pglite-before'),
              join(opts.compare, 'bench', 'server.ts'),
            ),
          ]
        : []),
    ]);
    const base = Object.fromEntries(running.map((s) => [s.name, s])) as Record<ServerName, Server>;

    const only = opts.only?.split(',');
    const list = scenarios(sizes, now, Boolean(opts.compare)).filter(
      (s) => !only || only.includes(s.name.replace('before:', '')) || s.name === 'baseline',
    );
    const bodies = new Map<string, string>();
    for (const s of list) {
      const answer = await fetchOnce(base[s.server].base, s.request);
      const problem = s.check(answer);
      bodies.set(s.name, answer.body);
      if (problem) throw new Error(`${s.name}: ${problem}`);
      if (s.sameAsBaseline && answer.body !== bodies.get('baseline')) {
        throw new Error(`${s.name}: answer differs from the baseline's bytes`);
      }
      if (s.sameAs && bodies.has(s.sameAs) && answer.body !== bodies.get(s.sameAs)) {
        throw new Error(
          `${s.name}: answer differs from ${s.sameAs}'s bytes:\n${answer.body.slice(-300)}\n${bodies.get(s.sameAs)!.slice(-300)}`,
        );
      }
    }
    say('every scenario answered correctly; measuring');

    const monitor = postgres(url, { max: 1, onnotice: () => {} });
    const backends = async () =>
      (
        await monitor<{ pid: number }[]>`
          select pid from pg_stat_activity where datname = ${dbName} and pid <> pg_backend_pid()`
      ).map((r) => r.pid);
    const results: Record<string, Measurement[]> = {};
    const loads: string[] = [];
    let previous: ServerName | undefined;
    // The gateway's memory at the end of each round, before its process is replaced.
    const gatewayMemory: ReturnType<typeof memoryOf>[] = [];
    /**
     * Each round on new processes of the servers PostgreSQL backs (the A/B's and PGlite's stay):
     * a process keeps the speed it settled into for its life, and two starts of one build can
     * differ by a third, so a ratio over the rounds' medians rests on several processes each.
     */
    const restart = async () => {
      gatewayMemory.push(memoryOf(base.gateway.child.pid!));
      const renewed = Object.values(base).filter((s) => RESTARTED.has(s.name as ServerName));
      await Promise.all(
        renewed.map(async (old) => {
          await stopServer(old);
          servers.splice(servers.indexOf(old), 1);
          const server = await how.get(old.name)!();
          servers.push(server);
          base[old.name as ServerName] = server;
        }),
      );
      previous = undefined;
    };
    const run = async (s: Scenario, label: string, counted: boolean) => {
      const { base: target, child } = base[s.server];
      const cpu = {
        server: child.pid,
        db: s.server.startsWith('pglite') ? async () => [] : backends,
      };
      const c = s.connections ?? connections;
      // A server that sat idle (GC shrank its heap) warms up longer.
      const warm = s.server === previous ? warmup : 3 * warmup;
      previous = s.server;
      await measure(target, s.request, { seconds: warm, connections: c, cpu });
      const m = await measure(target, s.request, { seconds, connections: c, cpu });
      if (counted) results[s.name] = [...(results[s.name] ?? []), m];
      say(`${label} ${s.name}: ${m.rps.toFixed(0)} req/s p50 ${m.p50.toFixed(2)} ms`);
    };
    for (; round <= rounds; round++) {
      if (round > 1) await restart();
      for (const s of roundOrder(list, round)) {
        if (s.server !== 'ab') await run(s, `round ${round}`, round >= firstCounted);
      }
      loads.push(load());
    }
    // The rollout A/B alone, its two sides alternating on one hot process (ABBA…): any slower
    // first run after the process idled falls on each side equally often.
    const ab = list.filter((s) => s.server === 'ab');
    const pairs = smoke ? 1 : 2 * (rounds - firstCounted + 1);
    for (let k = 0; k < pairs * ab.length; k++) {
      const s = ab[(k % 4 === 1 || k % 4 === 2 ? 1 : 0) % ab.length]!;
      await run(s, `A/B ${Math.floor(k / 2) + 1}`, true);
    }
    await monitor.end();
    gatewayMemory.push(memoryOf(base.gateway.child.pid!));
    const afterLoad = [
      {
        name: 'gateway',
        rssMb: Math.max(...gatewayMemory.map((m) => m.rssMb)),
        peakMb: Math.max(...gatewayMemory.map((m) => m.peakMb)),
      },
      { name: 'pglite', ...memoryOf(base.pglite.child.pid!) },
    ];
    await Promise.all(servers.splice(0).map((s) => stopServer(s)));
    say('cold starts of `npm start`');
    const footprint: FootprintResult = {
      ...(await coldStarts(smoke ? 1 : 5, gatewayEnv)),
      afterLoad,
    };

    const engine = await micro<EngineResult>('./rollout-engine.ts', smoke ? ['--quick'] : []);
    const reader = await micro<ReaderResult>('./legacy-reader.ts', [logPath, smoke ? '1' : '5']);
    const printing = await micro<PrintingResult>('./answer-printing.ts', smoke ? ['--quick'] : []);
    const guard = await micro<GuardResult>('./guard.ts', smoke ? ['--quick'] : []);
    const plans = [
      {
        title: 'EXPLAIN ANALYZE: recentEvents (domain path)',
        plans: [await explainRecentEvents(url)],
      },
      {
        title: 'EXPLAIN ANALYZE: realtimeStatistics, per-minute rollup (current)',
        plans: await explainStatistics(url),
      },
      {
        title: 'EXPLAIN ANALYZE: realtimeStatistics, raw aggregate (before)',
        plans: await explainRawStatistics(url),
      },
    ];
    const cpu = cpus()[0]?.model ?? 'unknown CPU';
    const report: RunReport = {
      machine: [
        `${new Date().toISOString()}; ${cpu}; nproc ${availableParallelism()}; Node ${process.version}`,
        `load average (1, 5, 15 min): start ${started}; after each round ${loads.join(' | ')}; end ${load()}`,
        `data: ${sizes.lines.toLocaleString()} log lines (${(events.bytes / 1e6).toFixed(0)} MB) = events rows; PGlite holds the newest ${sizes.pglite.toLocaleString()}; ${sizes.detections.toLocaleString()} detection records and ${sizes.violations.toLocaleString()} violations, all today`,
        `${rounds} rounds${firstCounted > 1 ? ' (the first one as warm-up, not counted)' : ''}, each on new processes of the servers on PostgreSQL (not the A/B's and PGlite's), × ${seconds} s per scenario (after ${warmup} s of warm-up, ${3 * warmup} s on a server that was idle; compared scenarios swap order every other round), ${connections} connections unless noted; medians over rounds; ratios per round, then the median`,
      ],
      command: `npm run bench -- ${process.argv.slice(2).join(' ')}`.trim(),
      rounds: results,
      scenarios: list,
      defaultConnections: connections,
      engine,
      reader,
      printing,
      plans,
    };
    const text = `${markdown(report)}\n${footprintMarkdown(footprint)}\n${guardMarkdown(guard)}`;
    console.log(text);
    if (opts.out) await writeFile(opts.out, text);
    const failures = Object.values(results)
      .flat()
      .reduce((a, m) => a + m.failures, 0);
    if (failures > 0) say(`${failures} failed requests under load: the numbers are not valid`);
    return failures > 0 ? 1 : 0;
  } finally {
    await cleanup();
  }
}

(opts.faults && !smoke
  ? runFaults({ lines: Number(opts.lines ?? 6_000_000), out: opts.out })
  : main()
).then(
  (code) => process.exit(code),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
