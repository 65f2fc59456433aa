// The rollout admin API, read side: Rollout (the flag's row, its schedule position, what this
// process routes by, recent changes and live counters), Query.rollouts and Query.rolloutChanges.
// Every admin field needs a principal with the `rollout:admin` scope; refusals are logged.
import { requireScope } from '../../auth/access.js';
import type { LatencyBucket, RolloutCounters } from '../../ops/rollout-counters.js';
import { rolloutCounters } from '../../ops/rollout-counters.js';
import type { RolloutChangeRow, RolloutRow } from '../../rollout/pg-rows.js';
import { builder } from '../builder.js';
import type { GraphQLContext } from '../context.js';
import { requireStorableText } from '../errors.js';
import { requiresScope } from '../field-scope.js';

/**
 * Refuses callers without the operator scope (401 UNAUTHENTICATED without a valid token, 403
 * FORBIDDEN without `rollout:admin`; open when no tokens are configured). Every refusal is logged
 * with the request id (the request logger's), the principal and the operation.
 */
export function requireRolloutAdmin(ctx: GraphQLContext, operation: string): void {
  requireScope(ctx, 'rollout:admin', (denied) =>
    ctx.logger.warn(
      {
        principal: ctx.principal?.name ?? null,
        operation,
        scope: 'rollout:admin',
        code: denied.code,
      },
      'rollout: admin access refused',
    ),
  );
}

export const RolloutMode = builder.enumType('RolloutMode', {
  description: 'How a rollout routes callers and whether it may move.',
  values: {
    ACTIVE: { value: 'active', description: 'Callers are routed by their sticky bucket.' },
    PAUSED: { value: 'paused', description: 'Routes like ACTIVE; the percentage may not rise.' },
    KILLED: { value: 'killed', description: 'Every caller on the legacy path; percentage kept.' },
  } as const,
});

export const RolloutChange = builder.objectRef<RolloutChangeRow>('RolloutChange').implement({
  description: 'One applied change of a rollout (the append-only change log).',
  fields: (t) => ({
    id: t.exposeID('id', { description: 'The change id (ascending in time).' }),
    flag: t.exposeString('flag', { description: 'The rollout flag changed.' }),
    at: t.field({ type: 'DateTime', description: 'When it was applied.', resolve: (c) => c.at }),
    by: t.exposeString('by', { description: 'The principal, or `env` for the seed.' }),
    action: t.exposeString('action', {
      description:
        'The action: seed, set, promote, pause, resume, kill, shadow, guard, unguard, rollback.',
    }),
    fromPercent: t.exposeFloat('fromPercent', {
      nullable: true,
      description: 'The percentage before (null for the seed).',
    }),
    fromMode: t.field({
      type: RolloutMode,
      nullable: true,
      description: 'The mode before (null for the seed).',
      resolve: (c) => c.fromMode,
    }),
    toPercent: t.exposeFloat('toPercent', { description: 'The percentage after.' }),
    toMode: t.field({
      type: RolloutMode,
      description: 'The mode after.',
      resolve: (c) => c.toMode,
    }),
    version: t.exposeInt('version', { description: "The flag's version after the change." }),
    reason: t.exposeString('reason', { description: 'Why, as the operator wrote it.' }),
    requestId: t.exposeString('requestId', {
      nullable: true,
      description: 'The X-Request-Id of the request that made it.',
    }),
  }),
});

const DecisionCount = builder
  .objectRef<RolloutCounters['decisions'][number]>('RolloutDecisionCount')
  .implement({
    description: 'How many requests were routed one way for one reason.',
    fields: (t) => ({
      path: t.exposeString('path', { description: 'The path: domain or legacy.' }),
      reason: t.exposeString('reason', {
        description: 'The reason: forced, bucket, killed or no_key.',
      }),
      count: t.exposeFloat('count', { description: 'Requests since this process started.' }),
    }),
  });

const FallbackCount = builder
  .objectRef<RolloutCounters['fallbacks'][number]>('RolloutFallbackCount')
  .implement({
    description: 'How many domain reads fell back to legacy for one cause.',
    fields: (t) => ({
      cause: t.exposeString('cause', { description: 'The cause: error or timeout.' }),
      count: t.exposeFloat('count', { description: 'Fallbacks since this process started.' }),
    }),
  });

const PathErrorCount = builder
  .objectRef<RolloutCounters['errors'][number]>('RolloutPathErrorCount')
  .implement({
    description: 'How many resolutions of one path of the flag failed in this process.',
    fields: (t) => ({
      path: t.exposeString('path', { description: 'The path: domain or legacy.' }),
      count: t.exposeFloat('count', {
        description:
          'Resolutions that threw or overran their budget since this process started (a failed domain read is also a fallback).',
      }),
    }),
  });

const LatencyBucketRef = builder.objectRef<LatencyBucket>('RolloutLatencyBucket').implement({
  description: 'One bucket of a path latency histogram (cumulative, as in /metrics).',
  fields: (t) => ({
    le: t.exposeFloat('le', {
      nullable: true,
      description: 'Upper bound in seconds; null for the last, unbounded bucket.',
    }),
    count: t.exposeFloat('count', { description: 'Resolutions that took at most `le`.' }),
  }),
});

