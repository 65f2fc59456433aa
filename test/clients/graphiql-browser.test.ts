// GraphiQL in a real browser (Debian's chromium through playwright-core; nothing downloads a
// browser): the first load is compressed (under 3 MB on the wire) and a reload is a 304 of under
// 1 KB. Prints the measured sizes and times. Skipped when /usr/bin/chromium is missing
// (.ci/run installs it).
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Response } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StaticRolloutState } from '../doubles/static-rollout-state.js';
import { buildApp } from '../helpers/app.js';
import { CHROMIUM, CHROMIUM_FLAGS } from '../helpers/chromium.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { listen, type RunningServer } from '../helpers/running-app.js';

describe.skipIf(!existsSync(CHROMIUM))('GraphiQL in Chromium', () => {
  let test: TestDatabase;
  let app: ReturnType<typeof buildApp>;
  let server: RunningServer;

  beforeAll(async () => {
    test = await createTestDatabase('pglite');
    app = buildApp(test.handle, { rolloutState: new StaticRolloutState({}) });
    server = await listen(app);
  });

  afterAll(async () => {
    await server.stop();
    await app.close();
    await test.drop();
  });

  it('loads compressed under 3 MB and reloads as a 304 under 1 KB', async () => {
    // A profile on disk, as a user's browser has: an in-memory (incognito) cache does not keep
    // a 2 MB response, so nothing would be revalidated.
    const profile = await mkdtemp(join(tmpdir(), 'gw-chromium-'));
    const browser = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      args: CHROMIUM_FLAGS,
    });
    try {
      const page = browser.pages()[0] ?? (await browser.newPage());
      const url = `${server.url}/graphql`;
      const load = async (go: () => Promise<Response | null>) => {
        const started = performance.now();
        const response = await go();
        await page.waitForSelector('.graphiql-container', { timeout: 30_000 });
        const ms = Math.round(performance.now() - started);
        const sizes = await response!.request().sizes();
        return {
          status: response!.status(),
          encoding: (await response!.allHeaders())['content-encoding'],
          bytes: sizes.responseBodySize + sizes.responseHeadersSize,
          ms,
        };
      };
      const first = await load(() => page.goto(url));
      const reload = await load(() => page.reload());
      console.log(
        `GraphiQL first load: ${first.status} ${first.encoding} ${first.bytes} bytes in ${first.ms} ms; ` +
          `reload: ${reload.bytes} bytes in ${reload.ms} ms`,
      );
      expect(first).toMatchObject({ status: 200, encoding: 'br' });
      expect(first.bytes).toBeLessThan(3_000_000);
      // Chromium shows the page a revalidated copy as 200; the server answered 304.
      const answers = await app.metrics.registry.getSingleMetricAsString(
        'gateway_http_requests_total',
      );
      expect(answers).toContain('route="/graphql",method="GET",status="304"} 1');
      expect(reload.bytes).toBeLessThan(1024);
    } finally {
      await browser.close();
      await rm(profile, { recursive: true, force: true });
    }
  }, 120_000);
});
