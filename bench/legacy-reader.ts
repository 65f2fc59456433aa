// The legacy path's own cost: LegacyEventLog.recentEvents (the shim's query: newest 100 of the
// last 60 minutes) on a log, in one process with nothing else around it. Its inverse is the
// ceiling of the legacy path's requests/s on one core, before any HTTP or GraphQL work.
// Run: npx tsx bench/legacy-reader.ts <log path> [seconds]
// Prints JSON { callsPerSecond, callsPerCpuSecond, linesPerCall, bytesPerCall }.
import { LegacyEventLog } from '../src/legacy/event-log.js';

const path = process.argv[2];
if (!path) throw new Error('usage: legacy-reader.ts <log path> [seconds]');
const seconds = Number(process.argv[3] ?? 5);
const log = new LegacyEventLog(path);
const query = () => ({ limit: 100, since: new Date(Date.now() - 3_600_000) });

const first = await log.recentEventsWithStats(query());
if (first.records.length !== 100) throw new Error(`${first.records.length} records, expected 100`);
const warmUntil = Date.now() + 1000;
while (Date.now() < warmUntil) await log.recentEvents(query());

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
console.log(
  JSON.stringify({
    callsPerSecond: Math.round(calls / wall),
    callsPerCpuSecond: Math.round(calls / ((used.user + used.system) / 1e6)),
    linesPerCall: first.linesRead,
    bytesPerCall: first.bytesRead,
  }),
);
