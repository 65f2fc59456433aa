// The operator console in a real browser (Debian's chromium through playwright-core; nothing
// downloads a browser), against a gateway with demo data and demo callers: the token asked once,
// the overview with live numbers, a percentage set with a reason and seen by a second gateway
// on the same PostgreSQL, a stale version shown as a conflict, an action done with the keyboard
// alone, a mismatch side by side, a phone-width layout, and kill-all sending every field to
// legacy. Writes a screenshot of each page to test/e2e/screenshots/ on every run and prints the
// first load's compressed size. Skipped when /usr/bin/chromium is missing (.ci/run installs it);
// without PostgreSQL the second gateway is the same one (PGlite is in-process).
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildConsole } from '../../scripts/build-console.mjs';
import { type DatabaseHandle, openDatabase } from '../../src/db/client.js';
import { seedDemoAlertRules } from '../../src/demo/alert-rules.js';
import { createDemoCallers } from '../../src/demo/callers.js';
import { seedReference } from '../../src/demo/seed.js';
import { createSimulator } from '../../src/demo/simulator.js';
import { createIngester } from '../../src/ingest/ingester.js';
import { ROLLOUT_FLAGS } from '../../src/rollout/flags.js';
import { insertMismatch } from '../../src/rollout/pg-guard.js';
import { buildApp, gql, tempLogPath } from '../helpers/app.js';
import { CHROMIUM, CHROMIUM_FLAGS } from '../helpers/chromium.js';
import { createTestDatabase, postgresUrl, type TestDatabase } from '../helpers/db.js';
import { listen, type RunningServer } from '../helpers/running-app.js';

const SCREENSHOTS = join(import.meta.dirname, 'screenshots');
const TOKEN = 'console-operator-token-0123456789';
const OPERATOR = { authorization: `Bearer ${TOKEN}` };
const FLAG = 'events.recent';
/** Every read under rollout in one request; writes and the stream are checked by their state. */
const READS = `{ recentEvents(limit: 1) { ts } realtimeStatistics { systemStatus }
  alertHistory(limit: 1) { id } alertRules { id } }`;
const READ_FLAGS = ['events.recent', 'statistics.realtime', 'alerts.history', 'alerts.rules'];

type App = ReturnType<typeof buildApp>;

