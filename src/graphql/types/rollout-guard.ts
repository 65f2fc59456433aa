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
  description: "The state of a flag's circuit breaker in one process.",
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
    state: t.field({ type: BreakerStateEnum, description: 'Its state.', resolve: (b) => b.state }),
    since: t.field({
      type: 'DateTime',
      description: 'When it entered this state.',
      resolve: (b) => b.since,
    }),
  }),
});

type GuardView = GuardRow & { lease: { holder: string; expiresAt: Date } | null; me: string };

const RolloutController = builder
  .objectRef<{ holder: string; expiresAt: Date; me: string }>('RolloutGuardController')
  .implement({
    description: 'The replica holding the controller lease (it evaluates every guard).',
    fields: (t) => ({
      holder: t.exposeString('holder', { description: "The holding replica's name." }),
      expiresAt: t.field({
        type: 'DateTime',
        description: 'When the lease lapses unless renewed.',
        resolve: (c) => c.expiresAt,
      }),
      thisReplica: t.boolean({
        description: 'Whether the replica answering this request holds it.',
        resolve: (c) => c.holder === c.me,
      }),
    }),
  });

const RolloutGuard = builder.objectRef<GuardView>('RolloutGuard').implement({
  description: 'Automatic promotion and rollback of a rollout by its evidence.',
  fields: (t) => ({
    steps: t.exposeFloatList('steps', { description: 'The step schedule, rising percentages.' }),
    holdSeconds: t.float({
      description: 'Least time each step is held, in seconds.',
      resolve: (g) => g.holdMs / 1000,
    }),
    minRequests: t.exposeInt('minRequests', {
      description: 'Domain executions (served or shadowed) a step needs.',
    }),
    minComparisons: t.exposeInt('minComparisons', {
      description: 'Shadow comparisons a read step needs.',
    }),
    maxErrorRate: t.exposeFloat('maxErrorRate', {
      nullable: true,
      description: 'Most domain errors per domain execution (a fraction, 0-1); null: gate off.',
    }),
    maxFallbackRate: t.exposeFloat('maxFallbackRate', {
      nullable: true,
      description: 'Most fallbacks per domain-served request (a fraction, 0-1); null: gate off.',
    }),
    maxMismatchRate: t.exposeFloat('maxMismatchRate', {
      nullable: true,
      description: 'Most real mismatches per comparison (a fraction, 0-1); null: gate off.',
    }),
    maxP99Ratio: t.exposeFloat('maxP99Ratio', {
      nullable: true,
      description: 'Most p99 latency of domain over legacy (a ratio); null: gate off.',
    }),
    srmPValue: t.exposeFloat('srmPValue', {
      nullable: true,
      description: 'The sample-ratio test fails below this p-value; null: gate off.',
    }),
    onBreach: t.field({
      type: RolloutBreachAction,
      description: 'What happens when a gate fails.',
      resolve: (g) => g.onBreach,
    }),
    updatedAt: t.field({
      type: 'DateTime',
      description: 'When the guard was last set.',
      resolve: (g) => g.updatedAt,
    }),
    updatedBy: t.exposeString('updatedBy', { description: 'Who set it last.' }),
    reason: t.exposeString('reason', { description: 'Why, as the operator wrote it.' }),
    controller: t.field({
      type: RolloutController,
      nullable: true,
      description: 'The controller lease; null when no replica holds it.',
      resolve: (g) => (g.lease ? { ...g.lease, me: g.me } : null),
    }),
  }),
});

const RolloutGate = builder.objectRef<Gate>('RolloutGate').implement({
  description: "One check of the guard on the step's evidence.",
  fields: (t) => ({
    name: t.exposeString('name', {
      description: 'The gate: error_rate, fallback_rate, mismatch_rate, p99_ratio, sample_ratio.',
    }),
    status: t.exposeString('status', { description: 'The result: pass, fail, pending or off.' }),
    value: t.exposeFloat('value', {
      nullable: true,
      description: 'The measured value (a rate, ratio or p-value); null when off or not measured.',
    }),
    limit: t.exposeFloat('limit', {
      nullable: true,
      description: "The guard's limit for it; null when off.",
    }),
    samples: t.exposeFloat('samples', { description: 'How many samples it was judged on.' }),
    text: t.exposeString('text', { description: 'The result, for people.' }),
  }),
});

