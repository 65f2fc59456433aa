// Shared by the violation suites: seeded violations, apps with API tokens and a fixed rollout
// percentage, the mutation document, REST PUT calls, and readers of the rows a write leaves.
import { asc, eq, inArray } from 'drizzle-orm';
import type { ApiToken } from '../../src/auth/tokens.js';
import type { Config } from '../../src/config/env.js';
import type { DatabaseHandle } from '../../src/db/client.js';
import { violationEvents, violationStatusHistory } from '../../src/db/schema.js';
import { StaticRolloutState } from '../doubles/static-rollout-state.js';
import { buildApp, FROZEN_NOW } from './app.js';

export const FLAG = 'violations.updateStatus';

export const TOKENS = {
  writer: { name: 'vue-frontend', token: 'writer-token-0123456789', scopes: ['violations:write'] },
  operator: {
    name: 'ops-alice',
    token: 'operator-token-0123456789',
    scopes: ['violations:write', 'rollout:admin'],
  },
  adminOnly: { name: 'dashboard', token: 'admin-only-token-0123456789', scopes: ['rollout:admin'] },
} satisfies Record<string, ApiToken>;

export const bearer = (t: ApiToken) => ({ authorization: `Bearer ${t.token}` });

let seedCount = 0;

/** Inserts `n` pending violations one second apart (newest last) and returns their ids. */
export async function seedViolations(
  handle: DatabaseHandle,
  n: number,
  row: Partial<typeof violationEvents.$inferInsert> = {},
): Promise<number[]> {
  const base = FROZEN_NOW.getTime() - 86_400_000;
  const values = Array.from({ length: n }, () => {
    seedCount += 1;
    return {
      cameraId: 'cam0',
      occurredAt: new Date(base + seedCount * 1000),
      violationType: 'no_hairnet' as const,
      trackId: seedCount,
      confidence: 0.9,
      bbox: [1, 2, 3, 4],
      ...row,
    };
  });
  const rows = await handle.db
    .insert(violationEvents)
    .values(values)
    .returning({ id: violationEvents.id });
  return rows.map((r) => r.id);
}

/** An app whose write flag stands at `percent`; `tokens` configured means auth is enforced. */
export function violationApp(
  handle: DatabaseHandle,
  options: { percent?: number; tokens?: ApiToken[]; config?: Partial<Config> } & Omit<
    Parameters<typeof buildApp>[1] & object,
    'config'
  > = {},
) {
  const { percent = 100, tokens = [], config, ...rest } = options;
  const rolloutState = new StaticRolloutState({ [FLAG]: percent });
  return buildApp(handle, { rolloutState, ...rest, config: { apiTokens: tokens, ...config } });
}

export const UPDATE = /* GraphQL */ `
  mutation Update($input: UpdateViolationStatusInput!) {
    updateViolationStatus(input: $input) {
      __typename
      ... on UpdateViolationStatusSuccess {
        replayed
        violation { id status notes handledBy handledAt }
        change { from to changedBy path requestId }
      }
      ... on ViolationNotFound { message id }
      ... on WriteConflict { message reason }
    }
  }
`;

export interface RestAnswer {
  status: number;
  headers: Headers;
  text: string;
}

export async function put(
  app: ReturnType<typeof buildApp>,
  path: string,
  headers: Record<string, string> = {},
  method = 'PUT',
): Promise<RestAnswer> {
  const response = await app.fetch(`http://gateway${path}`, { method, headers });
  return { status: response.status, headers: response.headers, text: await response.text() };
}

export async function violationRow(handle: DatabaseHandle, id: number) {
  const [row] = await handle.db.select().from(violationEvents).where(eq(violationEvents.id, id));
  return row!;
}

export async function historyOf(handle: DatabaseHandle, ids: number | number[]) {
  const list = Array.isArray(ids) ? ids : [ids];
  return handle.db
    .select()
    .from(violationStatusHistory)
    .where(inArray(violationStatusHistory.violationId, list))
    .orderBy(asc(violationStatusHistory.id));
}