async function until<T>(what: string, probe: () => Promise<T | undefined>, ms = 10_000) {
  const started = Date.now();
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() - started > ms) throw new Error(`${what}: not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const state = async (app: App, flag = FLAG) =>
  (
    await gql(
      app,
      `query($f: String) { rollouts(flag: $f) { percent mode servingPercent servingMode version } }`,
      { f: flag },
      OPERATOR,
    )
  ).body.data.rollouts[0];

describe.skipIf(!existsSync(CHROMIUM))('operator console in Chromium', { timeout: 60_000 }, () => {
  let database: TestDatabase;
  let secondHandle: DatabaseHandle | undefined;
  let a: App;
  let b: App;
  let server: RunningServer;
  let browser: Browser;
  let page: Page;
  let consoleDir: string;
  let callers: ReturnType<typeof createDemoCallers>;
  let coordinates: string[];

  beforeAll(async () => {
    consoleDir = await mkdtemp(join(tmpdir(), 'gw-console-build-'));
    await buildConsole({ outdir: consoleDir });
    await mkdir(SCREENSHOTS, { recursive: true });
    database = await createTestDatabase(postgresUrl ? 'postgres' : 'pglite');
    const handle = database.handle;
    const eventLogPath = await tempLogPath();
    await seedReference(handle);
    await seedDemoAlertRules(handle);
    const simulator = createSimulator({ handle, logPath: eventLogPath });
    for (let i = 0; i < 5; i++) await simulator.tick();
    await createIngester({ handle, logPath: eventLogPath }).runOnce();
    const options = {
      clock: () => new Date(),
      config: {
        apiTokens: [{ name: 'ops', token: TOKEN, scopes: ['rollout:admin' as const] }],
        eventLogPath,
        consoleDir,
        // The evidence of a step (every replica's counts) is published by the guard loop.
        guard: { enabled: true, tickMs: 500, publishMs: 500, leaseMs: 5000 },
      },
    };
    a = buildApp(handle, options);
    if (database.url) {
      secondHandle = await openDatabase({ url: database.url, poolMax: 5 });
      b = buildApp(secondHandle, options);
    } else {
      b = a;
    }
    await Promise.all([a.rolloutReady, b.rolloutReady]);
    server = await listen(a);
    callers = createDemoCallers({ fetch: async (url, init) => a.fetch(url, init), perSecond: 20 });
    callers.start();
    coordinates = (await gql(a, '{ rolloutFields { coordinate } }')).body.data.rolloutFields.map(
      (f: { coordinate: string }) => f.coordinate,
    );
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_FLAGS });
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  });

  afterAll(async () => {
    await browser?.close();
    await callers?.stop();
    await server?.stop();
    await Promise.all([a?.close(), b !== a ? b?.close() : undefined]);
    await secondHandle?.close();
    await database?.drop();
    await rm(consoleDir, { recursive: true, force: true });
  });

  const row = (coordinate: string) => page.locator(`tr[data-coordinate="${coordinate}"]`);
  const dialog = () => page.locator('dialog[open]');
  const notice = () => page.locator('main .notice');
  const openField = async (flag: string) => {
    await page.goto(`${server.url}/console#/field/${encodeURIComponent(flag)}`);
    await page.getByRole('heading', { level: 1, name: flag }).waitFor();
  };

  it('asks for the token once, then shows every migrated field with live numbers, under 300 KB', async () => {
    const sizes: Promise<{ url: string; bytes: number; encoding?: string }>[] = [];
    page.on('response', (response) =>
      sizes.push(
        response
          .request()
          .sizes()
          .then(async (s) => ({
            url: response.url(),
            bytes: s.responseBodySize + s.responseHeadersSize,
            encoding: (await response.allHeaders())['content-encoding'],
          })),
      ),
    );
    await page.goto(`${server.url}/console`, { waitUntil: 'networkidle' });
    const firstLoad = await Promise.all(sizes);
    page.removeAllListeners('response');
    const total = firstLoad.reduce((n, r) => n + r.bytes, 0);
    console.log(
      `console first load: ${total} bytes on the wire in ${firstLoad.length} responses (${firstLoad
        .map(
          (r) => `${r.url.replace(server.url, '')} ${r.bytes}${r.encoding ? ` ${r.encoding}` : ''}`,
        )
        .join(', ')})`,
    );
    expect(total).toBeLessThan(300_000);
    expect(
      firstLoad.filter((r) => r.url.includes('/console/assets/')).map((r) => r.encoding),
    ).toEqual(['br', 'br']);

    await page.getByLabel('Token', { exact: true }).fill(TOKEN);
    await page.getByRole('button', { name: 'Open the console' }).click();
    await page.getByRole('heading', { name: 'Migrated fields' }).waitFor();
    expect(await page.locator('tbody tr').count()).toBe(coordinates.length);
    await expect
      .poll(() => row('Query.recentEvents').locator('td[data-label="Flag"]').textContent())
      .toBe(FLAG);
    await expect
      .poll(() => row('Query.recentEvents').locator('td[data-label="Percent"]').textContent())
      .toBe('0 %');
    // Live: the demo callers' requests appear as a rate, all on legacy at 0 %.
    await expect
      .poll(() => row('Query.recentEvents').locator('td[data-label="Requests"]').textContent(), {
        timeout: 10_000,
      })
      .toMatch(/^\d+(\.\d)?\/s$/);
    await expect
      .poll(() => row('Query.recentEvents').locator('td[data-label="Domain share"]').textContent())
      .toBe('0.0 %');
    await page.screenshot({ path: join(SCREENSHOTS, 'overview.png'), fullPage: true });
    // The token is kept for the tab: a reload opens the console directly.
    await page.reload();
    await page.getByRole('heading', { name: 'Migrated fields' }).waitFor();
  });

  it('sets a percentage with a reason, and the second gateway routes by it', async () => {
    await page.getByRole('link', { name: 'Query.recentEvents' }).click();
    await page.getByRole('heading', { level: 1, name: FLAG }).waitFor();
    await page.getByRole('button', { name: 'Set percentage' }).click();
    await dialog().getByLabel('New percentage (0–100)').fill('25');
    await dialog().getByLabel('Reason (recorded in the change log)').fill('console: first step');
    await dialog().getByRole('button', { name: 'Set percentage' }).click();
    await expect.poll(() => notice().textContent()).toContain('25 % active');
    // The other replica applies it from NOTIFY, and routes callers by it.
    await until('second gateway at 25 %', async () =>
      (await state(b)).servingPercent === 25 ? true : undefined,
    );
    const answer = await gql(
      b,
      '{ recentEvents(limit: 1) { ts } }',
      {},
      { 'x-rollout-key': 'someone' },
    );
    expect(answer.body.extensions.rollout[FLAG]).toMatchObject({ percent: 25, reason: 'bucket' });
    const changes = await gql(
      b,
      `{ rolloutChanges(flag: "${FLAG}", limit: 1) { by action reason toPercent } }`,
      {},
      OPERATOR,
    );
    expect(changes.body.data.rolloutChanges[0]).toEqual({
      by: 'ops',
      action: 'set',
      reason: 'console: first step',
      toPercent: 25,
    });
    // A shadow share, set the same way, starts comparisons of the two paths.
    await page.getByRole('button', { name: 'Shadow share' }).click();
    await dialog().getByLabel('Shadow share (0–100)').fill('100');
    await dialog().getByLabel('Reason (recorded in the change log)').fill('console: compare');
    await dialog().getByRole('button', { name: 'Shadow share' }).click();
    await expect.poll(() => notice().textContent()).toContain('shadow share applied');
    // The page shows the changes in its log, and charts the share moving towards 25 %.
    await page.getByRole('cell', { name: 'console: compare' }).waitFor();
    await expect
      .poll(
        async () =>
          Number.parseFloat(
            (await page.locator('td[data-label="Requests"]').first().textContent()) ?? '0',
          ),
        { timeout: 10_000 },
      )
      .toBeGreaterThan(0);
    await page.waitForTimeout(6000);
    await page.screenshot({ path: join(SCREENSHOTS, 'field.png'), fullPage: true });
    const { version } = await state(a);
    await gql(
      a,
      `mutation { setRolloutShadow(flag: "${FLAG}", percent: 0, reason: "compared", expectedVersion: ${version}) { __typename } }`,
      {},
      OPERATOR,
    );
  });

  it('shows a conflict when the flag changed since it was read, and does not overwrite it', async () => {
    await page.getByRole('button', { name: 'Set percentage' }).click();
    await dialog().getByLabel('New percentage (0–100)').fill('50');
    await dialog().getByLabel('Reason (recorded in the change log)').fill('console: stale');
    // Someone else moves the flag while the dialog is open.
    const version = (await state(a)).version;
    const other = await gql(
      a,
      `mutation { setRolloutPercentage(flag: "${FLAG}", percent: 30, reason: "cli meanwhile", expectedVersion: ${version}) { __typename } }`,
      {},
      OPERATOR,
    );
    expect(other.body.data.setRolloutPercentage.__typename).toBe('RolloutChanged');
    await dialog().getByRole('button', { name: 'Set percentage' }).click();
    await expect.poll(() => notice().textContent()).toContain('Conflict, not applied');
    expect(await notice().getAttribute('role')).toBe('alert');
    expect(await state(a)).toMatchObject({ percent: 30, version: version + 1 });
    await page.locator('dd', { hasText: '30 %' }).first().waitFor();
  });

  it('promotes with the keyboard alone', async () => {
    await openField(FLAG);
    const promote = 'Promote to 50 %';
    await page.getByRole('button', { name: promote }).waitFor();
    await page.locator('body').focus();
    for (let i = 0; i < 40; i++) {
      await page.keyboard.press('Tab');
      if ((await page.evaluate(() => document.activeElement?.textContent)) === promote) break;
    }
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe(promote);
    await page.keyboard.press('Enter');
    await dialog().waitFor();
    // Focus is in the dialog's reason field; Enter submits.
    await page.keyboard.type('console: keyboard promote');
    await page.keyboard.press('Enter');
    await expect.poll(() => notice().textContent()).toContain('50 % active');
    expect(await state(a)).toMatchObject({ percent: 50 });
    // Escape closes a dialog without changing anything.
    await page.getByRole('button', { name: 'Pause' }).focus();
    await page.keyboard.press('Enter');
    await dialog().waitFor();
    await page.keyboard.press('Escape');
    await dialog().waitFor({ state: 'detached' });
    expect(await state(a)).toMatchObject({ mode: 'ACTIVE' });
  });

  it('opens a mismatch and shows the two answers side by side', async () => {
    const { version } = await state(a);
    await insertMismatch(
      a.rolloutAdmin.control.db,
      {
        flag: FLAG,
        version,
        args: { limit: 20, minutes: 60, etype: null, cameraId: null },
        keyHash: 'beb218091d95bc1c',
        primaryPath: 'legacy',
        primaryMs: 0.4,
        shadowMs: 14.8,
        diff: [
          { path: '3.type', primary: 'SKIP_DRYING', shadow: 'HANDWASHING_ACTIVE' },
          { path: '3.evidence.confidence', primary: 0.91, shadow: 0.87 },
          {
            path: '17',
            primary: undefined,
            shadow: {
              ts: 1796017447.464218,
              type: 'HANDWASHING_ACTIVE',
              cameraId: 'cam2',
              trackId: 104,
            },
          },
        ],
      },
      100,
    );
    await openField(FLAG);
    await page.getByRole('link', { name: /3 paths differ \(legacy answered\)/ }).click();
    const diff = page.locator('table.side-by-side');
    await diff.waitFor();
    const headers = await diff.locator('thead th').allTextContents();
    expect(headers[1]).toMatch(/^legacy \(answered the caller, 0\.4 ms\)$/);
    expect(headers[2]).toMatch(/^domain \(shadow, 14\.8 ms\)$/);
    const rows = await diff
      .locator('tbody tr')
      .evaluateAll((trs) =>
        trs.map((tr) => [...tr.children].map((c) => (c.textContent ?? '').trim())),
      );
    expect(rows[0]).toEqual(['3.type', '"SKIP_DRYING"', '"HANDWASHING_ACTIVE"']);
    expect(rows[1]).toEqual(['3.evidence.confidence', '0.91', '0.87']);
    expect(rows[2]![1]).toBe('(missing or null)');
    expect(rows[2]![2]).toContain('"cameraId": "cam2"');
    expect(await diff.locator('td.missing').count()).toBe(1);
    await page.screenshot({ path: join(SCREENSHOTS, 'mismatch.png'), fullPage: true });
  });

  it('fits a phone: no horizontal scrolling on the overview and a field page', async () => {
    const phone = await browser.newPage({ viewport: { width: 390, height: 844 } });
    try {
      // The token lives in the tab's session storage: a new tab asks again.
      await phone.goto(`${server.url}/console`);
      await phone.getByLabel('Token', { exact: true }).fill(TOKEN);
      await phone.getByLabel('Token', { exact: true }).press('Enter');
      await phone.getByRole('heading', { name: 'Migrated fields' }).waitFor();
      const overflow = () =>
        phone.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      expect(await overflow()).toBeLessThanOrEqual(0);
      await phone.waitForTimeout(2500);
      await phone.screenshot({ path: join(SCREENSHOTS, 'phone-overview.png') });
      await phone.goto(`${server.url}/console#/field/${encodeURIComponent(FLAG)}`);
      await phone.getByRole('heading', { level: 1, name: FLAG }).waitFor();
      await phone.locator('.chart canvas').first().waitFor();
      expect(await overflow()).toBeLessThanOrEqual(0);
      await phone.goto(`${server.url}/console#/mismatches/${encodeURIComponent(FLAG)}`);
      await phone.locator('table.side-by-side').waitFor();
      expect(await overflow()).toBeLessThanOrEqual(0);
    } finally {
      await phone.close();
    }
  });

  it('kills every flag with one button and a reason: every field is answered by legacy', async () => {
    for (const flag of ROLLOUT_FLAGS) {
      const { version } = await state(a, flag);
      await gql(
        a,
        `mutation($f: String!, $v: Int) { setRolloutPercentage(flag: $f, percent: 100, reason: "all in", expectedVersion: $v) { __typename } }`,
        { f: flag, v: version },
        OPERATOR,
      );
    }
    await until('every flag at 100 % on the second gateway', async () => {
      const all = (await gql(b, '{ rollouts { servingPercent } }', {}, OPERATOR)).body.data
        .rollouts;
      return all.every((r: { servingPercent: number }) => r.servingPercent === 100)
        ? true
        : undefined;
    });
    const before = await gql(b, READS, {}, { 'x-rollout-key': 'someone' });
    for (const flag of READ_FLAGS) expect(before.body.extensions.rollout[flag].path).toBe('domain');

    await page.goto(`${server.url}/console`);
    await page.getByRole('button', { name: 'Kill all…' }).click();
    await dialog()
      .getByLabel('Reason (recorded in the change log)')
      .fill('console: stop everything');
    await dialog().getByRole('button', { name: 'Kill all' }).click();
    await expect
      .poll(() => notice().textContent())
      .toContain(`Killed ${ROLLOUT_FLAGS.length} flags`);

    for (const gateway of [a, b]) {
      await until('every flag killed', async () => {
        const all = (await gql(gateway, '{ rollouts { servingMode } }', {}, OPERATOR)).body.data
          .rollouts;
        return all.every((r: { servingMode: string }) => r.servingMode === 'KILLED')
          ? true
          : undefined;
      });
      const after = await gql(gateway, READS, {}, { 'x-rollout-key': 'someone' });
      for (const flag of READ_FLAGS) {
        expect(after.body.extensions.rollout[flag]).toMatchObject({
          path: 'legacy',
          reason: 'killed',
        });
      }
      const rest = await gateway.fetch('http://gateway/api/v1/events/recent?limit=1');
      expect(rest.headers.get('x-rollout-path')).toBe('legacy');
      expect(rest.headers.get('x-rollout-reason')).toBe('killed');
    }
    await expect
      .poll(() => page.locator('td[data-label="Mode"]').allTextContents())
      .toEqual(coordinates.map(() => 'killed'));
    const log = await gql(a, '{ rolloutChanges(limit: 100) { action reason by } }', {}, OPERATOR);
    const kills = log.body.data.rolloutChanges.filter(
      (c: { action: string }) => c.action === 'kill',
    );
    expect(kills).toHaveLength(ROLLOUT_FLAGS.length);
    expect(new Set(kills.map((c: { reason: string }) => c.reason))).toEqual(
      new Set(['console: stop everything']),
    );
  });
});