const RolloutGuardDecision = builder.objectRef<GuardDecision>('RolloutGuardDecision').implement({
  description: 'What the guard does next with the rollout.',
  fields: (t) => ({
    action: t.exposeString('action', {
      description: 'The action: promote, rollback, hold or none.',
    }),
    reason: t.exposeString('reason', { description: 'Why, for people.' }),
    targetPercent: t.float({
      nullable: true,
      description: 'The percentage a promote or rollback moves to; null otherwise.',
      resolve: (d) => d.target?.percent ?? null,
    }),
    targetMode: t.field({
      type: RolloutMode,
      nullable: true,
      description: 'The mode a promote or rollback moves to; null otherwise.',
      resolve: (d) => d.target?.mode ?? null,
    }),
  }),
});

const rate = (n: number, d: number) => (d > 0 ? n / d : null);

const RolloutEvidence = builder.objectRef<Assessment>('RolloutEvidence').implement({
  description: "Every replica's evidence at the flag's current step (version), summed.",
  fields: (t) => ({
    version: t.exposeInt('version', { description: "The flag's version the evidence is of." }),
    since: t.field({
      type: 'DateTime',
      description: 'When the current step began (the flag last changed).',
      resolve: (a) => a.since,
    }),
    replicas: t.exposeInt('replicas', { description: 'Replicas whose evidence is summed.' }),
    domainRequests: t.float({
      resolve: (a) => a.counts.domainRuns,
      description: 'Served or shadowed.',
    }),
    domainErrors: t.float({
      description: 'Domain executions that failed or overran.',
      resolve: (a) => a.counts.domainErrors,
    }),
    domainServed: t.float({
      description: 'Requests the domain path served (not shadowed).',
      resolve: (a) => a.counts.domainServed,
    }),
    fallbacks: t.float({
      description: 'Domain-served requests that fell back to legacy.',
      resolve: (a) => a.counts.fallbacks,
    }),
    comparisons: t.float({
      description: 'Shadow comparisons made.',
      resolve: (a) => a.counts.comparisons,
    }),
    mismatches: t.float({ resolve: (a) => a.counts.mismatches, description: 'Real mismatches.' }),
    noise: t.float({
      description: 'Comparisons that differed only on noise paths.',
      resolve: (a) => a.counts.noise,
    }),
    errorRate: t.float({
      nullable: true,
      description:
        'Share of domain executions that failed (domainErrors over domainRequests, 0-1); null without any.',
      resolve: (a) => rate(a.counts.domainErrors, a.counts.domainRuns),
    }),
    fallbackRate: t.float({
      nullable: true,
      description: 'Fallbacks per domain-served request (a fraction, 0-1); null without any.',
      resolve: (a) => rate(a.counts.fallbacks, a.counts.domainServed),
    }),
    mismatchRate: t.float({
      nullable: true,
      description: 'Real mismatches per comparison (a fraction, 0-1); null without comparisons.',
      resolve: (a) => rate(a.counts.mismatches, a.counts.comparisons),
    }),
    noiseRate: t.float({
      nullable: true,
      description: 'Noise per comparison (a fraction, 0-1); null without comparisons.',
      resolve: (a) => rate(a.counts.noise, a.counts.comparisons),
    }),
    callersDomain: t.float({
      description: 'Callers (sticky keys) whose bucket routes them to the domain path.',
      resolve: (a) => a.counts.bucketDomain,
    }),
    callersLegacy: t.float({
      description: 'Callers (sticky keys) whose bucket routes them to the legacy path.',
      resolve: (a) => a.counts.bucketLegacy,
    }),
    p99DomainSeconds: t.float({
      nullable: true,
      description:
        'The 99th percentile latency of the domain path, in seconds; null without timings.',
      resolve: (a) => p99(a.counts.domainLatency),
    }),
    p99LegacySeconds: t.float({
      nullable: true,
      description:
        'The 99th percentile latency of the legacy path, in seconds; null without timings.',
      resolve: (a) => p99(a.counts.legacyLatency),
    }),
    gates: t.field({
      type: [RolloutGate],
      description: "The guard's gates on this evidence (empty without a guard).",
      resolve: (a) => a.decision?.gates ?? [],
    }),
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
    description: "The rollout's guard; null when it has none.",
    resolve: async (r, _args, ctx) => {
      const [guard] = await loadGuards(ctx.rolloutAdmin.control.db, r.flag);
      if (!guard) return null;
      const { controller } = ctx.rolloutAdmin.guard;
      return { ...guard, lease: await controller.lease(), me: controller.replica };
    },
  }),
  breaker: t.field({
    type: RolloutBreaker,
    description: "This process's circuit breaker of the flag's domain path.",
    resolve: (r, _args, ctx) => ctx.rolloutAdmin.guard.breakers.snapshot(r.flag),
  }),
  evidence: t.field({
    type: RolloutEvidence,
    description: 'The evidence of the current step, with the guard decision.',
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
    description: 'One path where the two answers differ.',
    fields: (t) => ({
      path: t.exposeString('path', { description: 'Dot-joined; list indexes as numbers.' }),
      primary: t.field({
        type: 'JSON',
        nullable: true,
        description: 'The value in the answer the caller got.',
        resolve: (d) => d.primary,
      }),
      shadow: t.field({
        type: 'JSON',
        nullable: true,
        description: 'The value in the shadow answer.',
        resolve: (d) => d.shadow,
      }),
    }),
  });

const RolloutMismatch = builder.objectRef<MismatchRow>('RolloutMismatch').implement({
  description: 'A shadow comparison whose answers differed on paths that are not noise.',
  fields: (t) => ({
    id: t.exposeID('id', { description: 'The mismatch id.' }),
    flag: t.exposeString('flag', { description: 'The rollout flag.' }),
    at: t.field({ type: 'DateTime', description: 'When it was compared.', resolve: (m) => m.at }),
    version: t.exposeInt('version', { description: "The flag's version at the time." }),
    args: t.field({
      type: 'JSON',
      description: "The field's arguments.",
      resolve: (m) => m.args,
    }),
    keyHash: t.exposeString('keyHash', {
      nullable: true,
      description: 'SHA-256 of the sticky key, first 16 hex digits.',
    }),
    primaryPath: t.exposeString('primaryPath', {
      description: 'The path that answered the caller.',
    }),
    primaryMs: t.exposeFloat('primaryMs', {
      description: 'Time the answering path took, in milliseconds.',
    }),
    shadowMs: t.exposeFloat('shadowMs', {
      description: 'Time the shadow path took, in milliseconds.',
    }),
    diff: t.field({
      type: [Difference],
      description: 'Where the answers differ (noise paths left out).',
      resolve: (m) => m.diff as { path: string; primary: unknown; shadow: unknown }[],
    }),
  }),
});

builder.queryFields((t) => ({
  rolloutMismatches: t.field({
    type: [RolloutMismatch],
    description: "A flag's newest shadow mismatches (newest first). Needs the rollout:admin scope.",
    args: {
      flag: t.arg.string({ required: true, description: 'The rollout flag.' }),
      first: t.arg.int({ defaultValue: 20, required: true, description: '1..100' }),
    },
    resolve: (_root, args, ctx) => {
      requireRolloutAdmin(ctx, 'rolloutMismatches');
      const first = Math.min(Math.max(args.first, 1), 100);
      return loadMismatches(ctx.rolloutAdmin.control.db, args.flag, first);
    },
  }),
}));
