// The legacy REST contract (docs/legacy-contract.md: recent events and statistics), case by case, on both rollout paths:
// status, the headers that matter, and the exact body bytes.
import { writeFile } from 'node:fs/promises';
import { beforeAll, describe, expect, it } from 'vitest';
import { createIngester } from '../../src/ingest/ingester.js';
import { body, IN_WINDOW, logText, R } from '../fixtures/legacy-log.js';
import { buildApp, tempLogPath } from '../helpers/app.js';
import { describeEachDb } from '../helpers/db.js';

const E = '/api/v1/events/recent';
const S = '/api/v1/statistics/realtime';
const ALL = body(...IN_WINDOW);

const intParsing = (loc: string, input: string) =>
  `{"type":"int_parsing","loc":["query","${loc}"],"msg":"Input should be a valid integer, unable to parse string as an integer","input":${JSON.stringify(input)}}`;
const ge = (loc: string, input: string, n = 1) =>
  `{"type":"greater_than_equal","loc":["query","${loc}"],"msg":"Input should be greater than or equal to ${n}","input":"${input}","ctx":{"ge":${n}}}`;
const le = (loc: string, input: string, n: number) =>
  `{"type":"less_than_equal","loc":["query","${loc}"],"msg":"Input should be less than or equal to ${n}","input":"${input}","ctx":{"le":${n}}}`;
const boolParsing = (input: string) =>
  `{"type":"bool_parsing","loc":["query","force_domain"],"msg":"Input should be a valid boolean, unable to interpret input","input":${JSON.stringify(input)}}`;
const detail = (...entries: string[]) => `{"detail":[${entries.join(',')}]}`;

/** [url, status, exact body] */
const CASES: [string, number, string][] = [
  [E, 200, ALL],
  [`${E}?limit=2`, 200, body(R.hairnet, R.handwash)],
  [`${E}?limit=1`, 200, body(R.hairnet)],
  [`${E}?limit=1000`, 200, ALL],
  [`${E}?minutes=1`, 200, body(R.hairnet, R.handwash)],
  [`${E}?minutes=1440`, 200, body(...IN_WINDOW, R.old)],
  [`${E}?etype=SKIP_DRYING`, 200, body(R.drying)],
  [`${E}?etype=skip_drying`, 200, '[]'],
  [`${E}?etype=`, 200, ALL],
  [`${E}?camera_id=cam0`, 200, body(R.hairnet, R.drying)],
  [`${E}?camera_id=`, 200, body(R.dwell, R.entrance)],
  [`${E}?camera_id=cam9`, 200, '[]'],
  [`${E}?camera_id=%E6%91%84%E5%83%8F`, 200, '[]'],
  [`${E}?etype=HANDWASHING_ACTIVE&camera_id=cam1`, 200, body(R.handwash)],
  [`${E}?etype=HANDWASHING_ACTIVE&limit=1`, 200, body(R.handwash)],
  [`${E}?limit=%2B2`, 200, body(R.hairnet, R.handwash)],
  [`${E}?limit=%202%20`, 200, body(R.hairnet, R.handwash)],
  [`${E}?limit=002`, 200, body(R.hairnet, R.handwash)],
  [`${E}?limit=2.00`, 200, body(R.hairnet, R.handwash)],
  [`${E}?limit=1_0`, 200, ALL],
  [`${E}?limit=5&limit=1`, 200, body(R.hairnet)],
  [`${E}?unknown=1&limit=1`, 200, body(R.hairnet)],
  [`${E}?limit=0`, 422, detail(ge('limit', '0'))],
  [`${E}?limit=-0`, 422, detail(ge('limit', '-0'))],
  [`${E}?limit=5000`, 422, detail(le('limit', '5000', 1000))],
  [`${E}?minutes=1441`, 422, detail(le('minutes', '1441', 1440))],
  [`${E}?minutes=0`, 422, detail(ge('minutes', '0'))],
  [`${E}?minutes=abc`, 422, detail(intParsing('minutes', 'abc'))],
  [`${E}?limit=1.5`, 422, detail(intParsing('limit', '1.5'))],
  [`${E}?limit=`, 422, detail(intParsing('limit', ''))],
  [`${E}?limit=5.`, 422, detail(intParsing('limit', '5.'))],
  [`${E}?limit=1e2`, 422, detail(intParsing('limit', '1e2'))],
  [`${E}?limit=0x10`, 422, detail(intParsing('limit', '0x10'))],
  [`${E}?limit=1%2C000`, 422, detail(intParsing('limit', '1,000'))],
  [`${E}?limit=_100`, 422, detail(intParsing('limit', '_100'))],
  [`${E}?limit=%D9%A3`, 422, detail(intParsing('limit', '٣'))],
  [`${E}?force_domain=maybe`, 422, detail(boolParsing('maybe'))],
  [`${E}?force_domain=2`, 422, detail(boolParsing('2'))],
  [`${E}?force_domain=`, 422, detail(boolParsing(''))],
  [`${E}?force_domain=%20true`, 422, detail(boolParsing(' true'))],
  [
    `${E}?force_domain=x&minutes=0&limit=abc`,
    422,
    detail(intParsing('limit', 'abc'), ge('minutes', '0'), boolParsing('x')),
  ],
  [`${E}?force_domain=No&limit=1`, 200, body(R.hairnet)],
  [`${E}?force_domain=OFF&limit=1`, 200, body(R.hairnet)],
  [`${S}?force_domain=maybe`, 422, detail(boolParsing('maybe'))],
];

