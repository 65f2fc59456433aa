// /openapi.json says what the shims really answer: real responses of the domain and the legacy
// path validate against the documented response schemas (required properties, types, enums,
// patterns), and a response that breaks them does not.
import { writeFile } from 'node:fs/promises';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { beforeAll, describe, expect, it } from 'vitest';
import { seedReference } from '../../src/demo/seed.js';
import { openApiDocument } from '../../src/fields/index.js';
import { createIngester } from '../../src/ingest/ingester.js';
import { StaticRolloutState } from '../doubles/static-rollout-state.js';
import { logText } from '../fixtures/legacy-log.js';
import { buildApp, tempLogPath } from '../helpers/app.js';
import { describeEachDb } from '../helpers/db.js';
import { seedViolations } from '../helpers/violations.js';

type Doc = typeof openApiDocument & {
  paths: Record<string, Record<string, { responses: Record<string, unknown> }>>;
};

/** The 200 body schema of an operation, with the components its $refs point into. */
function validator(path: string, method: string) {
  const ok = (openApiDocument as Doc).paths[path]![method]!.responses['200'] as {
    content: { 'application/json': { schema: object } };
  };
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats.default(ajv);
  return ajv.compile({
    ...ok.content['application/json'].schema,
    components: openApiDocument.components,
  });
}

const RECENT = '/api/v1/events/recent';
const STATS = '/api/v1/statistics/realtime';
const STATUS = '/api/v1/records/violations/{violation_id}/status';

describeEachDb('OpenAPI response schemas against real answers', (db) => {
  let app: ReturnType<typeof buildApp>;
  let violationIds: number[];

  beforeAll(async () => {
    const logPath = await tempLogPath();
    await writeFile(logPath, logText());
    await seedReference(db());
    await createIngester({ handle: db(), logPath }).runOnce();
    violationIds = await seedViolations(db(), 2);
    app = buildApp(db(), {
      rolloutState: new StaticRolloutState({}),
      config: { eventLogPath: logPath },
    });
  });

  describe.each(['domain', 'legacy'])('the %s path', (path) => {
    const headers = { 'x-rollout-force': path };

    it('answers recent events as documented', async () => {
      const response = await app.fetch(`http://gateway${RECENT}?minutes=1440`, { headers });
      expect(response.headers.get('x-rollout-path')).toBe(path);
      const body = await response.json();
      expect(body.length).toBeGreaterThan(3);
      const validate = validator(RECENT, 'get');
      expect(validate(body) ? [] : validate.errors).toEqual([]);
    });

    it('answers realtime statistics as documented', async () => {
      const response = await app.fetch(`http://gateway${STATS}`, { headers });
      expect(response.headers.get('x-rollout-path')).toBe(path);
      const validate = validator(STATS, 'get');
      const body = await response.json();
      expect(validate(body) ? [] : validate.errors).toEqual([]);
    });

    it('answers a status change as documented', async () => {
      const id = path === 'domain' ? violationIds[0] : violationIds[1];
      const response = await app.fetch(
        `http://gateway/api/v1/records/violations/${id}/status?status=false_positive`,
        { method: 'PUT', headers },
      );
      expect(response.headers.get('x-rollout-path')).toBe(path);
      const validate = validator(STATUS, 'put');
      expect(validate(await response.json()) ? [] : validate.errors).toEqual([]);
    });
  });

  it('rejects answers that break the schemas', () => {
    expect(validator(STATUS, 'put')({ ok: true, violation_id: 1, status: 'done' })).toBe(false);
    expect(validator(RECENT, 'get')([{ type: 'NO_HAIRNET_AT_SINK' }])).toBe(false);
    const stats = validator(STATS, 'get');
    expect(stats({ timestamp: '2026-11-29T10:00:00Z' })).toBe(false);
  });
});
