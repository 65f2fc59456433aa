import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { buildApp, gql, tempLogPath, writeLog } from '../helpers/app.js';
import { describeEachDb } from '../helpers/db.js';

const FLAG = 'statistics.realtime';
const apiTokens = [
  { name: 'ops', token: 'operator-token-0123456789', scopes: ['rollout:admin' as const] },
  { name: 'writer', token: 'writer-token-0123456789', scopes: ['violations:write' as const] },
];
const OPERATOR = { authorization: 'Bearer operator-token-0123456789' };
const WRITER = { authorization: 'Bearer writer-token-0123456789' };

const ROLLOUTS = `query ($flag: String) { rollouts(flag: $flag) {
  flag percent mode steps step nextStep version updatedBy servingPercent servingMode
  recentChanges(limit: 3) { action by reason requestId toPercent version }
  counters { decisions { path reason count } fallbacks { cause count } latency { path count p95Seconds } } } }`;
const SET = `mutation ($percent: Float!, $reason: String!, $v: Int) {
  r: setRolloutPercentage(flag: "statistics.realtime", percent: $percent, reason: $reason, expectedVersion: $v) {
    __typename
    ... on RolloutChanged { rollout { percent version } change { version by } }
    ... on RolloutConflictError { message current { version percent } }
    ... on RolloutRejectedError { code } } }`;
const simple = (
  verb: string,
) => `mutation { r: ${verb}(flag: "statistics.realtime", reason: "why") {
  __typename ... on RolloutRejectedError { code message } ... on RolloutChanged { rollout { mode } } } }`;

