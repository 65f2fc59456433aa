// The rollout CLI against a gateway listening on a real port, as an operator would run it.
import { execFile } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import { runRolloutCli } from '../../src/cli/rollout.js';
import type { EventSource } from '../../src/domain/types.js';
import { EventRepository } from '../../src/repositories/event-repository.js';
import { insertMismatch } from '../../src/rollout/pg-guard.js';
import { buildApp, tempLogPath, writeLog } from '../helpers/app.js';
import { describeEachDb } from '../helpers/db.js';

const FLAG = 'events.recent';
const TOKEN = 'operator-token-0123456789';
const apiTokens = [{ name: 'ops', token: TOKEN, scopes: ['rollout:admin' as const] }];

describeEachDb('rollout CLI', (db) => {
  let server: Server;
  let app: ReturnType<typeof buildApp>;
  let url: string;
  /** The domain path of events.recent throws from this percentage on (the induced failure). */
  let failFrom = Number.POSITIVE_INFINITY;

  beforeAll(async () => {
    const real = new EventRepository(db().db);
    const domain: EventSource = {
      recentEvents: async (query) => {
        if (app.rolloutState.get(FLAG).percent >= failFrom)
          throw new Error('induced domain failure');
        return real.recentEvents(query);
      },
    } as EventSource;
    const eventLogPath = await tempLogPath();
    await writeLog(eventLogPath, []);
    // A generous domain budget: a slow CI machine must not turn into a timeout fallback here.
    const config = { apiTokens, eventLogPath, domainTimeoutMs: 20_000 };
    app = buildApp(db(), { config, services: { events: { domain } } });
    await app.rolloutReady;
    server = createServer(app);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await new Promise((resolve) => server?.close(resolve));
    await app?.close();
  });

  beforeEach(async () => {
    failFrom = Number.POSITIVE_INFINITY;
    await cli('resume', FLAG, '--reason', 'test reset');
    await cli('set', FLAG, '0', '--reason', 'test reset');
  });

  async function cli(...argv: string[]) {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runRolloutCli([...argv, '--url', url], {
      out: (l) => out.push(l),
      err: (l) => err.push(l),
      env: { ROLLOUT_TOKEN: TOKEN },
    });
    return { code, out: out.join('\n'), err: err.join('\n') };
  }

  it('walks the whole schedule to 100% when every step verifies', async () => {
    const run = await cli('run', FLAG, '--steps', '5,10,25,50,100', '--hold', '20ms');
    expect(run.err).toBe('');
    expect(run.code).toBe(0);
    expect(run.out).toContain('reached 100%');
    expect(run.out).not.toContain('FAIL');
    const status = await cli('status', FLAG);
    expect(status.out).toContain(`${FLAG}: 100% active, step 5/5 of [5, 10, 25, 50, 100]`);
  });

  it('stops at the step whose verification fails and restores the step before it', async () => {
    failFrom = 25;
    const run = await cli('run', FLAG, '--steps', '5,10,25,50,100', '--hold', '20ms');
    expect(run.code).toBe(1);
    expect(run.out).toMatch(
      /FAIL {2}GET \/api\/v1\/events\/recent\?limit=5 \[forced domain\] +200 .*served by legacy/,
    );
    expect(run.out).toMatch(/FAIL {2}GraphQL recentEvents \[forced domain\] .*fallback to legacy/);
    expect(run.out).toContain('verification failed at 25%; restoring 10%');
    expect(app.rolloutState.get(FLAG)).toMatchObject({ percent: 10, mode: 'active' });
    const history = await cli('history', FLAG, '--limit', '4');
    expect(history.out.split('\n').map((l) => l.split('  ')[3])).toEqual([
      'set',
      'set',
      'set',
      'set',
    ]);
    expect(history.out.split('\n')[0]).toContain('25% active -> 10% active');
  });

  it('verifies every endpoint and exits non-zero when one falls back', async () => {
    const ok = await cli('verify');
    expect(ok.code).toBe(0);
    expect(ok.out).toContain('verify: all 8 checks passed');
    failFrom = 0;
    const failing = await cli('verify', FLAG);
    expect(failing.code).toBe(1);
    expect(failing.out).toContain('verify: 2 of 4 checks failed');
    const unchecked = await cli('verify', 'violations.updateStatus');
    expect(unchecked.code).toBe(1);
    expect(unchecked.out).toContain('no read checks for violations.updateStatus');
  });

  it('sets and kills with a reason, will not promote a killed rollout, and shows the history', async () => {
    expect((await cli('set', FLAG, '12.5', '--reason', 'canary')).out).toContain(
      '0% active -> 12.5% active',
    );
    expect((await cli('kill', FLAG, '--reason', 'incident 42')).code).toBe(0);
    expect(app.rolloutState.get(FLAG)).toMatchObject({ percent: 12.5, mode: 'killed' });
    expect((await cli('promote', FLAG, '--reason', 'x')).err).toContain('killed');
    const history = await cli('history', FLAG, '--limit', '2');
    expect(history.out).toMatch(
      /kill {2}12\.5% active -> 12\.5% killed {2}by ops {2}"incident 42"/,
    );
  });

  it('sets a shadow share and a guard, shows them in status, and prints stored mismatches', async () => {
    expect((await cli('shadow', FLAG, '50', '--reason', 'compare')).out).toContain(
      `${FLAG}: shadow applied`,
    );
    const guard = await cli(
      'guard',
      FLAG,
      '--steps',
      '10,50,100',
      '--hold',
      '30s',
      '--min-requests',
      '200',
      '--max-error-rate',
      '0.01',
      '--max-mismatch-rate',
      '0.01',
      '--max-p99-ratio',
      '2',
      '--on-breach',
      'kill',
      '--reason',
      'guarded',
    );
    expect(guard.err).toBe('');
    expect(guard.out).toContain(`${FLAG}: guard applied`);
    const status = await cli('status', FLAG);
    expect(status.out).toContain('shadow 50%; breaker closed');
    expect(status.out).toContain(
      'guard: steps [10, 50, 100], hold 30s, min 200 requests / 200 comparisons, on breach kill',
    );
    expect(status.out).toContain(
      'next: hold: waiting for evidence at 0%: 0/200 domain requests, 0/200 comparisons',
    );
    expect((await cli('mismatches', FLAG)).out).toBe(`${FLAG}: no mismatches stored`);
    await insertMismatch(
      db().db,
      {
        flag: FLAG,
        version: 1,
        args: { limit: 3 },
        keyHash: 'abcdef0123456789',
        primaryPath: 'legacy',
        primaryMs: 1.5,
        shadowMs: 2.25,
        diff: [{ path: '0.type', primary: 'A', shadow: 'B' }],
      },
      10,
    );
    const listed = await cli('mismatches', FLAG, '--limit', '1');
    expect(listed.out).toMatch(
      /^#\d+ .* v1 key abcdef0123456789 args \{"limit":3\} {2}legacy 1\.5 ms, domain 2\.3 ms, 1 paths differ\n {4}0\.type: legacy "A" {2}domain "B"$/,
    );
    expect((await cli('guard', FLAG, '--off', '--reason', 'done')).out).toContain(
      'unguard applied',
    );
    expect((await cli('status', FLAG)).out).toContain('guard: none');
    const bad = await cli(
      'guard',
      FLAG,
      '--steps',
      '10',
      '--min-requests',
      '5',
      '--max-error-rate',
      '2',
      '--reason',
      'x',
    );
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('max error rate must be in [0, 1)');
    await cli('shadow', FLAG, '0', '--reason', 'test reset');
  });

  it('refuses a change from a stale version with a conflict, and a change without a reason', async () => {
    const stale = await cli('set', FLAG, '30', '--reason', 'late', '--expect-version', '1');
    expect(stale.code).toBe(1);
    expect(stale.err).toContain('conflict');
    const noReason = await cli('set', FLAG, '30');
    expect(noReason.code).toBe(2);
    expect(noReason.err).toContain('--reason is required');
  });

  it('tells an operator without a token to set ROLLOUT_TOKEN', async () => {
    const err: string[] = [];
    const code = await runRolloutCli(['status', '--url', url], {
      out: () => {},
      err: (l) => err.push(l),
      env: {},
    });
    expect(code).toBe(2);
    expect(err.join('')).toContain('UNAUTHENTICATED');
    expect(err.join('')).toContain('set ROLLOUT_TOKEN');
  });

  it('runs as `npm run rollout` in its own process', async () => {
    const { stdout } = await promisify(execFile)(
      'npm',
      ['run', '--silent', 'rollout', '--', 'status', FLAG, '--url', url],
      {
        env: { ...process.env, ROLLOUT_TOKEN: TOKEN },
      },
    );
    expect(stdout).toContain(`${FLAG}: 0% active`);
  });
});
