// /metrics keeps the old hbd_events_total series, counted incrementally from the ingested events.
import { appendFile, writeFile } from 'node:fs/promises';
import { beforeAll, expect, it } from 'vitest';
import { createIngester } from '../../src/ingest/ingester.js';
import { LOG_LINES, R } from '../fixtures/legacy-log.js';
import { buildApp, tempLogPath } from '../helpers/app.js';
import { describeEachDb } from '../helpers/db.js';

describeEachDb('legacy hbd_events_total metrics', (db) => {
  let logPath: string;
  beforeAll(async () => {
    logPath = await tempLogPath();
    await writeFile(logPath, `${LOG_LINES.join('\n')}\n`);
    await createIngester({ handle: db(), logPath }).runOnce();
  });

  const scrape = async (app: ReturnType<typeof buildApp>) =>
    (await (await app.fetch('http://gateway/metrics')).text())
      .split('\n')
      .filter((l) => l.startsWith('hbd_events_total'));

  it('exposes the old series per camera and type, per type, and in total', async () => {
    const app = buildApp(db(), { config: { eventLogPath: logPath } });
    const lines = await scrape(app);
    expect(lines).toContain('hbd_events_total{camera="cam0",type="NO_HAIRNET_AT_SINK"} 1');
    expect(lines).toContain('hbd_events_total{camera="cam0",type="SKIP_DRYING"} 1');
    expect(lines).toContain('hbd_events_total{type="HANDWASHING_ACTIVE"} 2');
    expect(lines).toContain('hbd_events_total{type="NO_HAIRNET_AT_SINK"} 2');
    expect(lines).toContain('hbd_events_total 6');
  });

  it('counts only what was added since the previous scrape', async () => {
    const app = buildApp(db(), { config: { eventLogPath: logPath } });
    await scrape(app);
    await appendFile(logPath, `${R.hairnet.line.replace('"track_id":126', '"track_id":127')}\n`);
    await createIngester({ handle: db(), logPath }).runOnce();
    const lines = await scrape(app);
    // Counters only ever add: re-aggregating old rows would show 13, not 7.
    expect(lines).toContain('hbd_events_total{type="NO_HAIRNET_AT_SINK"} 3');
    expect(lines).toContain('hbd_events_total 7');
  });
});
