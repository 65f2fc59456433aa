// Load generation with autocannon (in this process; the servers run in their own), and the
// servers' life cycle. Latencies are taken from every response's own timing (autocannon's
// histogram rounds to whole milliseconds), requests/s from the completed count.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import autocannon from 'autocannon';
import { bundle } from '../scripts/build.mjs';

export interface Request {
  method: 'GET' | 'POST';
  path: string;
  body?: string;
  headers?: Record<string, string>;
  /** The next request's body, when each request must differ (writes); `body` is the first. */
  nextBody?: () => string;
}

export interface Measurement {
  rps: number;
  p50: number;
  p99: number;
  mean: number;
  requests: number;
  /** Connection errors, timeouts and non-2xx answers: any makes the run invalid. */
  failures: number;
  /** CPU time per request of the server process and of the PostgreSQL backends, in ms. */
  serverCpuMs: number;
  dbCpuMs: number;
}

/** Processes whose CPU time a measurement charges to its requests. */
export interface CpuWatch {
  server: number | undefined;
  /** The database backends (pids) serving the server, looked up at both ends of a run. */
  db: () => Promise<number[]>;
}

/** utime + stime of a process in ms (/proc: Linux only; 0 elsewhere or once it has exited). */
export async function cpuMs(pid: number): Promise<number> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // CLK_TCK = 100
  } catch {
    return 0;
  }
}

async function snapshot(watch: CpuWatch) {
  const db = new Map<number, number>();
  for (const pid of await watch.db()) db.set(pid, await cpuMs(pid));
  return { server: watch.server ? await cpuMs(watch.server) : 0, db };
}

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

export async function measure(
  base: string,
  request: Request,
  options: { seconds: number; connections: number; cpu: CpuWatch },
): Promise<Measurement> {
  const times: number[] = [];
  const before = await snapshot(options.cpu);
  const instance = autocannon({
    url: `${base}${request.path}`,
    method: request.method,
    headers: { 'content-type': 'application/json', ...request.headers },
    ...(request.body === undefined ? {} : { body: request.body }),
    ...(request.nextBody === undefined
      ? {}
      : { requests: [{ setupRequest: (req: object) => ({ ...req, body: request.nextBody!() }) }] }),
    connections: options.connections,
    duration: options.seconds,
    timeout: 30,
  });
  instance.on('response', (_client: unknown, status: number, _bytes: number, ms: number) => {
    if (status < 300) times.push(ms);
  });
  const result = await instance;
  const after = await snapshot(options.cpu);
  let db = 0;
  for (const [pid, ms] of after.db) db += ms - (before.db.get(pid) ?? 0);
  const n = Math.max(1, times.length);
  const sorted = Float64Array.from(times).sort();
  return {
    rps: times.length / result.duration,
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    mean: times.reduce((a, b) => a + b, 0) / Math.max(1, times.length),
    requests: times.length,
    failures: result.errors + result.timeouts + result.non2xx,
    serverCpuMs: (after.server - before.server) / n,
    dbCpuMs: db / n,
  };
}

export interface Server {
  name: string;
  base: string;
  child: ChildProcess;
}

const bundles = new Map<string, Promise<string>>();

/**
 * `script` bundled as `npm run build` bundles the gateway (into `.build/` beside it, inside its
 * checkout, so the gateway finds its package files), once per run: the servers under test run
 * what `npm start` runs, on plain node with source maps.
 */
function bundled(script: string): Promise<string> {
  let path = bundles.get(script);
  if (!path) {
    const outdir = join(dirname(script), '.build');
    const name = basename(script, '.ts');
    path = bundle({ [name]: script }, outdir, dirname(dirname(script))).then(() =>
      join(outdir, `${name}.js`),
    );
    bundles.set(script, path);
  }
  return path;
}

/** The node flags of `npm start` (between `node` and the script), given to every server here. */
const START_FLAGS = (() => {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
    scripts: { start: string };
  };
  const words = pkg.scripts.start.split(/\s+/);
  return words.slice(words.indexOf('node') + 1).filter((w) => w.startsWith('--'));
})();

/** Starts bench/server.ts (or `script`) `<mode>`, bundled, with `env`; waits for its port. */
export async function startServer(
  name: string,
  mode: 'baseline' | 'gateway',
  env: Record<string, string>,
  nodeArgs: string[] = [],
  script = new URL('./server.ts', import.meta.url).pathname,
): Promise<Server> {
  const file = await bundled(script);
  const child = spawn(process.execPath, [...nodeArgs, ...START_FLAGS, file, mode], {
    env: { ...process.env, ...env },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout! });
  const exited = once(child, 'exit').then(([code]) => {
    throw new Error(`server ${name} exited with ${code} before listening`);
  });
  const ready = (async () => {
    for await (const line of lines) {
      const port = (JSON.parse(line) as { port?: number }).port;
      if (port) return port;
    }
    throw new Error(`server ${name} closed its output before listening`);
  })();
  try {
    const port = await Promise.race([ready, exited]);
    exited.catch(() => {});
    return { name, base: `http://127.0.0.1:${port}`, child };
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
}

/** SIGTERM, then SIGKILL after `graceMs` if the server has not exited. */
export async function stopServer(server: Server, graceMs = 10_000): Promise<void> {
  const { child } = server;
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

export async function fetchOnce(base: string, request: Request) {
  const response = await fetch(`${base}${request.path}`, {
    method: request.method,
    headers: { 'content-type': 'application/json', ...request.headers },
    ...(request.body === undefined ? {} : { body: request.body }),
  });
  return { status: response.status, headers: response.headers, body: await response.text() };
}

/** Runs a microbenchmark script in its own process; it prints one JSON object. */
export async function micro<T>(name: string, args: string[]): Promise<T> {
  const script = new URL(name, import.meta.url).pathname;
  const { stdout } = await promisify(execFile)(process.execPath, [
    '--import',
    'tsx',
    script,
    ...args,
  ]);
  return JSON.parse(stdout) as T;
}
