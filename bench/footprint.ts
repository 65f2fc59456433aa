// Start-up time and memory, as a user runs the gateway: `npm start` cold, time until /ready
// answers 200, then the gateway process's RSS once it has idled; and the RSS of the servers
// under test at the end of the load rounds (with the legacy tail cache warm).
import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface StartSample {
  readyMs: number;
  idleRssMb: number;
}

export interface FootprintResult {
  runs: number;
  postgres: StartSample[];
  /** Each on a new data directory: the first start of a new installation. */
  pgliteFirst: StartSample[];
  /** The same data directories started again. */
  pgliteRestart: StartSample[];
  /**
   * RSS (and peak RSS) of the servers under test after load: the PostgreSQL gateway's largest at
   * the end of a round (each round runs on a new process), PGlite's after all rounds.
   */
  afterLoad: { name: string; rssMb: number; peakMb: number }[];
}

const IDLE_MS = 3000;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/** VmRSS and VmHWM (peak) of a process, in MB. */
export function memoryOf(pid: number): { rssMb: number; peakMb: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? 0);
  return { rssMb: kb('VmRSS') / 1024, peakMb: kb('VmHWM') / 1024 };
}

/** `npm start` with `env`: ms until /ready is 200, and the gateway's RSS after idling. */
async function startOnce(env: Record<string, string>): Promise<StartSample> {
  const port = await freePort();
  const started = performance.now();
  const npm = spawn('npm', ['start', '--silent'], {
    env: { ...process.env, ...env, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  try {
    const deadline = Date.now() + 60_000;
    for (;;) {
      if (Date.now() > deadline || npm.exitCode !== null) throw new Error('npm start: no /ready');
      const ok = await fetch(`http://127.0.0.1:${port}/ready`).then(
        (r) => r.status === 200,
        () => false,
      );
      if (ok) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    const readyMs = performance.now() - started;
    await new Promise((r) => setTimeout(r, IDLE_MS));
    // npm runs the script through `sh -c exec node …`: the gateway is npm's child.
    const pid = Number(execFileSync('pgrep', ['-P', String(npm.pid)], { encoding: 'utf8' }).trim());
    return { readyMs, idleRssMb: memoryOf(pid).rssMb };
  } finally {
    const exited = once(npm, 'exit');
    npm.kill('SIGTERM');
    await exited;
  }
}

/** `runs` cold starts on PostgreSQL (`pgEnv`), and on new and existing PGlite data directories. */
export async function coldStarts(
  runs: number,
  pgEnv: Record<string, string>,
): Promise<Omit<FootprintResult, 'afterLoad'>> {
  const postgres: StartSample[] = [];
  const pgliteFirst: StartSample[] = [];
  const pgliteRestart: StartSample[] = [];
  for (let i = 0; i < runs; i++) postgres.push(await startOnce(pgEnv));
  for (let i = 0; i < runs; i++) {
    const dir = await mkdtemp(join(tmpdir(), 'gw-start-'));
    // The embedded default as `npm start` runs it with no configuration: demo data on.
    const env = {
      DATABASE_URL: '',
      DATA_DIR: join(dir, 'data'),
      EVENT_LOG_PATH: join(dir, 'events.jsonl'),
    };
    try {
      pgliteFirst.push(await startOnce(env));
      pgliteRestart.push(await startOnce(env));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
  return { runs, postgres, pgliteFirst, pgliteRestart };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};

const cell = (xs: number[], unit: string) =>
  `${median(xs).toFixed(unit === 's' ? 2 : 0)} ${unit} (${xs.map((x) => x.toFixed(unit === 's' ? 2 : 0)).join(', ')})`;

export function footprintMarkdown(f: FootprintResult): string {
  const row = (label: string, samples: StartSample[], goalS: number, goalMb: number) => {
    const s = samples.map((x) => x.readyMs / 1000);
    const m = samples.map((x) => x.idleRssMb);
    return `| ${label} | ${cell(s, 's')} | ${median(s) <= goalS ? 'yes' : '**no**'} (≤ ${goalS} s) | ${cell(m, 'MB')} | ${median(m) <= goalMb ? 'yes' : '**no**'} (≤ ${goalMb} MB) |`;
  };
  return [
    `## Footprint: \`npm start\` to /ready, RSS ${IDLE_MS / 1000} s later (median of ${f.runs} cold starts)`,
    '',
    '| database | /ready after `npm start` | goal | RSS idle | goal |',
    '|---|---:|---|---:|---|',
    row('PostgreSQL', f.postgres, 3, 120),
    row('embedded PGlite, new data directory (first start, demo data)', f.pgliteFirst, 5, 350),
    row('embedded PGlite, the same directory again', f.pgliteRestart, 5, 350),
    '',
    '| server under test, after load (gateway: the largest at the end of a round, each round on a new process; PGlite: after all rounds) | RSS | peak RSS (VmHWM) | goal |',
    '|---|---:|---:|---|',
    ...f.afterLoad.map(
      (a) =>
        `| ${a.name} | ${a.rssMb.toFixed(0)} MB | ${a.peakMb.toFixed(0)} MB | ${a.name === 'gateway' ? (a.rssMb <= 200 ? 'yes (≤ 200 MB)' : '**no** (≤ 200 MB)') : a.name === 'pglite' ? (a.rssMb <= 350 ? 'yes (≤ 350 MB)' : '**no** (≤ 350 MB)') : '—'} |`,
    ),
    '',
  ].join('\n');
}
