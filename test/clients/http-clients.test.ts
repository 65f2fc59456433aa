// The HTTP clients front ends use, against a gateway on a real port: graphql-http's server
// audits (GraphQL over HTTP spec), urql (variables, fragments, aliases, @include/@skip, the
// mutation, extensions.rollout, rolloutFields), and a property test of malformed requests: a 4xx
// or a 200 with errors, never a 5xx, with and without graphql-jit.
import { writeFile } from 'node:fs/promises';
import { Client, fetchExchange, gql } from '@urql/core';
import fc from 'fast-check';
import { serverAudits } from 'graphql-http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedReference } from '../../src/demo/seed.js';
import { createIngester } from '../../src/ingest/ingester.js';
import { StaticRolloutState } from '../doubles/static-rollout-state.js';
import { logText } from '../fixtures/legacy-log.js';
import { buildApp, FROZEN_NOW, gql as post, tempLogPath } from '../helpers/app.js';
import { describeEachDb } from '../helpers/db.js';
import { listen, type RunningServer } from '../helpers/running-app.js';
import { seedViolations } from '../helpers/violations.js';

describeEachDb('front-end HTTP clients', (db) => {
  let app: ReturnType<typeof buildApp>;
  let server: RunningServer;
  let violationId: number;

  beforeAll(async () => {
    const logPath = await tempLogPath();
    await writeFile(logPath, logText());
    await seedReference(db());
    await createIngester({ handle: db(), logPath }).runOnce();
    [violationId] = (await seedViolations(db(), 1)) as [number];
    app = buildApp(db(), {
      rolloutState: new StaticRolloutState({ 'events.recent': 100 }),
      config: { eventLogPath: logPath },
    });
    server = await listen(app);
  });

  afterAll(async () => {
    await server.stop();
    await app.close();
  });

  it('passes every graphql-http server audit', async () => {
    const results = await Promise.all(
      serverAudits({ url: `${server.url}/graphql` }).map((audit) => audit.fn()),
    );
    const failed = results.filter((r) => r.status !== 'ok').map((r) => `${r.name}: ${r.reason}`);
    expect(failed).toEqual([]);
    expect(results.length).toBeGreaterThan(30);
  });

  describe('urql', () => {
    const client = () =>
      new Client({
        url: `${server.url}/graphql`,
        exchanges: [fetchExchange],
        requestPolicy: 'network-only',
        fetchOptions: { headers: { 'x-rollout-key': 'front-end-user-1' } },
      });

    it('sends variables, fragments, aliases and @include/@skip, and reads extensions.rollout', async () => {
      const query = gql`
        query Recent($limit: Int!, $withCamera: Boolean!, $noRegion: Boolean!) {
          latest: recentEvents(limit: $limit, minutes: 1440) {
            ...EventFields
            camera @include(if: $withCamera) { name }
            region @skip(if: $noRegion) { name }
          }
        }
        fragment EventFields on Event { ts type }
      `;
      const result = await client()
        .query(query, { limit: 2, withCamera: false, noRegion: true })
        .toPromise();
      expect(result.error).toBeUndefined();
      expect(result.data.latest).toHaveLength(2);
      for (const event of result.data.latest) {
        expect(Object.keys(event).sort()).toEqual(['ts', 'type']);
      }
      expect(result.extensions?.rollout['events.recent']).toMatchObject({
        path: 'domain',
        reason: 'bucket',
        percent: 100,
      });
    });

    it('runs the mutation', async () => {
      const mutation = gql`
        mutation Handle($input: UpdateViolationStatusInput!) {
          updateViolationStatus(input: $input) {
            __typename
            ... on UpdateViolationStatusSuccess { violation { id status } replayed }
          }
        }
      `;
      const result = await client()
        .mutation(mutation, { input: { id: String(violationId), status: 'CONFIRMED' } })
        .toPromise();
      expect(result.error).toBeUndefined();
      expect(result.data.updateViolationStatus).toMatchObject({
        __typename: 'UpdateViolationStatusSuccess',
        violation: { id: String(violationId), status: 'CONFIRMED' },
      });
      expect(result.extensions?.rollout).toHaveProperty('violations.updateStatus');
    });

    it('lists the fields under rollout and their flags (public), and operators see them per flag', async () => {
      const result = await client()
        .query(gql`{ rolloutFields { coordinate flag } }`, {})
        .toPromise();
      expect(result.error).toBeUndefined();
      expect(result.data.rolloutFields).toEqual([
        { coordinate: 'Query.recentEvents', flag: 'events.recent' },
        { coordinate: 'Query.realtimeStatistics', flag: 'statistics.realtime' },
        { coordinate: 'Mutation.updateViolationStatus', flag: 'violations.updateStatus' },
        { coordinate: 'Subscription.eventAdded', flag: 'events.stream' },
        { coordinate: 'Query.alertHistory', flag: 'alerts.history' },
        { coordinate: 'Query.alertRules', flag: 'alerts.rules' },
        { coordinate: 'Mutation.createAlertRule', flag: 'alerts.rules.write' },
        { coordinate: 'Mutation.updateAlertRule', flag: 'alerts.rules.write' },
      ]);
      // The admin view of the same, from the rollout table (seeded by a gateway on start).
      const seeded = buildApp(db());
      await seeded.rolloutReady;
      const admin = await post(seeded, '{ rollouts { flag fields } }');
      await seeded.close();
      const byFlag = Object.fromEntries(
        admin.body.data.rollouts.map((r: { flag: string; fields: string[] }) => [r.flag, r.fields]),
      );
      expect(byFlag['events.stream']).toEqual(['Subscription.eventAdded']);
      expect(byFlag['events.recent']).toEqual(['Query.recentEvents']);
      expect(byFlag['alerts.rules.write']).toEqual([
        'Mutation.createAlertRule',
        'Mutation.updateAlertRule',
      ]);
    });
  });

  describe.each([true, false])('malformed requests (graphql-jit %s)', (jit) => {
    let target: ReturnType<typeof buildApp>;
    beforeAll(() => {
      target = buildApp(db(), {
        rolloutState: new StaticRolloutState({}),
        clock: () => FROZEN_NOW,
        config: { graphqlJit: jit },
      });
    });
    afterAll(() => target.close());

    const name = fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_]{0,12}$/);
    const value = fc.oneof(fc.string(), fc.integer(), fc.double(), fc.boolean(), fc.constant(null));
    const operation = fc.oneof(
      name.map((f) => ({ query: `{ ${f} }` })),
      name.map((f) => ({ query: `{ recentEvents { ${f} } }` })),
      fc.record({ v: value }).map(({ v }) => ({
        query: 'query($n: Int!) { recentEvents(limit: $n) { ts } }',
        variables: { n: v },
      })),
      fc.record({ v: value }).map(({ v }) => ({
        query: 'query($s: ViolationStatus) { violations(status: $s) { edges { cursor } } }',
        variables: { s: v },
      })),
      fc.constantFrom('subscription', 'mutation', 'query').map((op) => ({
        query: `${op} { recentEvents(limit: 1) { ts } }`,
      })),
      fc.constantFrom('subscription { rolloutFields { flag } }', 'subscription { eventAdded }'),
      fc.string().map((query) => ({ query })),
      fc.anything().map((variables) => ({ query: '{ __typename }', variables })),
    );
    const body = fc.oneof(
      operation.map((o) => JSON.stringify(o)),
      fc.string(),
      fc.constantFrom(
        '{',
        '[]',
        'null',
        '{"query": 1}',
        '{"query": "{ __typename }", "extensions": 5}',
      ),
    );

    it('answers 4xx or 200 with errors, never 5xx', async () => {
      await fc.assert(
        fc.asyncProperty(
          body,
          fc.constantFrom('application/json', 'application/graphql-response+json'),
          async (text, accept) => {
            const response = await target.fetch('http://gateway/graphql', {
              method: 'POST',
              headers: { 'content-type': 'application/json', accept },
              body: text,
            });
            const answer = await response.text();
            expect(response.status, answer).toBeLessThan(500);
            if (response.status === 200 && !answer.includes('"data":{')) {
              expect(JSON.parse(answer).errors?.length, answer).toBeGreaterThan(0);
            }
          },
        ),
        { numRuns: 150 },
      );
    });
  });
});