const PathLatency = builder
  .objectRef<RolloutCounters['latency'][number]>('RolloutPathLatency')
  .implement({
    description: 'Latency of one path of the flag in this process.',
    fields: (t) => ({
      path: t.exposeString('path', { description: 'The path: domain or legacy.' }),
      count: t.exposeFloat('count', { description: 'Resolutions measured.' }),
      meanSeconds: t.exposeFloat('meanSeconds', { description: 'Mean latency in seconds.' }),
      p50Seconds: t.exposeFloat('p50Seconds', {
        nullable: true,
        description:
          'Median latency in seconds, interpolated within its histogram bucket; null without timings.',
      }),
      p95Seconds: t.exposeFloat('p95Seconds', {
        nullable: true,
        description: 'Upper bound of the histogram bucket holding the 95th percentile.',
      }),
      p99Seconds: t.exposeFloat('p99Seconds', {
        nullable: true,
        description:
          '99th percentile latency in seconds, interpolated within its histogram bucket; null without timings.',
      }),
      buckets: t.field({
        type: [LatencyBucketRef],
        description:
          'The histogram itself, so a client can compute quantiles over an interval from two readings.',
        resolve: (l) => l.buckets,
      }),
    }),
  });

const Counters = builder.objectRef<RolloutCounters>('RolloutCounters').implement({
  description: "This gateway process's counters for the flag, since it started (as /metrics).",
  fields: (t) => ({
    decisions: t.field({
      type: [DecisionCount],
      description: 'Routing decisions by path and reason.',
      resolve: (c) => c.decisions,
    }),
    fallbacks: t.field({
      type: [FallbackCount],
      description: 'Fallbacks to legacy by cause.',
      resolve: (c) => c.fallbacks,
    }),
    errors: t.field({
      type: [PathErrorCount],
      description: 'Failed resolutions by path.',
      resolve: (c) => c.errors,
    }),
    latency: t.field({
      type: [PathLatency],
      description: 'Latency per path.',
      resolve: (c) => c.latency,
    }),
  }),
});

export const Rollout = builder.objectRef<RolloutRow>('Rollout').implement({
  description: 'The rollout of one migrated field, as stored (the source of truth).',
  fields: (t) => ({
    flag: t.exposeString('flag', { description: 'The rollout flag.' }),
    percent: t.exposeFloat('percent', {
      description: 'Share of callers (0-100) routed to the domain path, as stored.',
    }),
    mode: t.field({
      type: RolloutMode,
      description: 'The mode: active, paused or killed.',
      resolve: (r) => r.mode,
    }),
    steps: t.exposeFloatList('steps', { description: 'The step schedule, rising percentages.' }),
    step: t.int({
      nullable: true,
      description: '1-based position of `percent` in `steps`; null between (or before) steps.',
      resolve: (r) => (r.steps.includes(r.percent) ? r.steps.indexOf(r.percent) + 1 : null),
    }),
    nextStep: t.float({
      nullable: true,
      description: 'What promoteRollout would move to; null at the last step.',
      resolve: (r) => r.steps.find((s) => s > r.percent) ?? null,
    }),
    version: t.exposeInt('version', { description: 'Pass as expectedVersion to change it.' }),
    updatedAt: t.field({
      type: 'DateTime',
      description: 'When it last changed.',
      resolve: (r) => r.updatedAt,
    }),
    updatedBy: t.exposeString('updatedBy', { description: 'Who changed it last.' }),
    servingPercent: t.float({
      description: 'The percentage this gateway process routes by right now (from memory).',
      resolve: (r, _args, ctx) => ctx.rolloutAdmin.state.get(r.flag).percent,
    }),
    servingMode: t.field({
      type: RolloutMode,
      description: 'The mode this gateway process routes by right now (from memory).',
      resolve: (r, _args, ctx) => ctx.rolloutAdmin.state.get(r.flag).mode,
    }),
    // One query per flag: there are a handful of flags and only operators ask.
    recentChanges: t.field({
      type: [RolloutChange],
      description: 'Its latest changes, newest first.',
      args: { limit: t.arg.int({ defaultValue: 10, required: true, description: '1..100' }) },
      resolve: (r, args, ctx) => ctx.rolloutAdmin.control.history(r.flag, clampLimit(args.limit)),
    }),
    counters: t.field({
      type: Counters,
      description: "This process's counters for the flag.",
      resolve: (r, _args, ctx) => rolloutCounters(ctx.rolloutAdmin.metrics, r.flag),
    }),
  }),
});

builder.queryFields((t) => ({
  rollouts: t.field({
    type: [Rollout],
    description: 'Every rollout flag (or one), with its state. Needs the rollout:admin scope.',
    extensions: requiresScope('rollout:admin'),
    args: { flag: t.arg.string({ required: false, description: 'Only this flag.' }) },
    resolve: (_root, args, ctx) => {
      requireRolloutAdmin(ctx, 'rollouts');
      requireStorableText('flag', args.flag);
      return ctx.rolloutAdmin.control.list(args.flag ?? undefined);
    },
  }),
  rolloutChanges: t.field({
    type: [RolloutChange],
    description: 'The change log, newest first. Needs the rollout:admin scope.',
    extensions: requiresScope('rollout:admin'),
    args: {
      flag: t.arg.string({ required: false, description: 'Only changes of this flag.' }),
      limit: t.arg.int({ defaultValue: 50, required: true, description: '1..100' }),
    },
    resolve: (_root, args, ctx) => {
      requireRolloutAdmin(ctx, 'rolloutChanges');
      requireStorableText('flag', args.flag);
      return ctx.rolloutAdmin.control.history(args.flag ?? undefined, clampLimit(args.limit));
    },
  }),
}));

function clampLimit(limit: number): number {
  return Math.min(Math.max(limit, 1), 100);
}
