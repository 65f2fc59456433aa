// Two gateway replicas on one database: exactly one holds the controller lease, the evidence of
// both is summed, and when the controller dies the other takes over within the lease time and
// goes on promoting.
import { writeFile } from 'node:fs/promises';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type DatabaseHandle, openDatabase } from '../../src/db/client.js';
import { seedReference } from '../../src/demo/seed.js';
import { createIngester } from '../../src/ingest/ingester.js';
import { logText } from '../fixtures/legacy-log.js';
import { buildApp, gql, tempLogPath } from '../helpers/app.js';
import { describeEachDb } from '../helpers/db.js';

const FLAG = 'events.recent';
const LEASE_MS = 600;
const TICK_MS = 50;

describeEachDb('guard controller on two replicas', (db, kind) => {
  let a: ReturnType<typeof buildApp>;
  let b: ReturnType<typeof buildApp>;
  let second: DatabaseHandle | undefined;
  let key = 0;

  beforeAll(async () => {
    const logPath = await tempLogPath();
    await writeFile(logPath, logText());
    await seedReference(db());
    await createIngester({ handle: db(), logPath }).runOnce();
    // On PostgreSQL each replica has its own pool, as two processes would.
    second =
      kind === 'postgres'
        ? await openDatabase({ url: databaseUrlOf(db()), poolMax: 5 })
        : undefined;
    const config = {
      eventLogPath: logPath,
      guard: { enabled: true, tickMs: TICK_MS, publishMs: TICK_MS, leaseMs: LEASE_MS },
      shadow: { maxConcurrent: 64, timeoutMs: 5000, noisePercent: 0, keep: 10 },
    };
    a = buildApp(db(), { config, proving: { replica: 'replica-a' } });
    b = buildApp(second ?? db(), { config, proving: { replica: 'replica-b' } });
    await Promise.all([a.rolloutReady, b.rolloutReady]);
  });

  afterAll(async () => {
    await Promise.all([a?.close(), b?.close()]);
    await second?.close();
  });

  const leaders = () => [a, b].filter((app) => app.proving.controller.isLeader);

  async function waitFor(check: () => boolean, ms: number): Promise<number> {
    const started = Date.now();
    while (!check()) {
      if (Date.now() - started > ms) throw new Error(`not within ${ms} ms`);
      await new Promise((r) => setTimeout(r, 10));
    }
    return Date.now() - started;
  }

  /** `n` reads from new callers, alternating between the replicas (or all to `only`). */
  async function traffic(n: number, only?: typeof a) {
    for (let i = 0; i < n; i++) {
      const app = only ?? (i % 2 === 0 ? a : b);
      const answer = await gql(
        app,
        '{ recentEvents(limit: 3) { ts } }',
        {},
        { 'x-rollout-key': `r-${key++}` },
      );
      expect(answer.status).toBe(200);
    }
    await Promise.all([a.proving.settled(), b.proving.settled()]);
  }

  const mutate = async (query: string, variables: Record<string, unknown> = {}) => {
    const answer = await gql(a, query, variables);
    expect(answer.body.errors).toBeUndefined();
  };

  it('has one controller, sums both replicas, and a survivor takes over when it dies', async () => {
    await waitFor(() => leaders().length === 1, 5000);
    await mutate(
      `mutation { setRolloutShadow(flag: "${FLAG}", percent: 100, reason: "replicas") { __typename } }`,
    );
    await mutate(
      `mutation ($g: RolloutGuardInput!) { setRolloutGuard(flag: "${FLAG}", guard: $g, reason: "replicas") { __typename } }`,
      { g: { steps: [10, 50, 100], holdSeconds: 30, minRequests: 10, maxMismatchRate: 0.05 } },
    );
    // Evidence counts per version: both replicas must route by the new one (NOTIFY) first.
    const version = () => a.rolloutState.meta?.(FLAG)?.version;
    await waitFor(() => b.rolloutState.meta?.(FLAG)?.version === version(), 5000);
    await traffic(20);
    await Promise.all([a.proving.controller.publish(), b.proving.controller.publish()]);
    const status = await gql(
      b,
      `{ rollouts(flag: "${FLAG}") { evidence { replicas domainRequests comparisons } guard { controller { holder thisReplica } } } }`,
    );
    const rollout = status.body.data.rollouts[0];
    expect(rollout.evidence).toEqual({ replicas: 2, domainRequests: 20, comparisons: 20 });
    const leader = leaders()[0]!;
    const survivor = leader === a ? b : a;
    expect(rollout.guard.controller.holder).toBe(leader === a ? 'replica-a' : 'replica-b');
    expect(leaders()).toHaveLength(1);

    // The controller dies without giving the lease up; the survivor waits out the lease.
    await leader.proving.controller.stop({ release: false });
    const takeover = await waitFor(
      () => survivor.proving.controller.isLeader,
      LEASE_MS + 20 * TICK_MS,
    );
    console.info(`controller takeover after ${takeover} ms (lease ${LEASE_MS} ms)`);
    // The survivor promotes: a short hold now, and its own traffic.
    await mutate(
      `mutation ($g: RolloutGuardInput!) { setRolloutGuard(flag: "${FLAG}", guard: $g, reason: "replicas") { __typename } }`,
      { g: { steps: [10, 50, 100], holdSeconds: 0.1, minRequests: 10, maxMismatchRate: 0.05 } },
    );
    const started = Date.now();
    while (survivor.rolloutState.get(FLAG).percent < 10) {
      if (Date.now() - started > 15_000) throw new Error('the survivor did not promote');
      await traffic(10, survivor);
    }
    const changes = await gql(
      survivor,
      `{ rolloutChanges(flag: "${FLAG}", limit: 1) { by action toPercent } }`,
    );
    expect(changes.body.data.rolloutChanges[0]).toEqual({
      by: 'guard',
      action: 'promote',
      toPercent: 10,
    });
  });
});

function databaseUrlOf(handle: DatabaseHandle): string {
  const o = handle.sql!.options as unknown as {
    host: string[];
    port: number[];
    user: string;
    database: string;
  };
  return `postgres://${o.user}@${o.host[0]}:${o.port[0]}/${o.database}`;
}
