// What printing an answer costs, for the two things a poll mostly asks again:
// - a REST shim's 100 logged records (LegacyRecordPrinter.array): the same records as the last
//   answer (the same strings, as the legacy log's tail cache hands them over, or fresh copies, as
//   the database driver does), and records that changed since (one new record each time, as a
//   live log gives, so the last answer cannot be reused);
// - a DateTime text (isoString): an instant printed before, and a new one.
// Run: npx tsx bench/answer-printing.ts [--quick]
// Prints JSON { records: { sameMicros, freshMicros, changedMicros }, instants: { rememberedNanos,
// newNanos } }: medians of the runs, per 100-record answer and per instant.
import { createEventGenerator, formatLegacyLine, seededRng } from '../src/demo/simulator.js';
import { isoString } from '../src/domain/instant-text.js';
import { LegacyRecordPrinter } from '../src/legacy/record-printer.js';
import { median } from './report.js';

const quick = process.argv.includes('--quick');
const RUNS = quick ? 3 : 7;
const ANSWERS = quick ? 1_000 : 5_000;
const INSTANTS = quick ? 200_000 : 2_000_000;

// Lines as the demo's simulator logs them (varied times, tracks, confidences and boxes).
const generator = createEventGenerator(seededRng(7));
const logged: string[] = [];
for (let t = Date.UTC(2026, 10, 30, 12); logged.length < 2_000 + ANSWERS + 100; t += 100) {
  for (const e of generator.next(new Date(t), 100)) logged.push(formatLegacyLine(e));
}
const line = (i: number) => logged[i]!;
/** A fresh copy of the text, as a driver hands over a column read from the database. */
const copy = (text: string) => Buffer.from(text).toString();

/**
 * Microseconds per answer: `ANSWERS` answers to `lines(i)`, after a warm-up of the same. The
 * inputs are made in batches of 100 answers just before they are printed, outside the timing,
 * as a request's lines are fresh from the driver.
 */
function printing(lines: (i: number) => readonly string[]): number {
  const printer = new LegacyRecordPrinter();
  let sink = 0;
  for (let i = 0; i < 1_000; i++) sink += printer.array(lines(i)).length;
  let elapsed = 0;
  for (let batch = 0; batch < ANSWERS; batch += 100) {
    const inputs = Array.from({ length: 100 }, (_, i) => lines(1_000 + batch + i));
    const started = performance.now();
    for (const input of inputs) sink += printer.array(input).length;
    elapsed += performance.now() - started;
  }
  if (sink === 0) throw new Error('nothing printed');
  return (elapsed * 1000) / ANSWERS;
}

/** Nanoseconds per instant: `INSTANTS` calls over `dates`, in turn. */
function instants(dates: readonly Date[]): number {
  let sink = 0;
  for (let i = 0; i < 100_000; i++) sink += isoString(dates[i % dates.length]!).length;
  const started = performance.now();
  for (let i = 0; i < INSTANTS; i++) sink += isoString(dates[i % dates.length]!).length;
  const nanos = ((performance.now() - started) * 1e6) / INSTANTS;
  if (sink === 0) throw new Error('nothing printed');
  return nanos;
}

const newest = Array.from({ length: 100 }, (_, i) => line(i));
const base = Date.UTC(2026, 10, 30, 12);
// 100 instants a poll prints again; 100,000 a second apart plus a millisecond (every slot of the
// memo taken in turn), none printed again before it is overwritten.
const polled = Array.from({ length: 100 }, (_, i) => new Date(base + i * 36_001));
const moving = Array.from({ length: 100_000 }, (_, i) => new Date(base + i * 1_001));

const runs = { same: [] as number[], fresh: [] as number[], changed: [] as number[] };
const nanos = { remembered: [] as number[], new: [] as number[] };
for (let r = 0; r < RUNS; r++) {
  runs.same.push(printing(() => newest));
  runs.fresh.push(printing(() => newest.map(copy)));
  runs.changed.push(printing((i) => Array.from({ length: 100 }, (_, k) => copy(line(i + k)))));
  nanos.remembered.push(instants(polled));
  nanos.new.push(instants(moving));
}
const round = (x: number, digits: number) => Number(x.toFixed(digits));
process.stdout.write(
  `${JSON.stringify({
    records: {
      sameMicros: round(median(runs.same), 2),
      freshMicros: round(median(runs.fresh), 2),
      changedMicros: round(median(runs.changed), 2),
    },
    instants: {
      rememberedNanos: round(median(nanos.remembered), 1),
      newNanos: round(median(nanos.new), 1),
    },
  })}\n`,
);