describeEachDb('legacy REST contract', (db) => {
  let app: ReturnType<typeof buildApp>;
  let emptyApp: ReturnType<typeof buildApp>;

  beforeAll(async () => {
    const logPath = await tempLogPath();
    await writeFile(logPath, logText());
    await createIngester({ handle: db(), logPath }).runOnce();
    app = buildApp(db(), { config: { eventLogPath: logPath } });
    emptyApp = buildApp(db(), {
      config: { eventLogPath: `${logPath}.missing` },
      services: { events: { domain: { recentEvents: async () => [] } } },
    });
  });

  for (const path of ['domain', 'legacy'] as const) {
    describe(`on the ${path} path`, () => {
      it.each(CASES)('GET %s answers %i with the old bytes', async (url, status, expected) => {
        const response = await app.fetch(`http://gateway${url}`, {
          headers: { 'x-rollout-force': path },
        });
        expect(response.status).toBe(status);
        expect(response.headers.get('content-type')).toBe('application/json');
        expect(await response.text()).toBe(expected);
        expect(response.headers.get('content-length')).toBe(String(Buffer.byteLength(expected)));
        if (status === 200) expect(response.headers.get('x-rollout-path')).toBe(path);
      });

      it('answers 200 [] when there is no log and no event', async () => {
        const response = await emptyApp.fetch(`http://gateway${E}`, {
          headers: { 'x-rollout-force': path },
        });
        expect([response.status, await response.text()]).toEqual([200, '[]']);
      });
    });
  }

  it('lets force_domain=true take the domain path whatever the percentage', async () => {
    const response = await app.fetch(`http://gateway${E}?force_domain=true&limit=1`);
    expect(response.headers.get('x-rollout-path')).toBe('domain');
    expect(response.headers.get('x-rollout-reason')).toBe('forced');
    expect(await response.text()).toBe(body(R.hairnet));
  });

  it.each([E, S])('redirects %s/ with 307 to the path without the slash, query kept', async (p) => {
    const response = await app.fetch(`http://gateway${p}/?limit=1`, { redirect: 'manual' });
    expect(response.status).toBe(307);
    expect(response.headers.get('location')).toBe(`http://gateway${p}?limit=1`);
  });

  it.each([
    ['POST', E],
    ['DELETE', E],
    ['PUT', S],
  ])('answers %s %s with 405 and the old body', async (method, p) => {
    const response = await app.fetch(`http://gateway${p}`, { method });
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('GET, HEAD');
    expect(await response.text()).toBe('{"detail":"Method Not Allowed"}');
  });

  it('answers HEAD like GET, without a body', async () => {
    const response = await app.fetch(`http://gateway${E}`, { method: 'HEAD' });
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('');
  });

  it('answers unknown /api/v1 paths with the old 404 body', async () => {
    const response = await app.fetch('http://gateway/api/v1/nothing');
    expect([response.status, await response.text()]).toEqual([404, '{"detail":"Not Found"}']);
  });
});