describeEachDb('rollout admin API', (db) => {
  let lines: Record<string, unknown>[];
  let app: ReturnType<typeof buildApp>;

  beforeEach(async () => {
    lines = [];
    const sink = new Writable({
      write(chunk, _enc, done) {
        lines.push(JSON.parse(String(chunk)));
        done();
      },
    });
    const eventLogPath = await tempLogPath();
    await writeLog(eventLogPath, []);
    app = buildApp(db(), {
      logger: pino({ level: 'info' }, sink),
      config: { apiTokens, eventLogPath },
    });
    await app.rolloutReady;
  });

  afterEach(async () => {
    await app.close();
  });

  const version = async () =>
    (await gql(app, ROLLOUTS, { flag: FLAG }, OPERATOR)).body.data.rollouts[0].version;

  it('refuses an anonymous caller with 401 UNAUTHENTICATED and logs the attempt', async () => {
    const answer = await gql(app, ROLLOUTS, {}, { 'x-request-id': 'anon-1' });
    expect(answer.status).toBe(401);
    expect(answer.body.errors[0].extensions.code).toBe('UNAUTHENTICATED');
    expect(answer.body.data).toBeNull();
    expect(lines).toContainEqual(
      expect.objectContaining({
        msg: 'rollout: admin access refused',
        requestId: 'anon-1',
        principal: null,
        operation: 'rollouts',
      }),
    );
  });

  it('refuses a token without the rollout:admin scope with 403 FORBIDDEN, reads and writes alike', async () => {
    const before = await version();
    const read = await gql(app, ROLLOUTS, {}, WRITER);
    const write = await gql(
      app,
      SET,
      { percent: 90, reason: 'sneaky' },
      { ...WRITER, 'x-request-id': 'w-1' },
    );
    expect([read.status, write.status]).toEqual([403, 403]);
    expect(write.body.errors[0].extensions.code).toBe('FORBIDDEN');
    expect(await version()).toBe(before);
    expect(lines).toContainEqual(
      expect.objectContaining({
        level: 40,
        requestId: 'w-1',
        principal: 'writer',
        operation: 'setRolloutPercentage',
      }),
    );
  });

  it('shows an operator the state, its place in the schedule, recent changes and live counters', async () => {
    await gql(app, '{ realtimeStatistics { systemStatus } }', {}, { 'x-rollout-key': 'k' });
    const answer = await gql(app, ROLLOUTS, { flag: FLAG }, OPERATOR);
    const [rollout] = answer.body.data.rollouts;
    expect(rollout).toMatchObject({
      flag: FLAG,
      steps: [5, 10, 25, 50, 100],
      servingMode: 'ACTIVE',
    });
    expect(rollout.servingPercent).toBe(rollout.percent);
    expect(rollout.recentChanges.at(-1)).toMatchObject({ action: 'seed', by: 'env' });
    expect(
      rollout.counters.decisions.reduce((n: number, d: { count: number }) => n + d.count, 0),
    ).toBeGreaterThan(0);
    expect(rollout.counters.fallbacks).toContainEqual({ cause: 'error', count: 0 });
    expect(rollout.counters.latency[0]).toMatchObject({ count: expect.any(Number) });
    expect(rollout.counters.latency[0].count).toBeGreaterThan(0);
  });

  it('applies a change on this gateway at once and records the operator and request id', async () => {
    const answer = await gql(
      app,
      SET,
      { percent: 25, reason: 'phase 3' },
      { ...OPERATOR, 'x-request-id': 'op-1' },
    );
    expect(answer.body.data.r).toMatchObject({
      __typename: 'RolloutChanged',
      rollout: { percent: 25 },
      change: { by: 'ops' },
    });
    const served = await gql(
      app,
      '{ realtimeStatistics { systemStatus } }',
      {},
      { 'x-rollout-key': 'k' },
    );
    expect(served.body.extensions.rollout[FLAG].percent).toBe(25);
    const [rollout] = (await gql(app, ROLLOUTS, { flag: FLAG }, OPERATOR)).body.data.rollouts;
    expect(rollout).toMatchObject({ step: 3, nextStep: 50, updatedBy: 'ops' });
    expect(rollout.recentChanges[0]).toMatchObject({
      action: 'set',
      reason: 'phase 3',
      requestId: 'op-1',
    });
    expect(lines).toContainEqual(
      expect.objectContaining({
        msg: 'rollout: change applied',
        requestId: 'op-1',
        by: 'ops',
        flag: FLAG,
        reason: 'phase 3',
      }),
    );
    expect(await (await app.fetch('http://gateway/metrics')).text()).toContain(
      `gateway_rollout_percent{flag="${FLAG}"} 25`,
    );
  });

  it('answers a stale expectedVersion with a RolloutConflictError holding the current state', async () => {
    const v = await version();
    const first = await gql(app, SET, { percent: 10, reason: 'a', v }, OPERATOR);
    const second = await gql(app, SET, { percent: 50, reason: 'b', v }, OPERATOR);
    expect(first.body.data.r.__typename).toBe('RolloutChanged');
    expect(second.body.data.r).toMatchObject({
      __typename: 'RolloutConflictError',
      current: { version: v + 1, percent: 10 },
    });
  });

  it('walks the schedule with promote, and a paused rollout refuses to be promoted', async () => {
    await gql(app, SET, { percent: 10, reason: 'start' }, OPERATOR);
    const promoted = await gql(app, simple('promoteRollout'), {}, OPERATOR);
    expect(promoted.body.data.r.__typename).toBe('RolloutChanged');
    expect((await gql(app, ROLLOUTS, { flag: FLAG }, OPERATOR)).body.data.rollouts[0].percent).toBe(
      25,
    );
    await gql(app, simple('pauseRollout'), {}, OPERATOR);
    const refused = await gql(app, simple('promoteRollout'), {}, OPERATOR);
    expect(refused.body.data.r).toMatchObject({
      __typename: 'RolloutRejectedError',
      code: 'PAUSED',
    });
    const killed = await gql(app, simple('killRollout'), {}, OPERATOR);
    expect(killed.body.data.r.rollout.mode).toBe('KILLED');
    const served = await gql(
      app,
      '{ realtimeStatistics { systemStatus } }',
      {},
      { 'x-rollout-key': 'k' },
    );
    expect(served.body.extensions.rollout[FLAG]).toMatchObject({
      path: 'legacy',
      reason: 'killed',
    });
    await gql(app, simple('resumeRollout'), {}, OPERATOR);
  });

  it('refuses an empty reason as BAD_USER_INPUT', async () => {
    const answer = await gql(app, SET, { percent: 10, reason: '' }, OPERATOR);
    expect(answer.body.errors[0].extensions.code).toBe('BAD_USER_INPUT');
  });

  it('reports the rollout subscription in /ready', async () => {
    const ready = await app.fetch('http://gateway/ready');
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({
      rollout: { loaded: true, listening: true, healthy: true },
    });
  });
});
