// `rollout shadow | guard | mismatches`: the guarded-rollout commands of the rollout CLI, over the
// gateway's admin GraphQL API, and how `status` shows a guard, its evidence and next decision.
import {
  type AdminClient,
  type ChangeAnswer,
  CliError,
  type RolloutView,
} from './rollout-client.js';
import type { GuardStatusView } from './rollout-guard-fields.js';
import { parseDuration, parseSteps } from './rollout-run.js';

export const GUARD_USAGE = `  shadow <flag> <percent> --reason R  share of reads whose other path also runs, compared
  guard <flag> --steps 10,50,100 --hold 30s --min-requests 200 [--min-comparisons N]
        [--max-error-rate 0.01] [--max-fallback-rate R] [--max-mismatch-rate 0.01]
        [--max-p99-ratio 2] [--srm-p 0.001|off] [--on-breach previous|kill] --reason R
  guard <flag> --off --reason R       remove the guard (the percentage stays)
  mismatches <flag> [--limit N]       the newest shadow mismatches, with their differences`;

export const GUARD_OPTIONS = {
  off: { type: 'boolean' },
  'min-requests': { type: 'string' },
  'min-comparisons': { type: 'string' },
  'max-error-rate': { type: 'string' },
  'max-fallback-rate': { type: 'string' },
  'max-mismatch-rate': { type: 'string' },
  'max-p99-ratio': { type: 'string' },
  'srm-p': { type: 'string' },
  'on-breach': { type: 'string' },
} as const;

export interface GuardFlags {
  steps?: string | undefined;
  hold?: string | undefined;
  off?: boolean | undefined;
  'min-requests'?: string | undefined;
  'min-comparisons'?: string | undefined;
  'max-error-rate'?: string | undefined;
  'max-fallback-rate'?: string | undefined;
  'max-mismatch-rate'?: string | undefined;
  'max-p99-ratio'?: string | undefined;
  'srm-p'?: string | undefined;
  'on-breach'?: string | undefined;
}

const RESULT = `__typename
  ... on RolloutChanged { rollout { flag version shadowPercent } change { version action toPercent toMode } }
  ... on RolloutConflictError { message current { version } }
  ... on RolloutRejectedError { message code current { version } }`;

type GuardAnswer =
  | {
      __typename: 'RolloutChanged';
      rollout: { flag: string; version: number; shadowPercent: number };
      change: { version: number; action: string } | null;
    }
  | Exclude<ChangeAnswer, { __typename: 'RolloutChanged' }>;

export async function setShadow(
  client: AdminClient,
  args: { flag: string; percent: number; reason: string; expectedVersion?: number | undefined },
): Promise<GuardAnswer> {
  const query = `mutation ($flag: String!, $percent: Float!, $reason: String!, $expectedVersion: Int) {
    result: setRolloutShadow(flag: $flag, percent: $percent, reason: $reason, expectedVersion: $expectedVersion) { ${RESULT} } }`;
  return (await client.graphql<{ result: GuardAnswer }>(query, { ...args })).result;
}

export async function setGuard(
  client: AdminClient,
  args: { flag: string; reason: string; expectedVersion?: number | undefined; o: GuardFlags },
): Promise<GuardAnswer> {
  const { flag, reason, expectedVersion, o } = args;
  if (o.off) {
    const query = `mutation ($flag: String!, $reason: String!, $expectedVersion: Int) {
      result: removeRolloutGuard(flag: $flag, reason: $reason, expectedVersion: $expectedVersion) { ${RESULT} } }`;
    return (await client.graphql<{ result: GuardAnswer }>(query, { flag, reason, expectedVersion }))
      .result;
  }
  if (!o.steps) throw new CliError('guard: --steps is required (or --off)');
  if (!o['min-requests']) throw new CliError('guard: --min-requests is required');
  const num = (name: keyof GuardFlags) => {
    const text = o[name] as string | undefined;
    if (text === undefined || text === 'off') return null;
    const n = Number(text);
    if (!Number.isFinite(n)) throw new CliError(`guard: --${name} is not a number: ${text}`);
    return n;
  };
  const breach = o['on-breach'] ?? 'previous';
  if (breach !== 'previous' && breach !== 'kill')
    throw new CliError('guard: --on-breach is previous or kill');
  const guard = {
    steps: parseSteps(o.steps),
    holdSeconds: parseDuration(o.hold ?? '60s') / 1000,
    minRequests: num('min-requests'),
    minComparisons: num('min-comparisons'),
    maxErrorRate: num('max-error-rate'),
    maxFallbackRate: num('max-fallback-rate'),
    maxMismatchRate: num('max-mismatch-rate'),
    maxP99Ratio: num('max-p99-ratio'),
    srmPValue: o['srm-p'] === undefined ? 0.001 : num('srm-p'),
    onBreach: breach.toUpperCase(),
  };
  const query = `mutation ($flag: String!, $guard: RolloutGuardInput!, $reason: String!, $expectedVersion: Int) {
    result: setRolloutGuard(flag: $flag, guard: $guard, reason: $reason, expectedVersion: $expectedVersion) { ${RESULT} } }`;
  return (
    await client.graphql<{ result: GuardAnswer }>(query, { flag, guard, reason, expectedVersion })
  ).result;
}

