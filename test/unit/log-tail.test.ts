// The live tail of the legacy log: starts at the end, never splits or loses a line being
// written, follows rotations and truncation, skips and counts damaged lines.
import { appendFile, rename, truncate, unlink } from 'node:fs/promises';
import { afterEach, describe, expect, it } from 'vitest';
import type { EventRecord } from '../../src/domain/types.js';
import { LogTail } from '../../src/legacy/log-tail.js';
import { tempLogPath, writeLog } from '../helpers/app.js';

const rec = (ts: number) => `{"ts":${ts},"type":"T","camera_id":"c","track_id":1,"evidence":{}}`;

let tail: LogTail | undefined;
afterEach(async () => {
  await tail?.stop();
});

async function follow(path: string, options = {}) {
  const got: EventRecord[] = [];
  const damaged: string[] = [];
  tail = new LogTail(path, { pollMs: 60_000, onDamaged: (r) => damaged.push(r), ...options });
  await tail.start((records) => got.push(...records));
  return { got, damaged, ts: () => got.map((r) => r.ts) };
}

describe('LogTail', () => {
  it('sends only what is appended after start, a partial line once it is complete', async () => {
    const path = await tempLogPath();
    await writeLog(path, [rec(1)]);
    const t = await follow(path);
    await appendFile(path, `${rec(2)}\n${rec(3).slice(0, 10)}`);
    await tail!.check();
    expect(t.ts()).toEqual([2]);
    await appendFile(path, `${rec(3).slice(10)}\n`);
    await tail!.check();
    expect(t.ts()).toEqual([2, 3]);
  });

  it('reads the rotated file to its end before the new one, and from the new one from 0', async () => {
    const path = await tempLogPath();
    await writeLog(path, []);
    const t = await follow(path);
    await appendFile(path, `${rec(1)}\n${rec(2).slice(0, 5)}`);
    await rename(path, `${path}.1`);
    await appendFile(`${path}.1`, `${rec(2).slice(5)}\n`);
    await appendFile(path, `${rec(3)}\n`);
    await tail!.check();
    expect(t.ts()).toEqual([1, 2, 3]);
  });

  it('counts a line left unfinished in a rotated file once the grace period is over', async () => {
    const path = await tempLogPath();
    await writeLog(path, []);
    const t = await follow(path, { retiredGraceMs: 0 });
    await appendFile(path, '{"ts":1,');
    await unlink(path);
    await tail!.check();
    await tail!.check();
    expect(t.damaged).toEqual(['not_json']);
  });

  it('starts over after a truncation, and skips and counts damaged lines', async () => {
    const path = await tempLogPath();
    await writeLog(path, [rec(1), rec(2)]);
    const t = await follow(path);
    await truncate(path, 0);
    await appendFile(path, `${rec(5)}\nnot json\n[1]\n{"ts":"x"}\n\n`);
    await tail!.check();
    expect(t.ts()).toEqual([5]);
    expect(t.damaged).toEqual(['not_json', 'not_object', 'bad_ts']);
  });

  it('waits for a log that does not exist yet and reads it whole when it appears', async () => {
    const path = await tempLogPath();
    const t = await follow(path);
    await tail!.check();
    await writeLog(path, [rec(7)]);
    await tail!.check();
    expect(t.ts()).toEqual([7]);
  });
});
