// The guarded-rollout admin API, write side: a flag's shadow share and its guard. Like every
// admin change: the rollout:admin scope, a reason, an optional expected version, and the
// RolloutChangeResult union (a stale version is a RolloutConflictError, not an overwrite).
import type { GuardConfig } from '../../rollout/guard-rules.js';
import { builder } from '../builder.js';
import { RolloutBreachAction } from './rollout-guard.js';
import { change, changeArgs, changeResult } from './rollout-mutations.js';

const RolloutGuardInput = builder.inputType('RolloutGuardInput', {
  description: 'Settings of a guard. A gate left out (null) is off.',
  fields: (t) => ({
    steps: t.floatList({ required: true, description: 'Rising percentages, e.g. [10, 50, 100].' }),
    holdSeconds: t.float({ required: true, description: 'Least time each step is held.' }),
    minRequests: t.int({
      required: true,
      description: 'Domain executions (served or shadowed) a step needs.',
    }),
    minComparisons: t.int({
      required: false,
      description: 'Shadow comparisons a read step needs. Default minRequests.',
    }),
    maxErrorRate: t.float({
      required: false,
      description: 'Domain errors and overruns per domain execution.',
    }),
    maxFallbackRate: t.float({
      required: false,
      description: 'Fallbacks per domain-served request.',
    }),
    maxMismatchRate: t.float({
      required: false,
      description: 'Real (not noise) mismatches per comparison.',
    }),
    maxP99Ratio: t.float({ required: false, description: 'p99 latency, domain over legacy.' }),
    srmPValue: t.float({
      required: false,
      defaultValue: 0.001,
      description: 'The sample-ratio test fails below this p-value (chi-squared); null: off.',
    }),
    onBreach: t.field({
      type: RolloutBreachAction,
      required: false,
      defaultValue: 'previous',
      description: 'What happens when a gate fails.',
    }),
  }),
});

builder.mutationFields((t) => {
  const common = changeArgs(t.arg);
  return {
    setRolloutShadow: t.field({
      ...changeResult(),
      description:
        'Sets the share (0-100) of reads whose other path also runs after the answer, for comparison. Needs the rollout:admin scope.',
      args: {
        ...common,
        percent: t.arg.float({ required: true, description: 'The new shadow share, 0-100.' }),
      },
      resolve: (_root, args, ctx) =>
        change(ctx, 'setRolloutShadow', args, (req) =>
          ctx.rolloutAdmin.guard.guards.shadow(req, args.percent),
        ),
    }),
    setRolloutGuard: t.field({
      ...changeResult(),
      description:
        "Installs or replaces a rollout's guard (automatic promotion and rollback); its steps become the schedule. Needs the rollout:admin scope.",
      args: {
        ...common,
        guard: t.arg({
          type: RolloutGuardInput,
          required: true,
          description: 'The guard settings.',
        }),
      },
      resolve: (_root, args, ctx) => {
        const g = args.guard;
        const config: GuardConfig = {
          steps: g.steps,
          holdMs: Math.round(g.holdSeconds * 1000),
          minRequests: g.minRequests,
          minComparisons: g.minComparisons ?? g.minRequests,
          maxErrorRate: g.maxErrorRate ?? null,
          maxFallbackRate: g.maxFallbackRate ?? null,
          maxMismatchRate: g.maxMismatchRate ?? null,
          maxP99Ratio: g.maxP99Ratio ?? null,
          srmPValue: g.srmPValue ?? null,
          onBreach: g.onBreach ?? 'previous',
        };
        return change(ctx, 'setRolloutGuard', args, (req) =>
          ctx.rolloutAdmin.guard.guards.setGuard(req, config),
        );
      },
    }),
    removeRolloutGuard: t.field({
      ...changeResult(),
      description:
        "Removes a rollout's guard (the percentage stays). Needs the rollout:admin scope.",
      args: common,
      resolve: (_root, args, ctx) =>
        change(ctx, 'removeRolloutGuard', args, (req) =>
          ctx.rolloutAdmin.guard.guards.removeGuard(req),
        ),
    }),
  };
});
