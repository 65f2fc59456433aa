// Random query strings against both legacy endpoints: never a 500, and every 4xx body is valid
// JSON in FastAPI's documented format.
import { writeFile } from 'node:fs/promises';
import fc from 'fast-check';
import { beforeAll, expect, it } from 'vitest';
import { createIngester } from '../../src/ingest/ingester.js';
import { logText } from '../fixtures/legacy-log.js';
import { buildApp, tempLogPath } from '../helpers/app.js';
import { describeEachDb } from '../helpers/db.js';

const NAMES = ['limit', 'minutes', 'etype', 'camera_id', 'force_domain', 'other'];
const value = fc.oneof(
  fc.string(),
  fc.integer({ min: -2000, max: 2000 }).map(String),
  fc.constantFrom('true', 'no', '1.0', '1_0', ' 7 ', '+3', '1e2', '', 'NaN', '%', '\u0000'),
);
const query = fc.array(fc.tuple(fc.constantFrom(...NAMES), value), { maxLength: 6 });

describeEachDb('legacy REST under random query strings', (db) => {
  let app: ReturnType<typeof buildApp>;
  beforeAll(async () => {
    const logPath = await tempLogPath();
    await writeFile(logPath, logText());
    await createIngester({ handle: db(), logPath }).runOnce();
    app = buildApp(db(), { config: { eventLogPath: logPath } });
  });

  it('never answers 500 and answers 4xx only with the documented error body', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('/api/v1/events/recent', '/api/v1/statistics/realtime'),
        query,
        fc.constantFrom('domain', 'legacy'),
        async (path, pairs, side) => {
          const search = new URLSearchParams(pairs).toString();
          const response = await app.fetch(`http://gateway${path}?${search}`, {
            headers: { 'x-rollout-force': side },
          });
          const text = await response.text();
          expect(response.status).not.toBeGreaterThanOrEqual(500);
          const body = JSON.parse(text);
          if (response.status === 200) return;
          expect(response.status).toBe(422);
          expect(Array.isArray(body.detail) && body.detail.length > 0).toBe(true);
          for (const entry of body.detail) {
            expect(Object.keys(entry).slice(0, 4)).toEqual(['type', 'loc', 'msg', 'input']);
            expect(entry.loc[0]).toBe('query');
            // Text parameters refuse only what the database cannot store (a NUL character).
            const named = entry.type === 'value_error' ? ['etype', 'camera_id'] : [];
            expect(['limit', 'minutes', 'force_domain', ...named]).toContain(entry.loc[1]);
          }
        },
      ),
      { numRuns: 150 },
    );
  });
});
