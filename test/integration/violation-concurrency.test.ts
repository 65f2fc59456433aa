// 200 status changes at once. On PostgreSQL they really overlap (a pool of 20 connections and
// row locks); on PGlite they queue. Either way every acknowledged change must be in the table,
// once, and the history must explain the final state.
import { expect, it } from 'vitest';
import { ViolationRepository } from '../../src/repositories/violation-repository.js';
import { gql } from '../helpers/app.js';
import { describeEachDb } from '../helpers/db.js';
import {
  historyOf,
  seedViolations,
  UPDATE,
  violationApp,
  violationRow,
} from '../helpers/violations.js';

const STATUSES = ['PENDING', 'CONFIRMED', 'FALSE_POSITIVE', 'RESOLVED'] as const;
const N = 200;
// These bursts queue on one row lock (or on PGlite's one connection) for seconds on a busy
// machine; what is tested here is serialisation, not the write budget (tested on its own).
const config = { writeTimeoutMs: 120_000 };

describeEachDb('200 concurrent status changes', (db) => {
  it('on one violation: one history row per acknowledged change, chained, ending in the final state', async () => {
    const [id] = await seedViolations(db(), 1);
    const app = violationApp(db(), { config });
    const answers = await Promise.all(
      Array.from({ length: N }, (_, i) =>
        gql(
          app,
          UPDATE,
          { input: { id, status: STATUSES[i % 4], notes: `n-${i}` } },
          { 'x-request-id': `same-${i}` },
        ),
      ),
    );
    const acked = answers.filter(
      (a) => a.body.data?.updateViolationStatus.__typename === 'UpdateViolationStatusSuccess',
    );
    expect(acked).toHaveLength(N);
    const history = await historyOf(db(), id!);
    expect(history.map((h) => h.requestId).sort()).toEqual(
      answers.map((_, i) => `same-${i}`).sort(),
    );
    expect(history[0]!.fromStatus).toBe('pending');
    for (let i = 1; i < history.length; i++) {
      expect(history[i]!.fromStatus).toBe(history[i - 1]!.toStatus);
    }
    // Rows are appended under the row lock, so id order is commit order: the last one is final.
    const last = history.at(-1)!;
    const row = await violationRow(db(), id!);
    expect(row.status).toBe(last.toStatus);
    expect(row.notes).toBe(last.notes);
    // Each answer reported the transition it made, and that transition is the one recorded.
    for (const answer of acked) {
      const change = answer.body.data.updateViolationStatus.change;
      const recorded = history.find((h) => h.requestId === change.requestId)!;
      expect([recorded.fromStatus, recorded.toStatus]).toEqual([
        change.from.toLowerCase(),
        change.to.toLowerCase(),
      ]);
    }
  });

  it('on 200 violations: each ends in its requested status with exactly one history row', async () => {
    const ids = await seedViolations(db(), N);
    const app = violationApp(db(), { config });
    const wanted = ids.map((id, i) => ({ id, status: STATUSES[(i % 3) + 1]! }));
    const answers = await Promise.all(
      wanted.map((input, i) => gql(app, UPDATE, { input }, { 'x-request-id': `many-${i}` })),
    );
    expect(
      answers.every(
        (a) => a.body.data?.updateViolationStatus.__typename === 'UpdateViolationStatusSuccess',
      ),
    ).toBe(true);
    const history = await historyOf(db(), ids);
    expect(history).toHaveLength(N);
    for (const [i, { id, status }] of wanted.entries()) {
      const rows = history.filter((h) => h.violationId === id);
      expect(rows.map((h) => [h.requestId, h.toStatus])).toEqual([
        [`many-${i}`, status.toLowerCase()],
      ]);
      expect((await violationRow(db(), id)).status).toBe(status.toLowerCase());
    }
  });

  it('at 50%: domain acknowledgements match history rows one to one, legacy ones leave none', async () => {
    const [id] = await seedViolations(db(), 1);
    const app = violationApp(db(), { percent: 50 });
    const answers = await Promise.all(
      Array.from({ length: N }, (_, i) =>
        gql(
          app,
          UPDATE,
          { input: { id, status: STATUSES[i % 4], notes: `m-${i}` } },
          { 'x-request-id': `mixed-${i}`, 'x-rollout-key': `caller-${i}` },
        ),
      ),
    );
    const pathOf = (a: (typeof answers)[number]) =>
      a.body.extensions.rollout['violations.updateStatus'].path;
    const domain = answers.flatMap((a, i) => (pathOf(a) === 'domain' ? [`mixed-${i}`] : []));
    expect(
      answers.every(
        (a) => a.body.data.updateViolationStatus.__typename === 'UpdateViolationStatusSuccess',
      ),
    ).toBe(true);
    expect(domain.length).toBeGreaterThan(N * 0.35);
    expect(domain.length).toBeLessThan(N * 0.65);
    const history = await historyOf(db(), id!);
    expect(history.map((h) => h.requestId).sort()).toEqual(domain.sort());
    // The final state is one of the acknowledged changes (no write outside the 200 happened).
    const row = await violationRow(db(), id!);
    expect(answers.map((_, i) => `m-${i}`)).toContain(row.notes);
  });

  it('applies one idempotency key once when it arrives 20 times at the same moment', async () => {
    const [id, other] = await seedViolations(db(), 2);
    // Holding each transaction open makes the two violations' first changes overlap on
    // PostgreSQL, so one of them meets the other's key in the unique index, not in the lookup.
    const domain = new ViolationRepository(db().db, {
      beforeCommit: () => new Promise((resolve) => setTimeout(resolve, 50)),
    });
    const app = violationApp(db(), { services: { violations: { domain } } });
    const key = `burst-${id}`;
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        gql(app, UPDATE, {
          input: { id: i % 2 === 0 ? id : other, status: 'CONFIRMED', idempotencyKey: key },
        }),
      ),
    );
    const kinds = answers.map((a) => a.body.data.updateViolationStatus);
    const applied = kinds.filter(
      (k) => k.__typename === 'UpdateViolationStatusSuccess' && !k.replayed,
    );
    expect(applied).toHaveLength(1);
    const target = Number(applied[0].violation.id);
    // Same violation: replayed; the other violation: a conflict. Never a second application.
    for (const [i, k] of kinds.entries()) {
      if (k === applied[0]) continue;
      const sameTarget = (i % 2 === 0 ? id : other) === target;
      expect(k.__typename).toBe(sameTarget ? 'UpdateViolationStatusSuccess' : 'WriteConflict');
    }
    expect(await historyOf(db(), [id!, other!])).toHaveLength(1);
    expect((await violationRow(db(), target === id ? other! : id!)).status).toBe('pending');
  });

  it('answers a key held by a transaction still in flight with a conflict, never a fallback', async () => {
    const [id, other] = await seedViolations(db(), 2);
    let release: () => void = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    let calls = 0;
    // The first change stays uncommitted until released; on PostgreSQL the second one meanwhile
    // inserts the same key and waits on the unique index, then fails with 23505.
    const domain = new ViolationRepository(db().db, {
      beforeCommit: () => (calls++ === 0 ? held : Promise.resolve()),
    });
    const app = violationApp(db(), { services: { violations: { domain } } });
    const key = `inflight-${id}`;
    const first = gql(app, UPDATE, { input: { id, status: 'CONFIRMED', idempotencyKey: key } });
    await new Promise((resolve) => setTimeout(resolve, 100));
    const second = gql(app, UPDATE, {
      input: { id: other, status: 'CONFIRMED', idempotencyKey: key },
    });
    await new Promise((resolve) => setTimeout(resolve, 300));
    release();
    const answers = await Promise.all([first, second]);
    expect(answers[0].body.data.updateViolationStatus.__typename).toBe(
      'UpdateViolationStatusSuccess',
    );
    expect(answers[1].body.data.updateViolationStatus.__typename).toBe('WriteConflict');
    expect(answers[1].body.extensions.rollout['violations.updateStatus'].fallback).toBe(false);
    expect((await violationRow(db(), other!)).status).toBe('pending');
  });
});
