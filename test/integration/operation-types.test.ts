// Front ends send what the GraphQL spec allows: @include/@skip must work, and an operation type
// the schema has no root for is a client error (never a 500), with and without graphql-jit.
import { GraphQLObjectType, GraphQLSchema, GraphQLString } from 'graphql';
import { describe, expect, it } from 'vitest';
import { createGraphQLServer } from '../../src/graphql/yoga.js';
import { declaredSchema } from '../../src/schema.js';
import { silentLogger } from '../doubles/silent-logger.js';
import { StaticRolloutState } from '../doubles/static-rollout-state.js';
import { buildApp, gql } from '../helpers/app.js';
import { describeEachDb } from '../helpers/db.js';

const queryOnly = new GraphQLSchema({
  query: new GraphQLObjectType({
    name: 'Query',
    fields: { hello: { type: GraphQLString, resolve: () => 'world' } },
  }),
});

function server(jit: boolean) {
  return createGraphQLServer({
    schema: queryOnly,
    logger: silentLogger,
    production: false,
    jit,
    context: () => ({}) as never,
  });
}

async function post(jit: boolean, query: string, accept = 'application/graphql-response+json') {
  const response = await server(jit).fetch('http://gateway/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept },
    body: JSON.stringify({ query }),
  });
  return { status: response.status, body: await response.json() };
}

describe.each([true, false])('operation types (graphql-jit %s)', (jit) => {
  it('answers @include(if: false) and @skip(if: true) without the skipped fields', async () => {
    const answer = await post(
      jit,
      '{ a: hello @include(if: false) b: hello @skip(if: true) c: hello @include(if: true) }',
    );
    expect(answer).toEqual({ status: 200, body: { data: { c: 'world' } } });
  });

  it('refuses a subscription to a schema without Subscription with 400', async () => {
    const answer = await post(jit, 'subscription { hello }');
    expect(answer.status).toBe(400);
    expect(answer.body.errors[0].message).toBe(
      'The schema does not support subscription operations.',
    );
  });

  it('refuses a mutation to a schema without Mutation (200 with errors for application/json)', async () => {
    const answer = await post(jit, 'mutation { hello }', 'application/json');
    expect(answer.status).toBe(200);
    expect(answer.body.errors[0].message).toBe('The schema does not support mutation operations.');
  });
});

describe('the gateway schema', () => {
  it('keeps every specified directive beside @rollout', () => {
    const names = declaredSchema.getDirectives().map((d) => d.name);
    expect(names).toEqual(
      expect.arrayContaining(['include', 'skip', 'deprecated', 'specifiedBy', 'oneOf', 'rollout']),
    );
  });
});

describeEachDb('@include and @skip on the gateway', (db) => {
  it.each([true, false])('leaves out the skipped fields (graphql-jit %s)', async (jit) => {
    const app = buildApp(db(), {
      config: { graphqlJit: jit },
      rolloutState: new StaticRolloutState({}),
    });
    const answer = await gql(
      app,
      `query($no: Boolean!) {
        __typename
        rollouts: __type(name: "Query") @include(if: $no) { name }
        stats: realtimeStatistics @skip(if: true) { systemStatus }
        kind: __typename @skip(if: $no)
      }`,
      { no: false },
    );
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({ data: { __typename: 'Query', kind: 'Query' } });
    await app.close();
  });
});
