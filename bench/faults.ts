// npm run bench -- --faults [--lines N] [--out FILE]
// The legacy path on a big log of today (default 6,000,000 lines, about 1 GB), on one gateway
// process (PGlite in memory, every flag at 0%: the legacy path), one request at a time:
// - /api/v1/statistics/realtime: the requests answered 503 while the day's counts are built
//   (each within the budget, the count keeping its place), then the p50/p99 of 200 requests
//   with nothing appended, and of 200 requests each after 50 appended lines;
// - /api/v1/events/recent?etype=nomatch&minutes=1440 (a query that would read the whole day):
//   status and wall time of 5 requests in a row and of 4 at once, and the server's CPU time.
// Not part of --smoke (it writes a gigabyte).
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { appendFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { CAMERAS, REGIONS } from '../src/demo/seed.js';
import { seededRng } from '../src/demo/simulator.js';
import { EVENT_TYPES } from './data.js';
import { cpuMs, startServer, stopServer } from './load.js';

const say = (text: string) => console.error(`[bench faults] ${text}`);
const ms = (x: number) => x.toFixed(x < 10 ? 2 : 0);

/** The log line of event i of `lines` spread over [from, to] (seconds). */
function makeLine(i: number, ts: number, rand: () => number): string {
  const camera = CAMERAS[i % CAMERAS.length]!.id;
  const type = EVENT_TYPES[Math.floor(rand() * EVENT_TYPES.length)]!;
  const region = REGIONS[Math.floor(rand() * REGIONS.length)]!.name;
  const x = Math.floor(rand() * 1700);
  const y = Math.floor(rand() * 900);
  const confidence = (0.5 + Math.floor(rand() * 490) / 1000 + 0.0005).toFixed(4);
  return `{"ts":${ts.toFixed(6)},"type":"${type}","camera_id":"${camera}","track_id":${1 + (i % 5000)},"evidence":{"region":"${region}","confidence":${confidence},"bbox":[${x},${y},${x + 120},${y + 200}]}}\n`;
}

/** Streams `lines` events of today (UTC midnight to `end`) to `path`, 5000 lines per write. */
async function writeLog(path: string, lines: number, end: Date): Promise<number> {
  const out = createWriteStream(path);
  const rand = seededRng(7);
  const from = Math.floor(end.getTime() / 86_400_000) * 86_400;
  const step = (end.getTime() / 1000 - 1 - from) / lines;
  let bytes = 0;
  for (let i = 0; i < lines; ) {
    let text = '';
    for (const stop = Math.min(lines, i + 5000); i < stop; i++) {
      text += makeLine(i, from + i * step, rand);
    }
    bytes += Buffer.byteLength(text);
    if (!out.write(text)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
  return bytes;
}

const pct = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;

export async function runFaults(opts: { lines: number; out?: string | undefined }) {
  const started = loadavg().map((x) => x.toFixed(2));
  const tmp = await mkdtemp(join(tmpdir(), 'gw-faults-'));
  const logPath = join(tmp, 'events_record.jsonl');
  let server: Awaited<ReturnType<typeof startServer>> | undefined;
  try {
    let t = performance.now();
    const bytes = await writeLog(logPath, opts.lines, new Date());
    say(
      `${opts.lines.toLocaleString()} lines of today (${(bytes / 1e6).toFixed(0)} MB) in ${((performance.now() - t) / 1e3).toFixed(1)} s`,
    );
    server = await startServer('gateway', 'gateway', {
      NODE_ENV: 'development',
      DATABASE_URL: '',
      DATA_DIR: 'memory://',
      EVENT_LOG_PATH: logPath,
      ROLLOUT_PERCENT: '0',
      INGEST: 'off',
      DEMO: 'off',
      LOG_LEVEL: 'warn',
      TIME_ZONE: 'UTC',
    });
    const pid = server.child.pid!;
    const get = async (path: string) => {
      const t0 = performance.now();
      const response = await fetch(`${server!.base}${path}`);
      const body = await response.text();
      return { status: response.status, ms: performance.now() - t0, body, response };
    };
    const STATS = '/api/v1/statistics/realtime';

    // Warm-up: the day is counted over as many budgeted requests as it takes.
    t = performance.now();
    let cpu = await cpuMs(pid);
    let refused = 0;
    let answer = await get(STATS);
    while (answer.status === 503) {
      refused++;
      answer = await get(STATS);
    }
    if (answer.status !== 200) throw new Error(`statistics: ${answer.status} ${answer.body}`);
    const total = JSON.parse(answer.body).detection_stats.total_detections_today;
    if (total !== opts.lines) throw new Error(`statistics counted ${total}, not ${opts.lines}`);
    const warm = {
      seconds: (performance.now() - t) / 1000,
      refused,
      cpuSeconds: ((await cpuMs(pid)) - cpu) / 1000,
    };
    say(`statistics counted the day in ${warm.seconds.toFixed(1)} s (${refused} answers 503)`);

    const series = async (before?: () => Promise<void>) => {
      const times: number[] = [];
      const cpuBefore = await cpuMs(pid);
      for (let i = 0; i < 200; i++) {
        await before?.();
        const r = await get(STATS);
        if (r.status !== 200) throw new Error(`statistics: ${r.status}`);
        times.push(r.ms);
      }
      times.sort((a, b) => a - b);
      return {
        p50: pct(times, 50),
        p99: pct(times, 99),
        cpuMs: ((await cpuMs(pid)) - cpuBefore) / times.length,
      };
    };
    for (let i = 0; i < 50; i++) await get(STATS);
    const idle = await series();
    let n = opts.lines;
    const rand = seededRng(11);
    const appending = await series(async () => {
      let text = '';
      for (let i = 0; i < 50; i++) text += makeLine(n++, Date.now() / 1000 - 1, rand);
      await appendFile(logPath, text);
    });
    say(
      `statistics p50 ${ms(idle.p50)} ms; with 50 lines appended before each ${ms(appending.p50)} ms`,
    );

    const NOMATCH = '/api/v1/events/recent?etype=nomatch&minutes=1440';
    cpu = await cpuMs(pid);
    const sequential = [];
    for (let i = 0; i < 5; i++) sequential.push(await get(NOMATCH));
    const seqCpu = ((await cpuMs(pid)) - cpu) / 5;
    cpu = await cpuMs(pid);
    const concurrent = await Promise.all([1, 2, 3, 4].map(() => get(NOMATCH)));
    const concCpu = ((await cpuMs(pid)) - cpu) / 4;
    const describe = (rs: { status: number; ms: number }[]) => {
      const sorted = rs.map((r) => r.ms).sort((a, b) => a - b);
      return `statuses ${[...new Set(rs.map((r) => r.status))].join('/')}, median ${ms(pct(sorted, 50))} ms, max ${ms(sorted[sorted.length - 1]!)} ms`;
    };
    const retryAfter = sequential[0]!.response.headers.get('retry-after');

    const text = [
      '### Fault scenarios (legacy path on a big log)',
      '',
      `- ${new Date().toISOString()}; ${cpus()[0]?.model ?? 'unknown CPU'}; nproc ${availableParallelism()}; Node ${process.version}; load average at start ${started.join(', ')}, at end ${loadavg()
        .map((x) => x.toFixed(2))
        .join(', ')}`,
      `- data: ${opts.lines.toLocaleString()} log lines of today (${(bytes / 1e6).toFixed(0)} MB), one file; defaults LEGACY_SCAN_BUDGET_MS=3000, LEGACY_SCAN_CONCURRENCY=4; one gateway (PGlite in memory, legacy path), one client`,
      `- command: \`npm run bench -- --faults${opts.lines === 6_000_000 ? '' : ` --lines ${opts.lines}`}\``,
      '',
      '| measurement | result |',
      '| --- | --- |',
      `| statistics, first count of the day | ${warm.seconds.toFixed(1)} s wall, ${warm.cpuSeconds.toFixed(1)} s server CPU, over ${refused + 1} requests (${refused} answered 503 at their budget) |`,
      `| statistics, p50 / p99 of 200 requests, nothing appended | ${ms(idle.p50)} / ${ms(idle.p99)} ms (server CPU ${ms(idle.cpuMs)} ms per request) |`,
      `| statistics, p50 / p99 of 200 requests, 50 lines appended before each | ${ms(appending.p50)} / ${ms(appending.p99)} ms (server CPU ${ms(appending.cpuMs)} ms per request) |`,
      `| \`etype=nomatch&minutes=1440\`, 5 in a row | ${describe(sequential)}; server CPU ${ms(seqCpu)} ms per request; Retry-After ${retryAfter} |`,
      `| \`etype=nomatch&minutes=1440\`, 4 at once | ${describe(concurrent)}; server CPU ${ms(concCpu)} ms per request |`,
      '',
    ].join('\n');
    console.log(text);
    if (opts.out) await writeFile(opts.out, text);
    return 0;
  } finally {
    if (server) await stopServer(server);
    await rm(tmp, { recursive: true, force: true });
  }
}
