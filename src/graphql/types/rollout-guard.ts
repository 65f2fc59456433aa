// The guarded-rollout admin API, read side: a rollout's shadow share, guard, breaker (this
// process) and the evidence of its current step with the guard's next decision, and
// Query.rolloutMismatches. Every field needs the rollout:admin scope (through Query.rollouts).
import type { BreakerSnapshot } from '../../rollout/breaker.js';
import type { Assessment } from '../../rollout/guard-controller.js';
import type { Gate, GuardDecision } from '../../rollout/guard-rules.js';
import { quantile } from '../../rollout/guard-rules.js';
import {
  type GuardRow,
  loadGuards,
  loadMismatches,
  type MismatchRow,
} from '../../rollout/pg-guard.js';
import { builder } from '../builder.js';
import { Rollout, RolloutChange, RolloutMode, requireRolloutAdmin } from './rollout.js';

export const RolloutBreachAction = builder.enumType('RolloutBreachAction', {
  description: 'What the guard does when a gate fails.',
  values: {
    PREVIOUS: {
      value: 'previous',
      description: 'Back to the previous step (0 before the first), paused.',
    },
    KILL: { value: 'kill', description: 'Kill the rollout: every caller on legacy.' },
  } as const,
});

const BreakerStateEnum = builder.enumType('RolloutBreakerState', {
  values: {
    CLOSED: {
      value: 'closed',
      description: 'Domain-bucket callers are served by the domain path.',
    },
    OPEN: {
      value: 'open',
      description: 'Domain-bucket callers are served by legacy (reason breaker_open).',
    },
    HALF_OPEN: { value: 'half_open', description: 'One probe call is trying the domain path.' },
  } as const,
});

const RolloutBreaker = builder.objectRef<BreakerSnapshot>('RolloutBreaker').implement({
  description: "This gateway process's circuit breaker of the flag's domain path.",
  fields: (t) => ({
    state: t.field({ type: BreakerStateEnum, resolve: (b) => b.state }),
    since: t.field({ type: 'DateTime', resolve: (b) => b.since }),
  }),
});

type GuardView = GuardRow & { lease: { holder: string; expiresAt: Date } | null; me: string };

const RolloutController = builder
  .objectRef<{ holder: string; expiresAt: Date; me: string }>('RolloutGuardController')
  .implement({
    description: 'The replica holding the controller lease (it evaluates every guard).',
    fields: (t) => ({
      holder: t.exposeString('holder'),
      expiresAt: t.field({ type: 'DateTime', resolve: (c) => c.expiresAt }),
      thisReplica: t.boolean({ resolve: (c) => c.holder === c.me }),
    }),
  });

const RolloutGuard = builder.objectRef<GuardView>('RolloutGuard').implement({
  description: 'Automatic promotion and rollback of a rollout by its evidence.',
  fields: (t) => ({
    steps: t.exposeFloatList('steps'),
    holdSeconds: t.float({ resolve: (g) => g.holdMs / 1000 }),
    minRequests: t.exposeInt('minRequests'),
    minComparisons: t.exposeInt('minComparisons'),
    maxErrorRate: t.exposeFloat('maxErrorRate', { nullable: true }),
    maxFallbackRate: t.exposeFloat('maxFallbackRate', { nullable: true }),
    maxMismatchRate: t.exposeFloat('maxMismatchRate', { nullable: true }),
    maxP99Ratio: t.exposeFloat('maxP99Ratio', { nullable: true }),
    srmPValue: t.exposeFloat('srmPValue', { nullable: true }),
    onBreach: t.field({ type: RolloutBreachAction, resolve: (g) => g.onBreach }),
    updatedAt: t.field({ type: 'DateTime', resolve: (g) => g.updatedAt }),
    updatedBy: t.exposeString('updatedBy'),
    reason: t.exposeString('reason'),
    controller: t.field({
      type: RolloutController,
      nullable: true,
      resolve: (g) => (g.lease ? { ...g.lease, me: g.me } : null),
    }),
  }),
});

const RolloutGate = builder.objectRef<Gate>('RolloutGate').implement({
  fields: (t) => ({
    name: t.exposeString('name', {
      description: 'error_rate, fallback_rate, mismatch_rate, p99_ratio, sample_ratio.',
    }),
    status: t.exposeString('status', { description: 'pass, fail, pending or off.' }),
    value: t.exposeFloat('value', { nullable: true }),
    limit: t.exposeFloat('limit', { nullable: true }),
    samples: t.exposeFloat('samples'),
    text: t.exposeString('text'),
  }),
});

const RolloutGuardDecision = builder.objectRef<GuardDecision>('RolloutGuardDecision').implement({
  fields: (t) => ({
    action: t.exposeString('action', { description: 'promote, rollback, hold or none.' }),
    reason: t.exposeString('reason'),
    targetPercent: t.float({ nullable: true, resolve: (d) => d.target?.percent ?? null }),
    targetMode: t.field({
      type: RolloutMode,
      nullable: true,
      resolve: (d) => d.target?.mode ?? null,
    }),
  }),
});

const rate = (n: number, d: number) => (d > 0 ? n / d : null);

