// The legacy reader passes over lines it can tell do not matter from their leading ts; a line
// whose leading ts is not its real one must still be parsed.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { LegacyEventLog } from '../../src/legacy/event-log.js';

const T0 = 1_795_921_000;
let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'legacy-skip-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const line = (ts: number) => JSON.stringify({ ts, type: 'SKIP_DRYING', camera_id: 'cam0' });

it.each([
  ['a second "ts" key', `{"ts":${T0 - 100},"type":"A","ts":${T0 + 3}}`],
  ['an escaped "ts" key', `{"ts":${T0 - 100},"type":"A","t\\u0073":${T0 + 3}}`],
  ['a nested "ts" key before the real one', `{"ts":${T0 - 100},"e":{"ts":1},"ts":${T0 + 3}}`],
])('parses a line with %s, whose leading ts is not its ts', async (_name, tricky) => {
  const path = join(dir, 'events.jsonl');
  await writeFile(path, [line(T0 + 1), tricky, line(T0 + 2)].map((l) => `${l}\n`).join(''));
  const log = new LegacyEventLog(path, { orderToleranceSeconds: 200 });
  const records = await log.recentEvents({ limit: 1, since: new Date((T0 - 1000) * 1000) });
  expect(records.map((r) => r.ts)).toEqual([T0 + 3]);
});

it('answers the same whether or not lines are passed over (many lines, small limit)', async () => {
  const path = join(dir, 'events.jsonl');
  const lines = Array.from({ length: 5000 }, (_, i) => line(T0 + i / 10 - (i % 7) / 10));
  await writeFile(path, lines.map((l) => `${l}\n`).join(''));
  const log = new LegacyEventLog(path, { orderToleranceSeconds: 1 });
  const scan = await log.recentEventsWithStats({ limit: 5, since: new Date(T0 * 1000) });
  const expected = lines
    .map((l, i) => ({ ts: JSON.parse(l).ts as number, i }))
    .sort((a, b) => b.ts - a.ts || b.i - a.i)
    .slice(0, 5)
    .map((x) => x.ts);
  expect(scan.records.map((r) => r.ts)).toEqual(expected);
  expect(scan.linesRead).toBeLessThan(50);
});
