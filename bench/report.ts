// The results as Markdown: per scenario the medians over the rounds, and the goals evaluated on
// ratios measured side by side in the same run. Besides requests/s (which on a
// shared machine moves with whatever else runs), each scenario's CPU time per request (server
// process + PostgreSQL backends) gives a capacity ratio that other processes cannot distort.
import type { Plan } from './explain.js';
import type { Measurement } from './load.js';
import type { Scenario } from './scenarios.js';

export interface EngineResult {
  decisionsPerSecond: number;
  decisionsPerCpuSecond: number;
  runs: number[];
  runnerOverheadMicros: number;
  runnerRuns: number[];
}

export interface ReaderResult {
  callsPerSecond: number;
  callsPerCpuSecond: number;
  linesPerCall: number;
  bytesPerCall: number;
}

export interface PrintingResult {
  records: { sameMicros: number; freshMicros: number; changedMicros: number };
  instants: { rememberedNanos: number; newNanos: number };
}

export interface RunReport {
  machine: string[];
  command: string;
  rounds: Record<string, Measurement[]>;
  scenarios: Scenario[];
  defaultConnections: number;
  engine: EngineResult;
  reader: ReaderResult;
  printing: PrintingResult;
  plans: { title: string; plans: Plan[] }[];
}

export const median = (xs: number[]): number => {
  const s = xs.filter((x) => !Number.isNaN(x)).sort((a, b) => a - b);
  if (s.length === 0) return Number.NaN;
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

const fmt = (x: number, digits = 0) =>
  Number.isFinite(x) ? x.toLocaleString('en-US', { maximumFractionDigits: digits }) : '–';
const pct = (x: number) => `${fmt(x * 100, 1)}%`;
const sign = (x: number) => `${x >= 0 ? '+' : ''}${pct(x)}`;
const rps = (m: Measurement) => m.rps;
const cpu = (m: Measurement) => m.serverCpuMs + m.dbCpuMs;

/** Median over rounds of a's value divided by b's value in the same round. */
function ratio(r: RunReport, a: string, b: string, of: (m: Measurement) => number): number {
  const bs = r.rounds[b] ?? [];
  return median((r.rounds[a] ?? []).map((m, i) => (bs[i] ? of(m) / of(bs[i]) : Number.NaN)));
}

const stat = (r: RunReport, name: string, of: (m: Measurement) => number) =>
  median((r.rounds[name] ?? []).map(of));

interface Goal {
  name: string;
  shown: string;
  ok: boolean;
}

export function goals(r: RunReport): Goal[] {
  const goal = (name: string, ok: boolean, shown: string): Goal => ({ name, ok, shown });
  /** Requests/s ratio, and the CPU-time ratio beside it. */
  const vs = (a: string, b: string, min: number) => {
    const [q, c] = [ratio(r, a, b, rps), 1 / ratio(r, a, b, cpu)];
    return { ok: q >= min, shown: `${pct(q)} (CPU per request: ${pct(c)})` };
  };
  const shim = vs('shim-domain', 'baseline', 0.9);
  // What 90% leaves the gateway beside the baseline, and what its own layers cost without a
  // database (from memory, beside the ceiling), in server CPU per request.
  const serverMicros = (name: string) => stat(r, name, (m) => m.serverCpuMs) * 1000;
  const allowance = serverMicros('baseline') / 0.9 - serverMicros('baseline');
  const layers = serverMicros('shim-memory') - serverMicros('ceiling');
  const gql = vs('graphql-fields', 'baseline', 0.75);
  const gqlBare = vs('graphql-fields', 'baseline-graphql', 0.75);
  const pglite = vs('pglite-shim-domain', 'baseline', 0.5);
  const shimVsGql = vs('shim-domain', 'graphql-shim-doc', 0.85);
  const [domain, legacy] = [stat(r, 'shim-domain', rps), stat(r, 'shim-legacy', rps)];
  const ceiling = stat(r, 'ceiling', rps);
  const requestMicros = stat(r, 'ab-with-rollout', (m) => m.serverCpuMs) * 1000;
  const machinery = r.engine.runnerOverheadMicros / requestMicros;
  const lostRps = 1 - ratio(r, 'ab-with-rollout', 'ab-without-rollout', rps);
  const moreCpu = ratio(r, 'ab-with-rollout', 'ab-without-rollout', (m) => m.serverCpuMs) - 1;
  const p50 = ratio(r, 'ab-with-rollout', 'ab-without-rollout', (m) => m.p50) - 1;
  const e = r.engine;
  const [statsP50, rawP50] = ['statistics', 'statistics-raw'].map((n) =>
    stat(r, n, (m) => m.p50),
  ) as [number, number];
  return [
    goal(
      'REST shim (domain) ≥ 90% of baseline req/s',
      shim.ok,
      `${shim.shown}; 90% leaves the gateway ${fmt(allowance)} µs of server CPU per request more than the baseline, its own layers take ${fmt(layers)} µs (from memory, no database, beside the ceiling)`,
    ),
    goal(
      '/graphql recentEvents(limit: 100) ≥ 75% of baseline req/s',
      gql.ok,
      `${gql.shown}; of the bare handler sending the same /graphql bytes: ${gqlBare.shown}`,
    ),
    goal('REST shim on PGlite ≥ 50% of the PostgreSQL baseline req/s', pglite.ok, pglite.shown),
    goal('shim within 15% of the same query on /graphql', shimVsGql.ok, shimVsGql.shown),
    goal(
      '≥ 100× the old ~30 req/s, domain path',
      domain >= 3000,
      `${fmt(domain)} req/s = ${fmt(domain / 30)}×`,
    ),
    goal(
      'legacy path, 2M-line log, ≥ 4,500 req/s (150× the old service), same bytes',
      legacy >= 4500,
      `${fmt(legacy)} req/s = ${fmt(legacy / 30)}×; the reader alone: ${fmt(r.reader.callsPerSecond)} calls/s (${fmt(r.reader.callsPerCpuSecond)} per CPU-second, ${fmt(r.reader.linesPerCall)} lines per call); node:http sending the bytes from memory: ${fmt(ceiling)} req/s`,
    ),
    goal(
      'rollout overhead ≤ 2% of a request: in-process cost / server CPU per request',
      machinery <= 0.02,
      `${fmt(e.runnerOverheadMicros, 2)} µs of ${fmt(requestMicros)} µs = ${pct(machinery)}`,
    ),
    goal(
      'rollout overhead ≤ 2%: A/B in one process, with vs without @rollout',
      Math.max(lostRps, moreCpu) <= 0.02,
      `req/s ${sign(-lostRps)}, p50 ${sign(p50)}, server CPU per request ${sign(moreCpu)}`,
    ),
    goal(
      '≥ 5M decisions/s',
      e.decisionsPerSecond >= 5e6,
      `${fmt(e.decisionsPerSecond)} /s wall clock; ${fmt(e.decisionsPerCpuSecond)} per CPU-second`,
    ),
    goal(
      'realtimeStatistics p50 ≤ 20 ms (per-minute rollup)',
      statsP50 <= 20,
      `${fmt(statsP50, 1)} ms (before, the raw aggregate: ${fmt(rawP50, 1)} ms)`,
    ),
  ];
}

export function markdown(r: RunReport): string {
  const out = [
    '## Results',
    '',
    ...r.machine.map((m) => `- ${m}`),
    '',
    `Command: \`${r.command}\``,
    '',
  ];
  out.push(
    '| scenario | conns | req/s | p50 ms | p99 ms | req/s vs baseline | CPU ms/req (node + PG) | capacity vs baseline (CPU) | failures |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|',
  );
  for (const s of r.scenarios) {
    const ms = r.rounds[s.name];
    if (!ms?.length) continue;
    const [node, db] = [stat(r, s.name, (m) => m.serverCpuMs), stat(r, s.name, (m) => m.dbCpuMs)];
    const failures = ms.reduce((a, m) => a + m.failures, 0);
    out.push(
      `| ${s.label} | ${s.connections ?? r.defaultConnections} | ${fmt(stat(r, s.name, rps))} | ${fmt(
        stat(r, s.name, (m) => m.p50),
        2,
      )} | ${fmt(
        stat(r, s.name, (m) => m.p99),
        2,
      )} | ${pct(ratio(r, s.name, 'baseline', rps))} | ${fmt(node, 2)} + ${fmt(db, 2)} | ${pct(1 / ratio(r, s.name, 'baseline', cpu))} | ${failures} |`,
    );
  }
  const e = r.engine;
  const { records: p, instants: i } = r.printing;
  out.push(
    '',
    `Rollout engine (own process): ${fmt(e.decisionsPerSecond)} decisions/s wall clock (runs: ${e.runs.map((x) => fmt(x)).join(', ')}), ${fmt(e.decisionsPerCpuSecond)} per CPU-second; RequestRollout.read machinery ${fmt(e.runnerOverheadMicros, 2)} µs per field (runs: ${e.runnerRuns.join(', ')}).`,
    `Legacy reader alone (own process): ${fmt(r.reader.callsPerSecond)} calls/s, ${fmt(r.reader.callsPerCpuSecond)} per CPU-second; ${fmt(r.reader.linesPerCall)} lines (${fmt(r.reader.bytesPerCall / 1024)} KiB) read per call.`,
    `Answer printing (own process, bench/answer-printing.ts): a REST shim's 100 records ${fmt(p.sameMicros, 2)} µs when they are the last answer's (${fmt(p.freshMicros, 2)} µs as fresh copies, as the database hands them over), ${fmt(p.changedMicros, 2)} µs when one record is new; a DateTime text ${fmt(i.rememberedNanos, 1)} ns when printed before, ${fmt(i.newNanos, 1)} ns when new.`,
    '',
    '| goal | measured | met |',
    '|---|---|---|',
  );
  for (const g of goals(r)) out.push(`| ${g.name} | ${g.shown} | ${g.ok ? 'yes' : '**no**'} |`);
  const compared = r.scenarios.filter((s) => r.rounds[`before:${s.name}`]?.length);
  if (compared.length > 0) {
    out.push('', '| after vs before (--compare), same rounds | req/s | server CPU per request |');
    out.push('|---|---:|---:|');
    for (const s of compared) {
      const b = `before:${s.name}`;
      out.push(
        `| ${s.label} | ×${fmt(ratio(r, s.name, b, rps), 2)} | ×${fmt(
          ratio(r, s.name, b, (m) => m.serverCpuMs),
          2,
        )} |`,
      );
    }
  }
  for (const { title, plans } of r.plans) {
    out.push('', `### ${title}`, '');
    for (const p of plans)
      out.push(`\`${p.name}…\`: ${fmt(p.ms, 3)} ms`, '', '```', p.plan, '```', '');
  }
  return out.join('\n');
}
