// Text PostgreSQL cannot store (a NUL character, an unpaired surrogate) is the caller's mistake:
// refused before any query, on GraphQL (BAD_USER_INPUT) and REST (FastAPI's 422), and never
// counted as a failure of the domain path.
import { beforeAll, expect, it } from 'vitest';
import { StaticRolloutState } from '../doubles/static-rollout-state.js';
import { buildApp, gql, tempLogPath, writeLog } from '../helpers/app.js';
import { describeEachDb } from '../helpers/db.js';
import { put, seedViolations, UPDATE, violationApp, violationRow } from '../helpers/violations.js';

const RECENT = `query ($etype: String, $cameraId: String) {
  recentEvents(etype: $etype, cameraId: $cameraId) { ts } }`;
const ON_DOMAIN = { 'x-rollout-key': 'caller-1' };

describeEachDb('text the database cannot store', (db, _kind, queries) => {
  let app: ReturnType<typeof buildApp>;
  beforeAll(async () => {
    const eventLogPath = await tempLogPath();
    await writeLog(eventLogPath, []);
    const rolloutState = new StaticRolloutState({ 'events.recent': 100 });
    app = buildApp(db(), { rolloutState, config: { eventLogPath } });
  });

  const counted = async (series: RegExp) => {
    const text = await (await app.fetch('http://gateway/metrics')).text();
    return text.split('\n').filter((line) => series.test(line) && !line.endsWith(' 0'));
  };

  it('refuses it in GraphQL arguments before any query, without a fallback', async () => {
    const before = queries().length;
    for (const variables of [
      { etype: 'a\u0000b' },
      { cameraId: 'cam\u0000' },
      { etype: 'x\ud800' },
      { cameraId: '\udc00' },
    ]) {
      const answer = await gql(app, RECENT, variables, ON_DOMAIN);
      expect(answer.body.data).toBeNull();
      expect(answer.body.errors[0].extensions).toEqual({
        code: 'BAD_USER_INPUT',
        argument: Object.keys(variables)[0],
      });
      expect(answer.body.errors[0].message).toMatch(/must not contain NUL characters/);
    }
    expect(queries().length).toBe(before);
    expect(await counted(/^gateway_rollout_fallbacks_total/)).toEqual([]);
    expect(await counted(/^gateway_rollout_decisions_total/)).toEqual([]);
    const paired = await gql(app, RECENT, { etype: 'ok \ud83d\ude00' }, ON_DOMAIN);
    expect(paired.body.errors).toBeUndefined();
  });

  it('answers it on REST with a 422 like every other parameter error', async () => {
    const answer = await app.fetch('http://gateway/api/v1/events/recent?etype=a%00b&camera_id=c');
    expect(answer.status).toBe(422);
    expect(await answer.text()).toBe(
      JSON.stringify({
        detail: [
          {
            type: 'value_error',
            loc: ['query', 'etype'],
            msg: 'Value error, must not contain NUL characters or unpaired surrogates',
            input: 'a\u0000b',
          },
        ],
      }),
    );
    expect(await counted(/^gateway_rollout_fallbacks_total/)).toEqual([]);
  });

  it('refuses it in a status change on both paths, changing nothing', async () => {
    const [id] = await seedViolations(db(), 1);
    const writes = violationApp(db());
    const graphql = await gql(writes, UPDATE, {
      input: { id, status: 'CONFIRMED', notes: 'seen\u0000', handledBy: 'li' },
    });
    expect(graphql.body.errors[0].extensions).toEqual({
      code: 'BAD_USER_INPUT',
      argument: 'notes',
    });
    const rest = await put(
      writes,
      `/api/v1/records/violations/${id}/status?status=confirmed&handled_by=%00`,
    );
    expect(rest.status).toBe(422);
    expect(JSON.parse(rest.text).detail[0]).toMatchObject({
      type: 'value_error',
      loc: ['query', 'handled_by'],
    });
    expect((await violationRow(db(), id!)).status).toBe('pending');
  });

  it('refuses it in the other text arguments that reach the database', async () => {
    const answer = await gql(
      app,
      'query ($c: String) { violations(cameraId: $c) { edges { cursor } } }',
      {
        c: '\u0000',
      },
    );
    expect(answer.body.errors[0].extensions).toEqual({
      code: 'BAD_USER_INPUT',
      argument: 'cameraId',
    });
    const admin = await gql(
      app,
      'mutation ($r: String!) { killRollout(flag: "events.recent", reason: $r) { __typename } }',
      { r: 'why\u0000' },
    );
    expect(admin.body.errors[0].extensions).toEqual({ code: 'BAD_USER_INPUT', argument: 'reason' });
  });
});
