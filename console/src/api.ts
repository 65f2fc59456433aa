// The console's only server: this gateway's /graphql (admin fields need the rollout:admin scope).
// The operator's token is kept in session storage (gone when the tab closes); without configured
// tokens (development) no token is needed.

import type { Change, Live, Mismatch, Mode, Rollout } from './types.js';

export type * from './types.js';

const TOKEN_KEY = 'rollout-console-token';

/** The gateway refused the token (401/403): the console asks for another. */
export class AuthError extends Error {}

export const token = {
  get: (): string | null => sessionStorage.getItem(TOKEN_KEY),
  set: (value: string | null): void => {
    if (value) sessionStorage.setItem(TOKEN_KEY, value);
    else sessionStorage.removeItem(TOKEN_KEY);
  },
};

interface GraphQLError {
  message: string;
  extensions?: { code?: string };
}

export async function gql<T>(query: string, variables: Record<string, unknown> = {}): Promise<T> {
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    accept: 'application/graphql-response+json, application/json',
  };
  const bearer = token.get();
  if (bearer) headers.authorization = `Bearer ${bearer}`;
  const response = await fetch('/graphql', {
    method: 'POST',
    headers,
    body: JSON.stringify({ query, variables }),
  });
  let body: { data?: T; errors?: GraphQLError[] };
  try {
    body = await response.json();
  } catch {
    throw new Error(`the gateway answered HTTP ${response.status} without a GraphQL body`);
  }
  const [first] = body.errors ?? [];
  if (first) {
    const code = first.extensions?.code;
    if (code === 'UNAUTHENTICATED' || code === 'FORBIDDEN') throw new AuthError(first.message);
    throw new Error(body.errors!.map((e) => e.message).join('; '));
  }
  if (!body.data) throw new Error(`the gateway answered HTTP ${response.status} without data`);
  return body.data;
}

const ROLLOUT = `
  flag percent mode steps step nextStep version updatedAt updatedBy servingPercent servingMode
  shadowPercent fields
  breaker { state since }
  guard { steps holdSeconds onBreach }
  evidence {
    version since replicas domainRequests domainErrors domainServed fallbacks comparisons
    mismatches noise errorRate fallbackRate mismatchRate noiseRate p99DomainSeconds
    p99LegacySeconds gates { name status value limit text } decision { action reason targetPercent }
  }
  counters {
    decisions { path reason count }
    fallbacks { cause count }
    errors { path count }
    latency { path count meanSeconds p50Seconds p99Seconds buckets { le count } }
  }`;

export const loadLive = () =>
  gql<Live>(`query ConsoleLive { rolloutFields { coordinate flag } rollouts { ${ROLLOUT} } }`);

const MISMATCH =
  'id flag at version args keyHash primaryPath primaryMs shadowMs diff { path primary shadow }';

export const loadFieldDetail = (flag: string) =>
  gql<{ rolloutChanges: Change[]; rolloutMismatches: Mismatch[] }>(
    `query ConsoleField($flag: String!) {
      rolloutChanges(flag: $flag, limit: 30) {
        id at by action fromPercent fromMode toPercent toMode version reason requestId detail
      }
      rolloutMismatches(flag: $flag, first: 5) { ${MISMATCH} }
    }`,
    { flag },
  );

export const loadMismatches = (flag: string) =>
  gql<{ rolloutMismatches: Mismatch[] }>(
    `query ConsoleMismatches($flag: String!) { rolloutMismatches(flag: $flag, first: 50) { ${MISMATCH} } }`,
    { flag },
  );

export type Action = 'set' | 'promote' | 'pause' | 'resume' | 'kill' | 'shadow';

const MUTATIONS: Record<Action, string> = {
  set: 'setRolloutPercentage',
  promote: 'promoteRollout',
  pause: 'pauseRollout',
  resume: 'resumeRollout',
  kill: 'killRollout',
  shadow: 'setRolloutShadow',
};

export type ActionResult =
  | {
      kind: 'changed';
      version: number;
      percent: number;
      mode: Mode;
      shadowPercent: number;
      changed: boolean;
    }
  | { kind: 'conflict'; message: string; current: Pick<Rollout, 'version' | 'percent' | 'mode'> }
  | { kind: 'rejected'; message: string; code: string };

/** Applies one change, sending the version the operator read: a newer one is a conflict. */
export async function act(
  action: Action,
  flag: string,
  reason: string,
  expectedVersion: number,
  percent?: number,
): Promise<ActionResult> {
  const withPercent = action === 'set' || action === 'shadow';
  const data = await gql<{ result: Record<string, never> }>(
    `mutation ConsoleAction($flag: String!, $reason: String!, $version: Int${withPercent ? ', $percent: Float!' : ''}) {
      result: ${MUTATIONS[action]}(flag: $flag, reason: $reason, expectedVersion: $version${withPercent ? ', percent: $percent' : ''}) {
        __typename
        ... on RolloutChanged { rollout { version percent mode shadowPercent } change { id } }
        ... on RolloutConflictError { message current { version percent mode } }
        ... on RolloutRejectedError { message code }
      }
    }`,
    { flag, reason, version: expectedVersion, ...(withPercent ? { percent } : {}) },
  );
  const r = data.result as unknown as {
    __typename: string;
    message: string;
    code: string;
    rollout: Rollout;
    change: { id: string } | null;
    current: Rollout;
  };
  if (r.__typename === 'RolloutConflictError') {
    return { kind: 'conflict', message: r.message, current: r.current };
  }
  if (r.__typename === 'RolloutRejectedError') {
    return { kind: 'rejected', message: r.message, code: r.code };
  }
  return {
    kind: 'changed',
    version: r.rollout.version,
    percent: r.rollout.percent,
    mode: r.rollout.mode,
    shadowPercent: r.rollout.shadowPercent,
    changed: r.change !== null,
  };
}
