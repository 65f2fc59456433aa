// Guarded rollouts end to end on one gateway: shadow comparison (real mismatches, noise), the
// mismatch store, and the guard promoting a correct domain path step by step to 100% and
// rolling back a wrong one, with its evidence in the change log.
import { createHash } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { afterEach, beforeAll, beforeEach, expect, it } from 'vitest';
import { seedReference } from '../../src/demo/seed.js';
import type { EventRecord, EventSource } from '../../src/domain/types.js';
import { createIngester } from '../../src/ingest/ingester.js';
import { LegacyEventLog } from '../../src/legacy/event-log.js';
import { EventRepository } from '../../src/repositories/event-repository.js';
import { logText } from '../fixtures/legacy-log.js';
import { buildApp, gql, tempLogPath } from '../helpers/app.js';
import { describeEachDb } from '../helpers/db.js';

const FLAG = 'events.recent';
const RECENT = 'query ($limit: Int) { recentEvents(limit: $limit) { ts type cameraId } }';
const FAST_GUARD = { enabled: true, tickMs: 40, publishMs: 40, leaseMs: 2000 };

type App = ReturnType<typeof buildApp>;

describeEachDb('guarded rollouts', (db) => {
  let logPath: string;
  let app: App | undefined;
  let key = 0;

  beforeAll(async () => {
    logPath = await tempLogPath();
    await writeFile(logPath, logText());
    await seedReference(db());
    await createIngester({ handle: db(), logPath }).runOnce();
  });

  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  /** A gateway whose events.recent domain path is `domain` (default: the real repository). */
  async function gateway(domain?: (real: EventSource) => EventSource, legacy?: EventSource) {
    const real = new EventRepository(db().db);
    const services = {
      events: {
        ...(domain ? { domain: domain(real) } : {}),
        ...(legacy ? { legacy } : {}),
      },
    };
    app = buildApp(db(), {
      config: {
        eventLogPath: logPath,
        guard: FAST_GUARD,
        shadow: { maxConcurrent: 64, timeoutMs: 5000, noisePercent: 0, keep: 5 },
      },
      services,
    });
    await app.rolloutReady;
    return app;
  }

  const admin = async (gw: App, query: string, variables: Record<string, unknown> = {}) => {
    const answer = await gql(gw, query, variables);
    expect(answer.body.errors).toBeUndefined();
    return answer.body.data;
  };

  beforeEach(async () => {
    const gw = await gateway();
    await admin(
      gw,
      `mutation { removeRolloutGuard(flag: "${FLAG}", reason: "reset") { __typename } }`,
    );
    await admin(gw, `mutation { resumeRollout(flag: "${FLAG}", reason: "reset") { __typename } }`);
    await setPercentages(gw, { percent: 0, shadow: 0 }, 'reset');
    await gw.close();
    app = undefined;
  });

  /** Sets the flag's rollout and shadow percentages (an operator's two mutations). */
  async function setPercentages(gw: App, to: { percent: number; shadow: number }, reason: string) {
    await admin(
      gw,
      `mutation { setRolloutPercentage(flag: "${FLAG}", percent: ${to.percent}, reason: "${reason}") { __typename } }`,
    );
    await admin(
      gw,
      `mutation { setRolloutShadow(flag: "${FLAG}", percent: ${to.shadow}, reason: "${reason}") { __typename } }`,
    );
  }

  /** Sends `n` reads from new callers; resolves when their shadow work is done. */
  async function traffic(gw: App, n: number, limit = (i: number) => 1 + (i % 5)) {
    const answers = [];
    for (let i = 0; i < n; i++) {
      const answer = await gql(
        gw,
        RECENT,
        { limit: limit(i) },
        { 'x-rollout-key': `caller-${key++}` },
      );
      expect(answer.status).toBe(200);
      answers.push(answer);
    }
    await gw.proving.settled();
    return answers;
  }

  async function until(gw: App, done: () => boolean | Promise<boolean>, timeoutMs = 20_000) {
    const started = Date.now();
    while (!(await done())) {
      if (Date.now() - started > timeoutMs) throw new Error('not within the time limit');
      await traffic(gw, 10);
    }
  }

  const history = async (gw: App) =>
    (
      await admin(
        gw,
        `{ rolloutChanges(flag: "${FLAG}", limit: 20) { by action fromPercent toPercent toMode reason detail } }`,
      )
    ).rolloutChanges as {
      by: string;
      action: string;
      fromPercent: number;
      toPercent: number;
      toMode: string;
      reason: string;
      detail: { evidence?: { comparisons: number; mismatches: number } };
    }[];

  const guardInput = (extra: Record<string, unknown> = {}) => ({
    steps: [10, 50, 100],
    holdSeconds: 0.2,
    minRequests: 20,
    maxErrorRate: 0.01,
    maxMismatchRate: 0.05,
    ...extra,
  });
  const SET_GUARD = `mutation ($guard: RolloutGuardInput!) {
    setRolloutGuard(flag: "${FLAG}", guard: $guard, reason: "guarded test") {
      __typename ... on RolloutChanged { change { action } } } }`;

  it('promotes a correct domain path from 0% through every step to 100% with nobody involved', async () => {
    const gw = await gateway();
    await admin(
      gw,
      `mutation { setRolloutShadow(flag: "${FLAG}", percent: 100, reason: "evidence at 0%") { __typename } }`,
    );
    const set = await admin(gw, SET_GUARD, { guard: guardInput() });
    expect(set.setRolloutGuard.change.action).toBe('GUARD'.toLowerCase());
    await until(gw, () => gw.rolloutState.get(FLAG).percent === 100);
    const changes = (await history(gw)).filter((c) => c.by === 'guard');
    expect(changes.map((c) => [c.action, c.fromPercent, c.toPercent, c.toMode])).toEqual([
      ['promote', 50, 100, 'ACTIVE'],
      ['promote', 10, 50, 'ACTIVE'],
      ['promote', 0, 10, 'ACTIVE'],
    ]);
    for (const c of changes) {
      expect(c.reason).toMatch(
        /every gate held for [\d.]+s at \d+%: domain error rate 0 <= 0.01 over \d+ domain requests/,
      );
      expect(c.reason).toMatch(/real mismatch rate 0 <= 0.05 over \d+ comparisons/);
      expect(c.detail.evidence!.comparisons).toBeGreaterThanOrEqual(20);
    }
    // At 100% the guard keeps watching: its next decision is stated, not taken.
    const status = await admin(
      gw,
      `{ rollouts(flag: "${FLAG}") { evidence { decision { action reason } } } }`,
    );
    await traffic(gw, 25);
    await gw.proving.controller.publish();
    const later = await admin(
      gw,
      `{ rollouts(flag: "${FLAG}") { evidence { comparisons mismatches decision { action reason } } } }`,
    );
    expect(status.rollouts[0].evidence.decision.action).toMatch(/hold/);
    expect(later.rollouts[0].evidence.decision).toEqual({
      action: 'hold',
      reason: 'at the last step (100%): watching',
    });
  });

  it('finds a domain path wrong on some inputs, keeps answering with the primary path, and rolls back', async () => {
    // Wrong whenever the limit is odd: the first event's type is not what was logged.
    const gw = await gateway((real) => ({
      recentEvents: async (query, options) => {
        const events = await real.recentEvents(query, options);
        if (query.limit % 2 === 0) return events;
        return events.map((e, i) => (i === 0 ? ({ ...e, type: 'WRONG' } as EventRecord) : e));
      },
    }));
    await setPercentages(gw, { percent: 50, shadow: 100 }, 'half / compare');
    const answers = await traffic(gw, 10, () => 1);
    // Each caller got the answer of the path that served it, never the shadow's.
    for (const a of answers) {
      const path = a.body.extensions.rollout[FLAG].path;
      expect(a.body.data.recentEvents[0].type).toBe(
        path === 'domain' ? 'WRONG' : 'NO_HAIRNET_AT_SINK',
      );
    }
    expect(new Set(answers.map((a) => a.body.extensions.rollout[FLAG].path))).toEqual(
      new Set(['domain', 'legacy']),
    );
    await admin(gw, SET_GUARD, { guard: guardInput() });
    await until(gw, () => gw.rolloutState.get(FLAG).mode === 'paused');
    // The first rollback: back to the previous step, paused. (Evidence gathered there that
    // still fails rolls it back further, to 0%.)
    const rollback = (await history(gw)).find((c) => c.by === 'guard' && c.fromPercent === 50);
    expect(rollback).toMatchObject({
      action: 'rollback',
      fromPercent: 50,
      toPercent: 10,
      toMode: 'PAUSED',
    });
    expect(rollback!.reason).toMatch(
      /^real mismatch rate 0\.\d+ > 0\.05 over \d+ comparisons at 50%$/,
    );
    expect(rollback!.detail.evidence!.mismatches).toBeGreaterThan(0);
    // A paused flag is never promoted again by the guard, even on good evidence.
    const after = gw.rolloutState.get(FLAG).percent;
    expect(after).toBeLessThanOrEqual(10);
    await traffic(gw, 30, () => 2);
    await new Promise((r) => setTimeout(r, 300));
    expect(gw.rolloutState.get(FLAG).mode).toBe('paused');
    expect(gw.rolloutState.get(FLAG).percent).toBeLessThanOrEqual(after);
    const latest = (await history(gw)).filter((c) => c.by === 'guard');
    expect(
      latest
        .slice(
          0,
          latest.findIndex((c) => c.action === 'rollback' && c.fromPercent === 50),
        )
        .map((c) => c.action),
    ).not.toContain('promote');

    const mismatches = await admin(
      gw,
      `{ rolloutMismatches(flag: "${FLAG}", first: 100) { args keyHash primaryPath primaryMs shadowMs diff { path primary shadow } } }`,
    );
    const list = mismatches.rolloutMismatches;
    expect(list.length).toBe(5); // the store keeps the newest MISMATCH_KEEP of the flag
    // Each names its caller by the first 16 hex digits of the SHA-256 of its sticky key.
    const callers = new Set(
      Array.from({ length: key }, (_, i) =>
        createHash('sha256').update(`caller-${i}`).digest('hex').slice(0, 16),
      ),
    );
    for (const m of list) {
      expect(callers.has(m.keyHash)).toBe(true);
      expect(m.args).toEqual({ limit: expect.any(Number), minutes: 60 });
      expect(m.args.limit % 2).toBe(1);
      const [domainType, legacyType] =
        m.primaryPath === 'domain' ? ['primary', 'shadow'] : ['shadow', 'primary'];
      expect(m.diff).toEqual([
        { path: '0.type', [domainType]: 'WRONG', [legacyType]: 'NO_HAIRNET_AT_SINK' },
      ]);
    }
    const metrics = await (await gw.fetch('http://gateway/metrics')).text();
    expect(metrics).toMatch(
      /gateway_shadow_comparisons_total\{flag="events.recent",outcome="mismatch"\} [1-9]/,
    );
    expect(metrics).toMatch(
      /gateway_shadow_duration_seconds_count\{flag="events.recent",path="legacy"\} [1-9]/,
    );
  });

  it('compares a REST shim answer on the typed fields, though the shim prints only the lines', async () => {
    // Wrong on every read: the first event's type is not what was logged (its line is).
    const gw = await gateway((real) => ({
      recentEvents: async (query, options) =>
        (await real.recentEvents(query, options)).map((e, i) =>
          i === 0 ? ({ ...e, type: 'WRONG' } as EventRecord) : e,
        ),
    }));
    await setPercentages(gw, { percent: 100, shadow: 100 }, 'all / compare');
    for (let i = 0; i < 5; i++) {
      const response = await gw.fetch('http://gateway/api/v1/events/recent?limit=5&minutes=1440');
      expect(response.headers.get('x-rollout-path')).toBe('domain');
      expect(await response.text()).not.toContain('WRONG');
    }
    await gw.proving.settled();
    const metrics = await (await gw.fetch('http://gateway/metrics')).text();
    expect(metrics).toMatch(
      /gateway_shadow_comparisons_total\{flag="events.recent",outcome="mismatch"\} 5\b/,
    );
  });

  it('classifies a time-dependent difference as noise, not as a mismatch', async () => {
    // Both paths stamp each event with the moment they read it: two runs never agree.
    const stamp = (source: EventSource): EventSource => ({
      recentEvents: async (query, options) =>
        (await source.recentEvents(query, options)).map((e) => ({
          ...e,
          evidence: { ...(e.evidence as object), readAt: performance.now() },
        })),
    });
    const legacy = stamp(new LegacyEventLog(logPath));
    const gw = await gateway(stamp, legacy);
    await admin(
      gw,
      `mutation { setRolloutShadow(flag: "${FLAG}", percent: 100, reason: "noise") { __typename } }`,
    );
    await traffic(gw, 30);
    const metrics = await (await gw.fetch('http://gateway/metrics')).text();
    const count = (outcome: string) =>
      Number(
        new RegExp(
          `gateway_shadow_comparisons_total\\{flag="events.recent",outcome="${outcome}"\\} (\\d+)`,
        ).exec(metrics)?.[1] ?? 0,
      );
    expect(count('noise')).toBe(30);
    expect(count('mismatch')).toBe(0);
    await gw.proving.controller.publish();
    const status = await admin(
      gw,
      `{ rollouts(flag: "${FLAG}") { noisePaths evidence { comparisons noise mismatches noiseRate mismatchRate } } }`,
    );
    expect(status.rollouts[0].noisePaths).toEqual(['*.evidence.readAt']);
    expect(status.rollouts[0].evidence).toMatchObject({
      comparisons: 30,
      noise: 30,
      mismatches: 0,
      noiseRate: 1,
      mismatchRate: 0,
    });
  });
});
