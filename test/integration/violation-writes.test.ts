import { describe, expect, it } from 'vitest';
import { FROZEN_NOW, gql } from '../helpers/app.js';
import { describeEachDb } from '../helpers/db.js';
import {
  bearer,
  historyOf,
  seedViolations,
  TOKENS,
  UPDATE,
  violationApp,
  violationRow,
} from '../helpers/violations.js';

const ALL_TOKENS = Object.values(TOKENS);

describeEachDb('updateViolationStatus', (db) => {
  describe('on the domain path', () => {
    it('updates the row and appends one history row in the same change', async () => {
      const [id] = await seedViolations(db(), 1);
      const app = violationApp(db());
      const answer = await gql(
        app,
        UPDATE,
        {
          input: { id, status: 'CONFIRMED', notes: 'seen on video', handledBy: 'li' },
        },
        { 'x-request-id': 'req-domain-1' },
      );
      const result = answer.body.data.updateViolationStatus;
      expect(result.__typename).toBe('UpdateViolationStatusSuccess');
      expect(result.violation).toMatchObject({
        id: String(id),
        status: 'CONFIRMED',
        notes: 'seen on video',
        handledBy: 'li',
      });
      expect(result.change).toEqual({
        from: 'PENDING',
        to: 'CONFIRMED',
        changedBy: 'li',
        path: 'domain',
        requestId: 'req-domain-1',
      });
      expect(answer.body.extensions.rollout['violations.updateStatus']).toMatchObject({
        path: 'domain',
        fallback: false,
      });
      const row = await violationRow(db(), id!);
      expect(row).toMatchObject({ status: 'confirmed', notes: 'seen on video', handledBy: 'li' });
      expect(row.handledAt).toEqual(FROZEN_NOW);
      expect(row.updatedAt).toEqual(FROZEN_NOW);
      const history = await historyOf(db(), id!);
      expect(history).toHaveLength(1);
      expect(history[0]).toMatchObject({
        fromStatus: 'pending',
        toStatus: 'confirmed',
        path: 'domain',
        requestId: 'req-domain-1',
      });
    });

    it('keeps notes and handledBy when a later change omits them', async () => {
      const [id] = await seedViolations(db(), 1);
      const app = violationApp(db());
      await gql(app, UPDATE, { input: { id, status: 'CONFIRMED', notes: 'n1', handledBy: 'li' } });
      await gql(app, UPDATE, { input: { id, status: 'RESOLVED' } });
      expect(await violationRow(db(), id!)).toMatchObject({
        status: 'resolved',
        notes: 'n1',
        handledBy: 'li',
      });
      const history = await historyOf(db(), id!);
      expect(history.map((h) => [h.fromStatus, h.toStatus])).toEqual([
        ['pending', 'confirmed'],
        ['confirmed', 'resolved'],
      ]);
    });

    it('answers an unknown id with ViolationNotFound and writes nothing', async () => {
      const app = violationApp(db());
      const answer = await gql(app, UPDATE, { input: { id: 987654321, status: 'RESOLVED' } });
      expect(answer.body.data.updateViolationStatus).toEqual({
        __typename: 'ViolationNotFound',
        message: 'Violation 987654321 does not exist',
        id: '987654321',
      });
      expect(await historyOf(db(), 987654321)).toEqual([]);
    });

    it('refuses an id that is not an integer with BAD_USER_INPUT', async () => {
      const app = violationApp(db());
      const answer = await gql(app, UPDATE, { input: { id: 'abc', status: 'RESOLVED' } });
      expect(answer.body.errors[0].extensions.code).toBe('BAD_USER_INPUT');
      expect(answer.body.data).toBeNull();
    });
  });

  describe('on the legacy path', () => {
    it('applies the old single UPDATE and writes no history', async () => {
      const [id] = await seedViolations(db(), 1);
      const app = violationApp(db(), { percent: 0 });
      const answer = await gql(app, UPDATE, {
        input: { id, status: 'FALSE_POSITIVE', notes: 'shadow' },
      });
      const result = answer.body.data.updateViolationStatus;
      expect(result).toMatchObject({
        __typename: 'UpdateViolationStatusSuccess',
        change: null,
        replayed: false,
      });
      expect(answer.body.extensions.rollout['violations.updateStatus']).toMatchObject({
        path: 'legacy',
        reason: 'no_key',
      });
      expect(await violationRow(db(), id!)).toMatchObject({
        status: 'false_positive',
        notes: 'shadow',
      });
      expect(await historyOf(db(), id!)).toEqual([]);
    });

    it('reports an unknown id as not found too (the 404 correction)', async () => {
      const app = violationApp(db(), { percent: 0 });
      const answer = await gql(app, UPDATE, { input: { id: 987654322, status: 'RESOLVED' } });
      expect(answer.body.data.updateViolationStatus.__typename).toBe('ViolationNotFound');
    });
  });

  describe('with an idempotency key', () => {
    it('answers a repeat with the first change, replayed, and no second history row', async () => {
      const [id] = await seedViolations(db(), 1);
      const app = violationApp(db());
      const input = { id, status: 'CONFIRMED', notes: 'once', idempotencyKey: `k-${id}` };
      const first = await gql(app, UPDATE, { input }, { 'x-request-id': 'first' });
      await gql(app, UPDATE, { input: { id, status: 'RESOLVED' } });
      const again = await gql(app, UPDATE, { input }, { 'x-request-id': 'again' });
      expect(first.body.data.updateViolationStatus.replayed).toBe(false);
      expect(again.body.data.updateViolationStatus.replayed).toBe(true);
      expect(again.body.data.updateViolationStatus.change).toEqual(
        first.body.data.updateViolationStatus.change,
      );
      const history = await historyOf(db(), id!);
      expect(history.map((h) => h.toStatus)).toEqual(['confirmed', 'resolved']);
      expect((await violationRow(db(), id!)).status).toBe('resolved');
    });

    it('takes the key from the Idempotency-Key header as well', async () => {
      const [id] = await seedViolations(db(), 1);
      const app = violationApp(db());
      const headers = { 'idempotency-key': `hdr-${id}` };
      await gql(app, UPDATE, { input: { id, status: 'CONFIRMED' } }, headers);
      const again = await gql(app, UPDATE, { input: { id, status: 'CONFIRMED' } }, headers);
      expect(again.body.data.updateViolationStatus.replayed).toBe(true);
      expect(await historyOf(db(), id!)).toHaveLength(1);
    });

    it('refuses a reused key with a different change as a WriteConflict, changing nothing', async () => {
      const [id, other] = await seedViolations(db(), 2);
      const app = violationApp(db());
      await gql(app, UPDATE, { input: { id, status: 'CONFIRMED', idempotencyKey: `r-${id}` } });
      for (const input of [
        { id, status: 'RESOLVED', idempotencyKey: `r-${id}` },
        { id: other, status: 'CONFIRMED', idempotencyKey: `r-${id}` },
      ]) {
        const answer = await gql(app, UPDATE, { input });
        expect(answer.body.data.updateViolationStatus).toMatchObject({
          __typename: 'WriteConflict',
          reason: 'IDEMPOTENCY_KEY_REUSED',
        });
      }
      expect((await violationRow(db(), id!)).status).toBe('confirmed');
      expect((await violationRow(db(), other!)).status).toBe('pending');
      expect(await historyOf(db(), [id!, other!])).toHaveLength(1);
    });

    it('refuses a malformed key, or a header and an input that disagree', async () => {
      const [id] = await seedViolations(db(), 1);
      const app = violationApp(db());
      const bad = await gql(app, UPDATE, {
        input: { id, status: 'CONFIRMED', idempotencyKey: 'has space' },
      });
      const split = await gql(
        app,
        UPDATE,
        { input: { id, status: 'CONFIRMED', idempotencyKey: 'a' } },
        { 'idempotency-key': 'b' },
      );
      expect(bad.body.errors[0].extensions.code).toBe('BAD_USER_INPUT');
      expect(split.body.errors[0].extensions.code).toBe('BAD_USER_INPUT');
      expect((await violationRow(db(), id!)).status).toBe('pending');
    });
  });

  describe('with API tokens configured', () => {
    it('refuses anonymous and unknown-token writes as UNAUTHENTICATED', async () => {
      const [id] = await seedViolations(db(), 1);
      const app = violationApp(db(), { tokens: ALL_TOKENS });
      const attempts: Record<string, string>[] = [
        {},
        { authorization: 'Bearer not-a-configured-token' },
        { authorization: 'Basic eDp5' },
      ];
      for (const headers of attempts) {
        const answer = await gql(app, UPDATE, { input: { id, status: 'CONFIRMED' } }, headers);
        expect(answer.body.errors[0].extensions.code).toBe('UNAUTHENTICATED');
        expect(answer.status).toBe(401);
      }
      expect((await violationRow(db(), id!)).status).toBe('pending');
    });

    it('refuses a token without violations:write as FORBIDDEN', async () => {
      const [id] = await seedViolations(db(), 1);
      const app = violationApp(db(), { tokens: ALL_TOKENS });
      const answer = await gql(
        app,
        UPDATE,
        { input: { id, status: 'CONFIRMED' } },
        bearer(TOKENS.adminOnly),
      );
      expect(answer.body.errors[0].extensions.code).toBe('FORBIDDEN');
      expect(answer.body.errors[0].message).toContain('dashboard');
      expect((await violationRow(db(), id!)).status).toBe('pending');
    });

    it('records the token name as the author of the change', async () => {
      const [id] = await seedViolations(db(), 1);
      const app = violationApp(db(), { tokens: ALL_TOKENS });
      const answer = await gql(
        app,
        UPDATE,
        { input: { id, status: 'CONFIRMED', handledBy: 'li' } },
        bearer(TOKENS.writer),
      );
      expect(answer.body.data.updateViolationStatus.change.changedBy).toBe('vue-frontend');
      expect((await violationRow(db(), id!)).handledBy).toBe('li');
    });

    it('honours forceDomain for operators only, reporting it ignored for others', async () => {
      const [a, b] = await seedViolations(db(), 2);
      const app = violationApp(db(), { percent: 0, tokens: ALL_TOKENS });
      const writer = await gql(
        app,
        UPDATE,
        { input: { id: a, status: 'CONFIRMED', forceDomain: true } },
        bearer(TOKENS.writer),
      );
      const operator = await gql(
        app,
        UPDATE,
        { input: { id: b, status: 'CONFIRMED', forceDomain: true } },
        bearer(TOKENS.operator),
      );
      expect(writer.body.extensions.rollout['violations.updateStatus']).toMatchObject({
        path: 'legacy',
        forceIgnored: true,
      });
      expect(operator.body.extensions.rollout['violations.updateStatus']).toMatchObject({
        path: 'domain',
        reason: 'forced',
      });
      expect(await historyOf(db(), [a!, b!])).toHaveLength(1);
    });

    it('uses the principal as the sticky key when no X-Rollout-Key is sent', async () => {
      const app = violationApp(db(), { percent: 50, tokens: ALL_TOKENS });
      const [id] = await seedViolations(db(), 1);
      const answer = await gql(
        app,
        UPDATE,
        { input: { id, status: 'CONFIRMED' } },
        bearer(TOKENS.writer),
      );
      expect(answer.body.extensions.rollout['violations.updateStatus'].reason).toBe('bucket');
    });
  });

  it('leaves writes open, and forcing allowed, when no tokens are configured (development)', async () => {
    const [id] = await seedViolations(db(), 1);
    const app = violationApp(db(), { percent: 0 });
    const answer = await gql(app, UPDATE, { input: { id, status: 'RESOLVED', forceDomain: true } });
    expect(answer.body.extensions.rollout['violations.updateStatus']).toMatchObject({
      path: 'domain',
      reason: 'forced',
    });
  });
});
