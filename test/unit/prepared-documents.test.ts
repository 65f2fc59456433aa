// The runner of the REST shims' fixed documents, on a small schema: a document is prepared once,
// answers the same with graphql-jit and graphql-js, an invalid one runs nothing, and only faults
// of ours (not errors meant for the caller) are logged and counted.
import {
  GraphQLError,
  GraphQLInt,
  GraphQLList,
  GraphQLObjectType,
  GraphQLSchema,
  GraphQLString,
} from 'graphql';
import { describe, expect, it } from 'vitest';
import type { GraphQLContext } from '../../src/graphql/context.js';
import { createDocumentRunner } from '../../src/graphql/prepared.js';
import type { RolloutReport } from '../../src/rollout/runner.js';
import { capturedLogger } from '../doubles/captured-logger.js';

const REPORT: RolloutReport = { path: 'domain', reason: 'bucket', fallback: false, percent: 100 };

function setup(jit: boolean) {
  const calls: string[] = [];
  const schema = new GraphQLSchema({
    query: new GraphQLObjectType({
      name: 'Query',
      fields: {
        lines: {
          type: new GraphQLList(GraphQLString),
          args: { n: { type: GraphQLInt } },
          resolve: (_root, { n }: { n: number }, ctx: GraphQLContext) => {
            calls.push('lines');
            ctx.rollout.reports.set('lines.flag', REPORT);
            return Array.from({ length: n }, (_, i) => `line ${i}`);
          },
        },
        refused: {
          type: GraphQLString,
          resolve: () => {
            throw new GraphQLError('not for you', { extensions: { code: 'FORBIDDEN' } });
          },
        },
        broken: {
          type: GraphQLString,
          resolve: () => {
            throw new Error('disk on fire');
          },
        },
      },
    }),
  });
  const { logger, lines } = capturedLogger('error');
  const faults: unknown[] = [];
  let contexts = 0;
  const runner = createDocumentRunner({
    schema,
    jit,
    logger,
    onUnexpectedError: (fault) => faults.push(fault),
    context: () => {
      contexts++;
      return { rollout: { reports: new Map() } } as unknown as GraphQLContext;
    },
  });
  const run = (query: string, variables: Record<string, unknown> = {}) =>
    runner.run<Record<string, unknown>>(new Request('http://gateway/'), {}, query, variables);
  return { run, calls, lines, faults, contexts: () => contexts };
}

describe.each([true, false])('fixed documents (graphql-jit: %s)', (jit) => {
  it('runs a document again and again with its variables, and reports its rollout', async () => {
    const { run } = setup(jit);
    const query = 'query($n: Int) { lines(n: $n) }';
    for (const n of [2, 3]) {
      const result = await run(query, { n });
      expect(result).toEqual({
        data: { lines: Array.from({ length: n }, (_, i) => `line ${i}`) },
        errors: undefined,
        rollout: { 'lines.flag': REPORT },
      });
    }
  });

  it('answers an invalid document with its validation errors and runs nothing', async () => {
    const { run, calls, contexts } = setup(jit);
    const result = await run('{ lines(n: 1) nope }');
    expect(result.data).toBeNull();
    expect(result.errors?.map((e) => e.message)).toEqual([
      'Cannot query field "nope" on type "Query".',
    ]);
    expect(result.rollout).toBeUndefined();
    expect(calls).toEqual([]);
    expect(contexts()).toBe(0);
  });

  it('logs and counts a fault once, with its cause, and not an error meant for the caller', async () => {
    const { run, lines, faults } = setup(jit);
    const refused = await run('{ refused }');
    expect(refused.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(lines).toEqual([]);
    const broken = await run('{ broken }');
    expect(broken.data).toEqual({ broken: null });
    expect(broken.errors?.[0]?.message).toBe('disk on fire');
    expect(faults).toHaveLength(1);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      msg: 'graphql: unexpected error',
      err: { message: 'disk on fire' },
    });
  });
});
