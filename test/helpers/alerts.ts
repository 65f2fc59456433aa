// Shared by the alert suites: apps with the alert flags at a fixed percentage, rows inserted as
// the old tables would hold them, and REST calls with a body.
import { sql } from 'drizzle-orm';
import type { ApiToken } from '../../src/auth/tokens.js';
import type { Config } from '../../src/config/env.js';
import type { DatabaseHandle } from '../../src/db/client.js';
import { StaticRolloutState } from '../doubles/static-rollout-state.js';
import { buildApp } from './app.js';

export const ALERT_FLAGS = ['alerts.history', 'alerts.rules', 'alerts.rules.write'] as const;

export const ALERT_TOKENS = {
  writer: { name: 'rules-admin', token: 'alerts-writer-token-0123', scopes: ['alerts:write'] },
  reader: { name: 'dashboard', token: 'violations-only-token-0123', scopes: ['violations:write'] },
} satisfies Record<string, ApiToken>;

/** An app with every alert flag at `percent`. */
export function alertApp(
  handle: DatabaseHandle,
  options: { percent?: number; tokens?: ApiToken[]; config?: Partial<Config> } & Omit<
    Parameters<typeof buildApp>[1] & object,
    'config'
  > = {},
) {
  const { percent = 100, tokens = [], config, ...rest } = options;
  const rolloutState = new StaticRolloutState(
    Object.fromEntries(ALERT_FLAGS.map((f) => [f, percent])),
  );
  return buildApp(handle, { rolloutState, ...rest, config: { apiTokens: tokens, ...config } });
}

export interface Answer {
  status: number;
  headers: Headers;
  text: string;
}

export async function call(
  app: ReturnType<typeof buildApp>,
  method: string,
  path: string,
  body?: string,
  headers: Record<string, string> = {},
): Promise<Answer> {
  const response = await app.fetch(`http://gateway${path}`, {
    method,
    headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
    body,
  });
  return { status: response.status, headers: response.headers, text: await response.text() };
}

/** Empties the alert tables (and the sequences, so ids are predictable per test). */
export async function resetAlerts(handle: DatabaseHandle): Promise<void> {
  await handle.rows(
    sql`truncate alert_deliveries, alert_history, alert_rule_state, alert_rule_changes, alert_rules restart identity cascade`,
  );
}
