// The legacy path's own cost: LegacyEventLog.recentEvents (the shim's query: newest 100 of the
// last 60 minutes) on a log, in one process with nothing else around it, with the tail cache (the
// default) and without it (tailCacheRecords: 0). Its inverse is the ceiling of the legacy path's
// requests/s on one core, before any HTTP or GraphQL work.
//
//   npx tsx bench/legacy-reader.ts <log path> [seconds]
//     one run of each reader on an existing log (what `npm run bench` calls). Prints JSON
//     { callsPerSecond, callsPerCpuSecond, linesPerCall, bytesPerCall } of the cached reader,
//     plus `uncached` (the same for the reader without cache) and `ratio`.
//   npx tsx bench/legacy-reader.ts --lines 2000000 [--runs 5] [--seconds 3] [--keep <path>]
//     writes a log of that many lines over the last 24 h (like bench/data.ts, in a few seconds),
//     measures the heap and RSS the cache takes when filled to its default bound, then alternates
//     `runs` runs of each reader, and prints every run, the medians and their ratio.
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { CAMERAS } from '../src/demo/seed.js';
import { EVENT_WEIGHTS, seededRng } from '../src/demo/simulator.js';
import { LegacyEventLog } from '../src/legacy/event-log.js';

const { values: opts, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    lines: { type: 'string' },
    runs: { type: 'string', default: '5' },
    seconds: { type: 'string' },
    keep: { type: 'string' },
  },
});

const query = () => ({ limit: 100, since: new Date(Date.now() - 3_600_000) });

interface Run {
  /** The first call of a new reader: with the cache, it also parses what it keeps. */
  firstCallMs: number;
  callsPerSecond: number;
  callsPerCpuSecond: number;
  linesPerCall: number;
  bytesPerCall: number;
}

/** Calls/s of one reader over `seconds`, after its first call and a second of warm-up. */
async function measure(path: string, cached: boolean, seconds: number): Promise<Run> {
  const log = new LegacyEventLog(path, cached ? {} : { tailCacheRecords: 0 });
  try {
    const cold = performance.now();
    await log.recentEvents(query());
    const firstCallMs = Math.round((performance.now() - cold) * 100) / 100;
    const warmUntil = Date.now() + 1000;
    while (Date.now() < warmUntil) await log.recentEvents(query());
    // A warm call's own cost: with the cache, nothing read from the file.
    const sample = await log.recentEventsWithStats(query());
    if (sample.records.length !== 100) throw new Error(`${sample.records.length} records, not 100`);
    let calls = 0;
    const cpu = process.cpuUsage();
    const started = performance.now();
    const end = started + seconds * 1000;
    while (performance.now() < end) {
      await log.recentEvents(query());
      calls++;
    }
    const wall = (performance.now() - started) / 1000;
    const used = process.cpuUsage(cpu);
    return {
      firstCallMs,
      callsPerSecond: Math.round(calls / wall),
      callsPerCpuSecond: Math.round(calls / ((used.user + used.system) / 1e6)),
      linesPerCall: sample.linesRead,
      bytesPerCall: sample.bytesRead,
    };
  } finally {
    await log.close();
  }
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

/** `lines` events, evenly over the 24 h before now, oldest first, in the legacy shape. */
async function writeLog(path: string, lines: number): Promise<number> {
  const rand = seededRng(7);
  const types = EVENT_WEIGHTS.map(([type]) => type);
  const out = createWriteStream(path);
  const step = 86_400 / lines;
  const first = Date.now() / 1000 - 86_400;
  let bytes = 0;
  for (let i = 0; i < lines; ) {
    const batch: string[] = [];
    for (const stop = Math.min(lines, i + 10_000); i < stop; i++) {
      const camera = CAMERAS[i % CAMERAS.length]!;
      const [x, y] = [Math.floor(rand() * 1700), Math.floor(rand() * 900)];
      const evidence = {
        region: camera.regionName,
        confidence: 0.5 + Math.round(rand() * 490) / 1000,
        bbox: [x, y, x + 120, y + 200],
      };
      const ts = (first + (i + rand()) * step).toFixed(6);
      const type = types[Math.floor(rand() * types.length)];
      batch.push(
        `{"ts":${ts},"type":"${type}","camera_id":"${camera.id}","track_id":${i % 5000},"evidence":${JSON.stringify(evidence)}}\n`,
      );
    }
    const chunk = batch.join('');
    bytes += Buffer.byteLength(chunk);
    if (!out.write(chunk)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
  return bytes;
}

/** Heap and RSS the tail cache takes when a scan over the whole day fills it to its bound. */
async function cacheMemory(path: string) {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  const log = new LegacyEventLog(path);
  try {
    gc();
    const before = process.memoryUsage();
    await log.scanSince(new Date(Date.now() - 86_400_000), () => {});
    gc();
    const after = process.memoryUsage();
    const usage = log.cacheUsage();
    return {
      lines: usage.lines,
      textBytes: usage.bytes,
      heapBytes: after.heapUsed - before.heapUsed,
      heapBytesPerLine: Math.round((after.heapUsed - before.heapUsed) / usage.lines),
      rssBytes: after.rss - before.rss,
    };
  } finally {
    await log.close();
  }
}

if (opts.lines) {
  const lines = Number(opts.lines);
  const [runs, seconds] = [Number(opts.runs), Number(opts.seconds ?? 3)];
  const dir = await mkdtemp(join(tmpdir(), 'legacy-reader-'));
  const path = opts.keep ?? join(dir, 'events_record.jsonl');
  try {
    let t = performance.now();
    const bytes = await writeLog(path, lines);
    const generated = ((performance.now() - t) / 1000).toFixed(1);
    console.error(`${lines} lines, ${(bytes / 1e6).toFixed(0)} MB written in ${generated} s`);
    // First, while the process holds little else.
    const memory = await cacheMemory(path);
    const results: { uncached: Run[]; cached: Run[] } = { uncached: [], cached: [] };
    for (let r = 0; r < runs; r++) {
      // ABBA: neither reader always runs first.
      for (const cached of r % 2 === 0 ? [false, true] : [true, false]) {
        t = performance.now();
        const run = await measure(path, cached, seconds);
        (cached ? results.cached : results.uncached).push(run);
        console.error(`run ${r + 1} ${cached ? 'cached  ' : 'uncached'} ${JSON.stringify(run)}`);
      }
    }
    const medianOf = (runs: Run[]) => ({
      callsPerSecond: median(runs.map((x) => x.callsPerSecond)),
      callsPerCpuSecond: median(runs.map((x) => x.callsPerCpuSecond)),
      firstCallMs: median(runs.map((x) => x.firstCallMs)),
    });
    const medians = { uncached: medianOf(results.uncached), cached: medianOf(results.cached) };
    const ratio =
      Math.round((medians.cached.callsPerSecond / medians.uncached.callsPerSecond) * 10) / 10;
    console.log(JSON.stringify({ lines, bytes, runs, seconds, medians, ratio, memory, results }));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
} else {
  const path = positionals[0];
  if (!path) throw new Error('usage: legacy-reader.ts <log path> [seconds] | --lines N');
  const seconds = Number(positionals[1] ?? 5);
  const uncached = await measure(path, false, seconds);
  const cached = await measure(path, true, seconds);
  const ratio = Math.round((cached.callsPerSecond / uncached.callsPerSecond) * 10) / 10;
  console.log(JSON.stringify({ ...cached, uncached, ratio }));
}
