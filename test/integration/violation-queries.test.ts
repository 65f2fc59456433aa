import { sql } from 'drizzle-orm';
import { expect, it } from 'vitest';
import { gql } from '../helpers/app.js';
import { describeEachDb } from '../helpers/db.js';
import { seedViolations, UPDATE, violationApp } from '../helpers/violations.js';

const PAGE = /* GraphQL */ `
  query Page($status: ViolationStatus, $cameraId: String, $first: Int!, $after: String) {
    violations(status: $status, cameraId: $cameraId, first: $first, after: $after) {
      edges { cursor node { id cameraId status occurredAt } }
      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    }
  }
`;

const ONE = /* GraphQL */ `
  query One($id: ID!) {
    violation(id: $id) {
      id status notes violationType trackId bbox camera { id }
      history { from to changedBy path requestId }
    }
  }
`;

describeEachDb('violation queries', (db, _kind, queries) => {
  it('reads one violation with its history, oldest change first', async () => {
    const [id] = await seedViolations(db(), 1);
    const app = violationApp(db());
    await gql(
      app,
      UPDATE,
      { input: { id, status: 'CONFIRMED', handledBy: 'li' } },
      { 'x-request-id': 'q-1' },
    );
    await gql(
      app,
      UPDATE,
      { input: { id, status: 'RESOLVED', handledBy: 'wang' } },
      { 'x-request-id': 'q-2' },
    );
    const answer = await gql(app, ONE, { id });
    expect(answer.body.data.violation).toEqual({
      id: String(id),
      status: 'RESOLVED',
      notes: null,
      violationType: 'NO_HAIRNET',
      trackId: expect.any(Number),
      bbox: [1, 2, 3, 4],
      camera: null,
      history: [
        { from: 'PENDING', to: 'CONFIRMED', changedBy: 'li', path: 'domain', requestId: 'q-1' },
        { from: 'CONFIRMED', to: 'RESOLVED', changedBy: 'wang', path: 'domain', requestId: 'q-2' },
      ],
    });
    expect((await gql(app, ONE, { id: 987654321 })).body.data.violation).toBeNull();
  });

  it('walks every violation of a camera exactly once, newest first, even with equal timestamps', async () => {
    const camera = `cam-page-${Date.now()}`;
    // Same-microsecond ties (broken by id) and sub-millisecond steps a JS Date cannot hold.
    const tied = await seedViolations(db(), 3, {
      cameraId: camera,
      occurredAt: new Date('2026-01-01T00:00:00Z'),
    });
    const base = await seedViolations(db(), 4, {
      cameraId: camera,
      occurredAt: new Date('2026-01-02T00:00:00Z'),
    });
    for (const [i, id] of base.entries()) {
      await db().rows(
        sql`update violation_events set occurred_at = occurred_at + ${`${i * 100} microseconds`}::interval where id = ${id}`,
      );
    }
    const app = violationApp(db());
    const seen: string[] = [];
    let after: string | undefined;
    for (let pages = 0; pages < 10; pages++) {
      const answer = await gql(app, PAGE, { cameraId: camera, first: 2, after });
      const { edges, pageInfo } = answer.body.data.violations;
      seen.push(...edges.map((e: { node: { id: string } }) => e.node.id));
      expect(pageInfo.hasPreviousPage).toBe(after !== undefined);
      if (!pageInfo.hasNextPage) break;
      after = pageInfo.endCursor;
    }
    const expected = [...[...base].reverse(), ...[...tied].reverse()].map(String);
    expect(seen).toEqual(expected);
  });

  it('pages with a keyset condition in SQL, never an offset', async () => {
    const app = violationApp(db());
    await seedViolations(db(), 3);
    const first = await gql(app, PAGE, { first: 1 });
    queries().length = 0;
    await gql(app, PAGE, { first: 1, after: first.body.data.violations.pageInfo.endCursor });
    const list = queries().find((q) => q.includes('from "violation_events"'))!;
    expect(list).not.toMatch(/offset/i);
    expect(list).toMatch(/limit/i);
  });

  it('filters by status', async () => {
    const [id] = await seedViolations(db(), 1, { cameraId: 'cam-status' });
    await seedViolations(db(), 1, { cameraId: 'cam-status' });
    const app = violationApp(db());
    await gql(app, UPDATE, { input: { id, status: 'FALSE_POSITIVE' } });
    const answer = await gql(app, PAGE, {
      cameraId: 'cam-status',
      status: 'FALSE_POSITIVE',
      first: 10,
    });
    expect(
      answer.body.data.violations.edges.map((e: { node: { id: string } }) => e.node.id),
    ).toEqual([String(id)]);
  });

  it('refuses a page size outside 1..100 and a cursor it did not issue', async () => {
    const app = violationApp(db());
    for (const variables of [
      { first: 0 },
      { first: 101 },
      { first: 5, after: 'bm90LWEtY3Vyc29y' },
    ]) {
      const answer = await gql(app, PAGE, variables);
      expect(answer.body.errors[0].extensions.code).toBe('BAD_USER_INPUT');
    }
  });
});
