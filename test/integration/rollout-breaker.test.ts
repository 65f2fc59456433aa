// The domain path's circuit breaker: it opens under failures, serves domain-bucket callers from
// legacy with reason breaker_open (GraphQL and REST), shows in /ready and the admin API, probes
// after its cool-down and closes on success. And a read past its time budget is cancelled in
// PostgreSQL, not merely abandoned.
import { writeFile } from 'node:fs/promises';
import { afterEach, beforeAll, expect, it } from 'vitest';
import type { EventSource } from '../../src/domain/types.js';
import { EventRepository } from '../../src/repositories/event-repository.js';
import { StaticRolloutState } from '../doubles/static-rollout-state.js';
import { logText } from '../fixtures/legacy-log.js';
import { buildApp, gql, tempLogPath } from '../helpers/app.js';
import { describeEachDb } from '../helpers/db.js';

const FLAG = 'events.recent';
const RECENT = '{ recentEvents(limit: 2) { ts } }';
const COOL_DOWN_MS = 300;

describeEachDb('domain-path circuit breaker', (db, kind) => {
  let logPath: string;
  let app: ReturnType<typeof buildApp> | undefined;

  beforeAll(async () => {
    logPath = await tempLogPath();
    await writeFile(logPath, logText());
  });

  afterEach(async () => {
    await app?.close();
  });

  it('opens under failures, sends domain callers to legacy, and closes after recovery', async () => {
    let failing = true;
    const real = new EventRepository(db().db);
    const domain: EventSource = {
      recentEvents: async (q, o) => {
        if (failing) throw new Error('injected domain failure');
        return real.recentEvents(q, o);
      },
    };
    app = buildApp(db(), {
      config: {
        eventLogPath: logPath,
        breaker: { threshold: 0.5, window: 10, minimumCalls: 4, halfOpenAfterMs: COOL_DOWN_MS },
      },
      services: { events: { domain } },
    });
    await app.rolloutReady;
    const set = await gql(
      app,
      `mutation { setRolloutPercentage(flag: "${FLAG}", percent: 100, reason: "breaker test") { __typename } }`,
    );
    expect(set.body.data.setRolloutPercentage.__typename).toBe('RolloutChanged');
    const ask = () => gql(app!, RECENT, {}, { 'x-rollout-key': 'k' });
    const reasons: string[] = [];
    for (let i = 0; i < 6; i++) {
      const answer = await ask();
      expect(answer.body.errors).toBeUndefined();
      reasons.push(
        `${answer.body.extensions.rollout[FLAG].reason}:${answer.body.extensions.rollout[FLAG].fallback}`,
      );
    }
    // Four failures (each answered by legacy as a fallback) open it; then no domain attempt.
    expect(reasons).toEqual([
      'bucket:true',
      'bucket:true',
      'bucket:true',
      'bucket:true',
      'breaker_open:false',
      'breaker_open:false',
    ]);
    const rest = await app.fetch('http://gateway/api/v1/events/recent?limit=1', {
      headers: { 'x-rollout-key': 'k' },
    });
    expect(rest.headers.get('x-rollout-reason')).toBe('breaker_open');
    expect(rest.headers.get('x-rollout-path')).toBe('legacy');
    const ready = await app.fetch('http://gateway/ready');
    expect(ready.status).toBe(200);
    expect((await ready.json()).breakers).toEqual([
      { flag: FLAG, state: 'open', since: expect.any(String) },
    ]);
    const status = await gql(app, `{ rollouts(flag: "${FLAG}") { breaker { state since } } }`);
    expect(status.body.data.rollouts[0].breaker.state).toBe('OPEN');
    const metrics = await (await app.fetch('http://gateway/metrics')).text();
    expect(metrics).toContain(`gateway_breaker_state{flag="${FLAG}",state="open"} 1`);

    // Recovered: after the cool-down one probe goes through, succeeds, and closes it.
    failing = false;
    await new Promise((r) => setTimeout(r, COOL_DOWN_MS + 50));
    const probe = await ask();
    expect(probe.body.extensions.rollout[FLAG]).toMatchObject({ path: 'domain', reason: 'bucket' });
    expect((await ask()).body.extensions.rollout[FLAG].path).toBe('domain');
    const after = await (await app.fetch('http://gateway/metrics')).text();
    expect(after).toContain(`gateway_breaker_state{flag="${FLAG}",state="closed"} 1`);
  });

  it.skipIf(kind !== 'postgres')(
    'cancels a domain read past its time budget in PostgreSQL',
    async () => {
      // An exclusive lock makes the domain query wait; the budget runs out while it waits.
      const locker = db().sql!;
      app = buildApp(db(), {
        config: { eventLogPath: logPath, domainTimeoutMs: 200 },
        rolloutState: new StaticRolloutState({ [FLAG]: 100 }),
      });
      const waiting = () =>
        locker<{ n: number }[]>`select count(*)::int as n from pg_stat_activity
          where datname = current_database() and state = 'active' and query like '%from "events"%'
            and pid <> pg_backend_pid()`;
      await locker.begin(async (tx) => {
        await tx`lock table events in access exclusive mode`;
        const answer = await gql(app!, RECENT, {}, { 'x-rollout-key': 'k' });
        expect(answer.body.extensions.rollout[FLAG]).toMatchObject({
          path: 'legacy',
          fallback: true,
          fallbackCause: 'timeout',
        });
        // The cancelled query is gone while the lock is still held: nothing waits on it.
        let n = 1;
        for (let i = 0; i < 50 && n > 0; i++) {
          n = (await waiting())[0]!.n;
          if (n > 0) await new Promise((r) => setTimeout(r, 20));
        }
        expect(n).toBe(0);
      });
    },
  );

  it.skipIf(kind !== 'postgres')(
    'without a signal the same read would still be waiting (the check above can fail)',
    async () => {
      const locker = db().sql!;
      await locker.begin(async (tx) => {
        await tx`lock table events in access exclusive mode`;
        const repo = new EventRepository(db().db);
        const read = repo.recentEvents({ limit: 1, since: new Date(0) });
        read.catch(() => {});
        await new Promise((r) => setTimeout(r, 200));
        const [row] = await locker<{ n: number }[]>`select count(*)::int as n from pg_stat_activity
          where datname = current_database() and state = 'active' and query like '%from "events"%'
            and pid <> pg_backend_pid()`;
        expect(row!.n).toBe(1);
      });
    },
  );
});