/** Prints a guard change's answer; the exit code. */
export function guardAnswer(
  out: (l: string) => void,
  err: (l: string) => void,
  result: GuardAnswer,
): number {
  if (result.__typename === 'RolloutChanged') {
    const c = result.change;
    const r = result.rollout;
    out(
      c
        ? `${r.flag}: ${c.action} applied (version ${c.version}; shadow ${r.shadowPercent}%)`
        : `${r.flag}: unchanged (version ${r.version})`,
    );
    return 0;
  }
  const code =
    result.__typename === 'RolloutConflictError' ? 'conflict' : result.code.toLowerCase();
  err(`rollout: ${code}: ${result.message}`);
  return 1;
}

interface MismatchView {
  id: string;
  at: string;
  version: number;
  args: unknown;
  keyHash: string | null;
  primaryPath: string;
  primaryMs: number;
  shadowMs: number;
  diff: { path: string; primary: unknown; shadow: unknown }[];
}

export async function printMismatches(
  client: AdminClient,
  flag: string,
  limit: number,
  out: (l: string) => void,
): Promise<void> {
  const query = `query ($flag: String!, $first: Int!) { rolloutMismatches(flag: $flag, first: $first) {
    id at version args keyHash primaryPath primaryMs shadowMs diff { path primary shadow } } }`;
  const { rolloutMismatches: list } = await client.graphql<{ rolloutMismatches: MismatchView[] }>(
    query,
    {
      flag,
      first: limit,
    },
  );
  if (list.length === 0) out(`${flag}: no mismatches stored`);
  const shadowOf = (p: string) => (p === 'domain' ? 'legacy' : 'domain');
  for (const m of list) {
    out(
      `#${m.id} ${m.at} v${m.version} key ${m.keyHash ?? '-'} args ${JSON.stringify(m.args)}  ${m.primaryPath} ${m.primaryMs.toFixed(1)} ms, ${shadowOf(m.primaryPath)} ${m.shadowMs.toFixed(1)} ms, ${m.diff.length} paths differ`,
    );
    for (const d of m.diff.slice(0, 10)) {
      out(
        `    ${d.path || '(answer)'}: ${m.primaryPath} ${show(d.primary)}  ${shadowOf(m.primaryPath)} ${show(d.shadow)}`,
      );
    }
    if (m.diff.length > 10) out(`    … ${m.diff.length - 10} more`);
  }
}

function show(value: unknown): string {
  if (value === null || value === undefined) return '(missing)';
  const text = JSON.stringify(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/** The status lines of shadow, breaker, guard and evidence. */
export function formatGuardStatus(r: RolloutView & Partial<GuardStatusView>): string[] {
  if (r.evidence === undefined) return [];
  const e = r.evidence;
  const pct = (x: number | null) => (x === null ? '-' : `${(x * 100).toFixed(2)}%`);
  const lines = [
    `  shadow ${r.shadowPercent}%; breaker ${r.breaker?.state.toLowerCase()} since ${r.breaker?.since}`,
    `  evidence at version ${e.version} (since ${e.since}, ${e.replicas} replicas): domain requests ${e.domainRequests}, error rate ${pct(e.errorRate)}, fallback rate ${pct(e.fallbackRate)}; comparisons ${e.comparisons}, real mismatches ${e.mismatches} (${pct(e.mismatchRate)}), noise ${e.noise} (${pct(e.noiseRate)})`,
  ];
  const g = r.guard;
  if (!g) return [...lines, '  guard: none'];
  const controller = g.controller
    ? `${g.controller.holder}${g.controller.thisReplica ? ' (this gateway)' : ''}`
    : 'none yet';
  lines.push(
    `  guard: steps [${g.steps.join(', ')}], hold ${g.holdSeconds}s, min ${g.minRequests} requests / ${g.minComparisons} comparisons, on breach ${g.onBreach.toLowerCase()}; controller ${controller}`,
    `  next: ${e.decision?.action ?? '-'}: ${e.decision?.reason ?? ''}`,
  );
  return lines;
}
