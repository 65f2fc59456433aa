// PUT /api/v1/records/violations/{violation_id}/status against the old service's answers (docs/legacy-contract.md): bodies are
// compared byte for byte, and every refused request is checked to have changed nothing.
import { describe, expect, it } from 'vitest';
import { describeEachDb } from '../helpers/db.js';
import {
  bearer,
  historyOf,
  put,
  seedViolations,
  TOKENS,
  violationApp,
  violationRow,
} from '../helpers/violations.js';

const path = (id: number | string, query: string) =>
  `/api/v1/records/violations/${id}/status?${query}`;

describeEachDb('PUT /api/v1/records/violations/{id}/status', (db) => {
  it('answers 200 with the old body and applies the change', async () => {
    const [id] = await seedViolations(db(), 1);
    const app = violationApp(db());
    const answer = await put(
      app,
      path(id!, 'status=confirmed&notes=%E5%B7%B2%E7%A1%AE%E8%AE%A4&handled_by=li'),
    );
    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-type')).toBe('application/json');
    expect(answer.text).toBe(`{"ok":true,"violation_id":${id},"status":"confirmed"}`);
    expect(answer.headers.get('x-rollout-path')).toBe('domain');
    expect(answer.headers.get('x-rollout-reason')).toBe('no_key');
    expect(await violationRow(db(), id!)).toMatchObject({
      status: 'confirmed',
      notes: '已确认',
      handledBy: 'li',
    });
    expect(await historyOf(db(), id!)).toHaveLength(1);
  });

  it('echoes the id as Python printed the parsed integer', async () => {
    const [id] = await seedViolations(db(), 1);
    const answer = await put(violationApp(db()), path(`+00${id}`, 'status=resolved'));
    expect(answer.text).toBe(`{"ok":true,"violation_id":${id},"status":"resolved"}`);
  });

  it('answers 404 with the corrected message for an unknown id, on both paths', async () => {
    for (const percent of [0, 100]) {
      const answer = await put(
        violationApp(db(), { percent }),
        path(987654321, 'status=confirmed'),
      );
      expect(answer.status).toBe(404);
      expect(answer.text).toBe('{"detail":"违规记录不存在: 987654321"}');
      expect(answer.headers.get('x-rollout-path')).toBe(percent === 0 ? 'legacy' : 'domain');
    }
    const huge = await put(
      violationApp(db()),
      path('123456789012345678901234', 'status=confirmed'),
    );
    expect(huge.text).toBe('{"detail":"违规记录不存在: 123456789012345678901234"}');
  });

  describe('refuses bad requests with the documented errors, changing nothing', () => {
    const cases: [string, string, number, string][] = [
      [
        'an invalid status',
        'status=done',
        400,
        '{"detail":"无效的状态值，必须是: pending, confirmed, false_positive, resolved"}',
      ],
      [
        'a status in the wrong case',
        'status=CONFIRMED',
        400,
        '{"detail":"无效的状态值，必须是: pending, confirmed, false_positive, resolved"}',
      ],
      [
        'a missing status',
        'notes=x',
        422,
        '{"detail":[{"type":"missing","loc":["query","status"],"msg":"Field required","input":null}]}',
      ],
      [
        'a bad force_domain',
        'status=confirmed&force_domain=maybe',
        422,
        '{"detail":[{"type":"bool_parsing","loc":["query","force_domain"],"msg":"Input should be a valid boolean, unable to interpret input","input":"maybe"}]}',
      ],
    ];
    for (const [what, query, status, body] of cases) {
      it(`${what}: ${status}`, async () => {
        const [id] = await seedViolations(db(), 1);
        const answer = await put(violationApp(db()), path(id!, query));
        expect(answer.status).toBe(status);
        expect(answer.text).toBe(body);
        expect((await violationRow(db(), id!)).status).toBe('pending');
        expect(await historyOf(db(), id!)).toEqual([]);
      });
    }

    it('a non-integer id: 422 at loc path, listed before the query errors', async () => {
      const answer = await put(violationApp(db()), path('abc', 'force_domain=2'));
      expect(answer.status).toBe(422);
      expect(answer.text).toBe(
        '{"detail":[{"type":"int_parsing","loc":["path","violation_id"],"msg":"Input should be a valid integer, unable to parse string as an integer","input":"abc"},' +
          '{"type":"missing","loc":["query","status"],"msg":"Field required","input":null},' +
          '{"type":"bool_parsing","loc":["query","force_domain"],"msg":"Input should be a valid boolean, unable to interpret input","input":"2"}]}',
      );
    });

    it('another method: 405 with Allow: PUT', async () => {
      const [id] = await seedViolations(db(), 1);
      for (const method of ['GET', 'POST', 'DELETE']) {
        const answer = await put(violationApp(db()), path(id!, 'status=confirmed'), {}, method);
        expect(answer.status).toBe(405);
        expect(answer.text).toBe('{"detail":"Method Not Allowed"}');
        expect(answer.headers.get('allow')).toBe('PUT');
      }
      expect((await violationRow(db(), id!)).status).toBe('pending');
    });

    it('a malformed Idempotency-Key: 400', async () => {
      const [id] = await seedViolations(db(), 1);
      const answer = await put(violationApp(db()), path(id!, 'status=confirmed'), {
        'idempotency-key': 'x'.repeat(256),
      });
      expect(answer.status).toBe(400);
      expect(JSON.parse(answer.text).detail).toMatch(/idempotency key/);
      expect((await violationRow(db(), id!)).status).toBe('pending');
    });
  });

  describe('with API tokens configured', () => {
    const tokens = Object.values(TOKENS);

    it('answers 401 with a Bearer challenge without a valid token, changing nothing', async () => {
      const [id] = await seedViolations(db(), 1);
      const app = violationApp(db(), { tokens });
      for (const headers of [{}, { authorization: 'Bearer wrong-token-0123456789' }] as Record<
        string,
        string
      >[]) {
        const answer = await put(app, path(id!, 'status=confirmed'), headers);
        expect(answer.status).toBe(401);
        expect(answer.headers.get('www-authenticate')).toBe('Bearer');
        expect(JSON.parse(answer.text).detail).toMatch(
          /^(Authentication required|Invalid credentials)/,
        );
      }
      expect((await violationRow(db(), id!)).status).toBe('pending');
    });

    it('answers 403 naming the missing scope for an under-scoped token', async () => {
      const [id] = await seedViolations(db(), 1);
      const answer = await put(
        violationApp(db(), { tokens }),
        path(id!, 'status=confirmed'),
        bearer(TOKENS.adminOnly),
      );
      expect(answer.status).toBe(403);
      expect(answer.text).toBe(
        '{"detail":"The token \\"dashboard\\" lacks the violations:write scope"}',
      );
      expect(answer.headers.get('www-authenticate')).toBe(
        'Bearer error="insufficient_scope", scope="violations:write"',
      );
      expect((await violationRow(db(), id!)).status).toBe('pending');
    });

    it('accepts a token with violations:write and records its name', async () => {
      const [id] = await seedViolations(db(), 1);
      const answer = await put(
        violationApp(db(), { tokens }),
        path(id!, 'status=resolved&handled_by=li'),
        bearer(TOKENS.writer),
      );
      expect(answer.status).toBe(200);
      expect((await historyOf(db(), id!))[0]?.changedBy).toBe('vue-frontend');
    });
  });

  it('answers a repeated Idempotency-Key with the same body and a reused one with 409', async () => {
    const [id] = await seedViolations(db(), 1);
    const app = violationApp(db());
    const headers = { 'idempotency-key': `rest-${id}` };
    const first = await put(app, path(id!, 'status=confirmed'), headers);
    const again = await put(app, path(id!, 'status=confirmed'), headers);
    const reused = await put(app, path(id!, 'status=resolved'), headers);
    expect(again.text).toBe(first.text);
    expect(reused.status).toBe(409);
    expect(await historyOf(db(), id!)).toHaveLength(1);
    expect((await violationRow(db(), id!)).status).toBe('confirmed');
  });
});
