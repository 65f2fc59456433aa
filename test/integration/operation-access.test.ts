// All-or-nothing authorization: every root field's declared scope is checked before any runs, so
// an operation with one forbidden field changes nothing; and who may introspect the schema.
import { getIntrospectionQuery } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Config } from '../../src/config/env.js';
import { scopeOf } from '../../src/graphql/field-scope.js';
import { schema } from '../../src/schema.js';
import { capturedLogger } from '../doubles/captured-logger.js';
import { buildApp, gql, tempLogPath, writeLog } from '../helpers/app.js';
import { describeEachDb } from '../helpers/db.js';
import { bearer, seedViolations, TOKENS, violationRow } from '../helpers/violations.js';

const apiTokens = Object.values(TOKENS);
const MIXED = `mutation ($id: ID!) {
  write: updateViolationStatus(input: { id: $id, status: CONFIRMED }) { __typename }
  ...Kill
}
fragment Kill on Mutation { killRollout(flag: "events.recent", reason: "mixed") { __typename } }`;
const STATE = '{ rollouts(flag: "events.recent") { mode version } }';

describe('the schema', () => {
  it('declares the scope of every mutation, and of the operator queries', () => {
    const mutations = Object.values(schema.getMutationType()!.getFields());
    expect(mutations.filter((f) => !scopeOf(f)).map((f) => f.name)).toEqual([]);
    const queries = schema.getQueryType()!.getFields();
    expect(scopeOf(queries.rollouts)).toBe('rollout:admin');
    expect(scopeOf(queries.recentEvents)).toBeUndefined();
  });
});

describeEachDb('operation access', (db) => {
  const apps: ReturnType<typeof buildApp>[] = [];
  let logs: Record<string, unknown>[];
  const app = async (config: Partial<Config> = {}) => {
    const eventLogPath = await tempLogPath();
    await writeLog(eventLogPath, []);
    const captured = capturedLogger('warn');
    logs = captured.lines;
    const built = buildApp(db(), {
      logger: captured.logger,
      config: { apiTokens, eventLogPath, ...config },
    });
    await built.rolloutReady;
    apps.push(built);
    return built;
  };
  let main: ReturnType<typeof buildApp>;
  beforeAll(async () => {
    main = await app();
  });
  afterAll(async () => {
    for (const a of apps) await a.close();
  });

  it('changes nothing when one root field of a mutation is forbidden', async () => {
    const [id] = await seedViolations(db(), 1);
    const before = (await gql(main, STATE, {}, bearer(TOKENS.operator))).body.data.rollouts[0];
    const answer = await gql(main, MIXED, { id }, bearer(TOKENS.writer));
    expect(answer.status).toBe(403);
    expect(answer.body.data).toBeNull();
    expect(answer.body.errors).toHaveLength(1);
    expect(answer.body.errors[0]).toMatchObject({
      path: ['killRollout'],
      extensions: { code: 'FORBIDDEN' },
    });
    expect(answer.headers.get('www-authenticate')).toBe(
      'Bearer error="insufficient_scope", scope="rollout:admin"',
    );
    expect((await violationRow(db(), id!)).status).toBe('pending');
    const after = (await gql(main, STATE, {}, bearer(TOKENS.operator))).body.data.rollouts[0];
    expect(after).toEqual(before);
    expect(logs).toContainEqual(
      expect.objectContaining({ msg: 'rollout: admin access refused', principal: 'vue-frontend' }),
    );
  });

  it('refuses an anonymous caller every field at once, with 401', async () => {
    const [id] = await seedViolations(db(), 1);
    const answer = await gql(main, MIXED, { id });
    expect(answer.status).toBe(401);
    expect(answer.body.errors.map((e: { path: string[] }) => e.path[0])).toEqual([
      'write',
      'killRollout',
    ]);
    expect((await violationRow(db(), id!)).status).toBe('pending');
  });

  it('runs every field when the caller holds every scope', async () => {
    const [other] = await seedViolations(db(), 1);
    const both = await gql(main, MIXED, { id: other }, bearer(TOKENS.operator));
    expect(both.body.data).toEqual({
      write: { __typename: 'UpdateViolationStatusSuccess' },
      killRollout: { __typename: 'RolloutChanged' },
    });
    expect((await violationRow(db(), other!)).status).toBe('confirmed');
  });

  it('lets anyone introspect with GRAPHQL_INTROSPECTION=on', async () => {
    const answer = await gql(main, getIntrospectionQuery());
    expect(answer.status).toBe(200);
    expect(answer.body.data.__schema.queryType.name).toBe('Query');
  });

  it('keeps introspection for operators with GRAPHQL_INTROSPECTION=operators', async () => {
    for (const graphqlJit of [true, false]) {
      const ops = await app({ graphqlIntrospection: 'operators', graphqlJit });
      const query = '{ __typename t: __type(name: "Query") { name } }';
      expect((await gql(ops, query)).status).toBe(401);
      const writer = await gql(ops, query, {}, bearer(TOKENS.writer));
      expect([writer.status, writer.body.errors[0].path]).toEqual([403, ['t']]);
      const operator = await gql(ops, query, {}, bearer(TOKENS.operator));
      expect(operator.body).toEqual({ data: { __typename: 'Query', t: { name: 'Query' } } });
      expect((await gql(ops, '{ __typename }')).body).toEqual({ data: { __typename: 'Query' } });
    }
  });

  it('refuses introspection to everyone with GRAPHQL_INTROSPECTION=off', async () => {
    const off = await app({ graphqlIntrospection: 'off' });
    const answer = await gql(
      off,
      '{ __schema { queryType { name } } }',
      {},
      bearer(TOKENS.operator),
    );
    expect(answer.status).toBe(403);
    expect(answer.body.errors[0].message).toBe('GraphQL introspection is disabled on this gateway');
    const events = await off.fetch('http://gateway/api/v1/events/recent?limit=1');
    expect(events.status).toBe(200);
  });
});
