// The rollout CLI's view of a running gateway: its admin GraphQL API over HTTP with a bearer
// token. The CLI never opens the database: the gateway checks the operator's scope, records the
// change with its request id and notifies the other replicas.
import { GUARD_STATUS_FIELDS } from './rollout-guard-fields.js';

export interface RolloutView {
  flag: string;
  percent: number;
  mode: 'ACTIVE' | 'PAUSED' | 'KILLED';
  steps: number[];
  step: number | null;
  nextStep: number | null;
  version: number;
  updatedAt: string;
  updatedBy: string;
  servingPercent: number;
  servingMode: string;
  counters: {
    decisions: { path: string; reason: string; count: number }[];
    fallbacks: { cause: string; count: number }[];
  };
}

export interface ChangeView {
  id: string;
  flag: string;
  at: string;
  by: string;
  action: string;
  fromPercent: number | null;
  fromMode: string | null;
  toPercent: number;
  toMode: string;
  version: number;
  reason: string;
  requestId: string | null;
}

export type ChangeAnswer =
  | { __typename: 'RolloutChanged'; rollout: RolloutView; change: ChangeView | null }
  | { __typename: 'RolloutConflictError'; message: string; current: RolloutView }
  | { __typename: 'RolloutRejectedError'; message: string; code: string; current: RolloutView };

export class CliError extends Error {}

const ROLLOUT_FIELDS = `flag percent mode steps step nextStep version updatedAt updatedBy
  servingPercent servingMode counters { decisions { path reason count } fallbacks { cause count } }`;
/** What `status` reads: the rollout, and its shadow, breaker, guard and evidence. */
const STATUS_FIELDS = `${ROLLOUT_FIELDS} ${GUARD_STATUS_FIELDS}`;
const CHANGE_FIELDS =
  'id flag at by action fromPercent fromMode toPercent toMode version reason requestId';
const RESULT_FIELDS = `__typename
  ... on RolloutChanged { rollout { ${ROLLOUT_FIELDS} } change { ${CHANGE_FIELDS} } }
  ... on RolloutConflictError { message current { ${ROLLOUT_FIELDS} } }
  ... on RolloutRejectedError { message code current { ${ROLLOUT_FIELDS} } }`;

export type Verb = 'promoteRollout' | 'pauseRollout' | 'resumeRollout' | 'killRollout';

export interface ChangeArgs {
  flag: string;
  reason: string;
  expectedVersion?: number | undefined;
}

export class AdminClient {
  constructor(
    readonly baseUrl: string,
    private readonly token: string | undefined,
    readonly fetchFn: typeof fetch = fetch,
  ) {}

  /** The auth header for any request to the gateway (verification sends it too). */
  headers(): Record<string, string> {
    return this.token ? { authorization: `Bearer ${this.token}` } : {};
  }

  async rollouts(flag?: string): Promise<RolloutView[]> {
    const query = `query ($flag: String) { rollouts(flag: $flag) { ${STATUS_FIELDS} } }`;
    return (await this.graphql<{ rollouts: RolloutView[] }>(query, { flag })).rollouts;
  }

  async rollout(flag: string): Promise<RolloutView> {
    const [found] = await this.rollouts(flag);
    if (!found) throw new CliError(`unknown rollout flag: ${flag}`);
    return found;
  }

  async history(flag: string | undefined, limit: number): Promise<ChangeView[]> {
    const query = `query ($flag: String, $limit: Int!) {
      rolloutChanges(flag: $flag, limit: $limit) { ${CHANGE_FIELDS} } }`;
    return (await this.graphql<{ rolloutChanges: ChangeView[] }>(query, { flag, limit }))
      .rolloutChanges;
  }

  async set(args: ChangeArgs & { percent: number; steps?: number[] }): Promise<ChangeAnswer> {
    const query = `mutation ($flag: String!, $percent: Float!, $reason: String!,
      $expectedVersion: Int, $steps: [Float!]) {
      result: setRolloutPercentage(flag: $flag, percent: $percent, reason: $reason,
        expectedVersion: $expectedVersion, steps: $steps) { ${RESULT_FIELDS} } }`;
    return (await this.graphql<{ result: ChangeAnswer }>(query, { ...args })).result;
  }

  async change(verb: Verb, args: ChangeArgs): Promise<ChangeAnswer> {
    const query = `mutation ($flag: String!, $reason: String!, $expectedVersion: Int) {
      result: ${verb}(flag: $flag, reason: $reason, expectedVersion: $expectedVersion) {
        ${RESULT_FIELDS} } }`;
    return (await this.graphql<{ result: ChangeAnswer }>(query, { ...args })).result;
  }

  async graphql<T>(query: string, variables: Record<string, unknown>): Promise<T> {
    let response: Response;
    try {
      response = await this.fetchFn(new URL('/graphql', this.baseUrl), {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...this.headers() },
        body: JSON.stringify({ query, variables }),
      });
    } catch (error) {
      throw new CliError(
        `cannot reach the gateway at ${this.baseUrl}: ${(error as Error).message}`,
      );
    }
    const body = (await response.json().catch(() => null)) as {
      data?: T;
      errors?: { message: string; extensions?: { code?: string } }[];
    } | null;
    const first = body?.errors?.[0];
    if (first) {
      const code = first.extensions?.code;
      const hint = code === 'UNAUTHENTICATED' ? ' (set ROLLOUT_TOKEN or pass --token)' : '';
      throw new CliError(`${code ? `${code}: ` : ''}${first.message}${hint}`);
    }
    if (!response.ok || !body?.data) {
      throw new CliError(`the gateway answered HTTP ${response.status} without data`);
    }
    return body.data;
  }
}