const RolloutEvidence = builder.objectRef<Assessment>('RolloutEvidence').implement({
  description: "Every replica's evidence at the flag's current step (version), summed.",
  fields: (t) => ({
    version: t.exposeInt('version'),
    since: t.field({ type: 'DateTime', resolve: (a) => a.since }),
    replicas: t.exposeInt('replicas'),
    domainRequests: t.float({
      resolve: (a) => a.counts.domainRuns,
      description: 'Served or shadowed.',
    }),
    domainErrors: t.float({ resolve: (a) => a.counts.domainErrors }),
    domainServed: t.float({ resolve: (a) => a.counts.domainServed }),
    fallbacks: t.float({ resolve: (a) => a.counts.fallbacks }),
    comparisons: t.float({ resolve: (a) => a.counts.comparisons }),
    mismatches: t.float({ resolve: (a) => a.counts.mismatches, description: 'Real mismatches.' }),
    noise: t.float({ resolve: (a) => a.counts.noise }),
    errorRate: t.float({
      nullable: true,
      resolve: (a) => rate(a.counts.domainErrors, a.counts.domainRuns),
    }),
    fallbackRate: t.float({
      nullable: true,
      resolve: (a) => rate(a.counts.fallbacks, a.counts.domainServed),
    }),
    mismatchRate: t.float({
      nullable: true,
      resolve: (a) => rate(a.counts.mismatches, a.counts.comparisons),
    }),
    noiseRate: t.float({
      nullable: true,
      resolve: (a) => rate(a.counts.noise, a.counts.comparisons),
    }),
    callersDomain: t.float({ resolve: (a) => a.counts.bucketDomain }),
    callersLegacy: t.float({ resolve: (a) => a.counts.bucketLegacy }),
    p99DomainSeconds: t.float({ nullable: true, resolve: (a) => p99(a.counts.domainLatency) }),
    p99LegacySeconds: t.float({ nullable: true, resolve: (a) => p99(a.counts.legacyLatency) }),
    gates: t.field({ type: [RolloutGate], resolve: (a) => a.decision?.gates ?? [] }),
    decision: t.field({
      type: RolloutGuardDecision,
      nullable: true,
      description: 'What the guard decides next (null without a guard).',
      resolve: (a) => a.decision,
    }),
  }),
});

function p99(histogram: number[]): number | null {
  return histogram.some((n) => n > 0) ? quantile(histogram, 0.99) : null;
}

builder.objectFields(Rollout, (t) => ({
  shadowPercent: t.exposeFloat('shadowPercent', {
    description: 'Share of reads whose other path also runs, after the answer, for comparison.',
  }),
  guard: t.field({
    type: RolloutGuard,
    nullable: true,
    resolve: async (r, _args, ctx) => {
      const [guard] = await loadGuards(ctx.rolloutAdmin.control.db, r.flag);
      if (!guard) return null;
      const { controller } = ctx.rolloutAdmin.guard;
      return { ...guard, lease: await controller.lease(), me: controller.replica };
    },
  }),
  breaker: t.field({
    type: RolloutBreaker,
    resolve: (r, _args, ctx) => ctx.rolloutAdmin.guard.breakers.snapshot(r.flag),
  }),
  evidence: t.field({
    type: RolloutEvidence,
    resolve: async (r, _args, ctx) => {
      const [guard] = await loadGuards(ctx.rolloutAdmin.control.db, r.flag);
      return ctx.rolloutAdmin.guard.controller.assess(r, guard);
    },
  }),
  noisePaths: t.stringList({
    description: 'Field paths this process has seen differ between two runs of one path (noise).',
    resolve: (r, _args, ctx) => ctx.rolloutAdmin.guard.shadow.noisePatterns(r.flag),
  }),
}));

builder.objectFields(RolloutChange, (t) => ({
  detail: t.field({
    type: 'JSON',
    nullable: true,
    description: 'Shadow share, guard settings, or the evidence the guard decided on.',
    resolve: (c) => c.detail,
  }),
}));

const Difference = builder
  .objectRef<{ path: string; primary: unknown; shadow: unknown }>('RolloutDifference')
  .implement({
    fields: (t) => ({
      path: t.exposeString('path', { description: 'Dot-joined; list indexes as numbers.' }),
      primary: t.field({ type: 'JSON', nullable: true, resolve: (d) => d.primary }),
      shadow: t.field({ type: 'JSON', nullable: true, resolve: (d) => d.shadow }),
    }),
  });

const RolloutMismatch = builder.objectRef<MismatchRow>('RolloutMismatch').implement({
  description: 'A shadow comparison whose answers differed on paths that are not noise.',
  fields: (t) => ({
    id: t.exposeID('id'),
    flag: t.exposeString('flag'),
    at: t.field({ type: 'DateTime', resolve: (m) => m.at }),
    version: t.exposeInt('version'),
    args: t.field({ type: 'JSON', resolve: (m) => m.args }),
    keyHash: t.exposeString('keyHash', {
      nullable: true,
      description: 'SHA-256 of the sticky key, first 16 hex digits.',
    }),
    primaryPath: t.exposeString('primaryPath', {
      description: 'The path that answered the caller.',
    }),
    primaryMs: t.exposeFloat('primaryMs'),
    shadowMs: t.exposeFloat('shadowMs'),
    diff: t.field({
      type: [Difference],
      resolve: (m) => m.diff as { path: string; primary: unknown; shadow: unknown }[],
    }),
  }),
});

builder.queryFields((t) => ({
  rolloutMismatches: t.field({
    type: [RolloutMismatch],
    description: "A flag's newest shadow mismatches (newest first). Needs the rollout:admin scope.",
    args: {
      flag: t.arg.string({ required: true }),
      first: t.arg.int({ defaultValue: 20, required: true, description: '1..100' }),
    },
    resolve: (_root, args, ctx) => {
      requireRolloutAdmin(ctx, 'rolloutMismatches');
      const first = Math.min(Math.max(args.first, 1), 100);
      return loadMismatches(ctx.rolloutAdmin.control.db, args.flag, first);
    },
  }),
}));
