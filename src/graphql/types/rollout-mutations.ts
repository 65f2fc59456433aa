// The rollout admin API, write side: set, promote, pause, resume, kill. Each needs the
// rollout:admin scope and a reason, and takes the version the operator read: a stale version
// answers RolloutConflictError (a value, not an exception) with the current state to retry from.
import type { ChangeRequest, ChangeResult } from '../../rollout/control.js';
import { builder } from '../builder.js';
import type { GraphQLContext } from '../context.js';
import { badInput, requireStorableText } from '../errors.js';
import { requiresScope } from '../field-scope.js';
import { Rollout, RolloutChange, requireRolloutAdmin } from './rollout.js';

type Changed = Extract<ChangeResult, { ok: true }>;
type Conflict = Extract<ChangeResult, { error: 'conflict' }>;
type Rejected = Extract<ChangeResult, { error: 'rejected' }>;

/** expectedVersion was stale: the answer carries the current state to retry from. */
class RolloutConflict extends Error {
  readonly current: Conflict['current'];
  constructor(result: Conflict) {
    super(result.message);
    this.current = result.current;
  }
}

/** The change does not apply to the rollout in its current mode or step. */
class RolloutRejected extends Error {
  readonly code: Rejected['code'];
  readonly current: Rejected['current'];
  constructor(result: Rejected) {
    super(result.message);
    this.code = result.code;
    this.current = result.current;
  }
}

const RolloutChanged = builder.objectRef<Changed>('RolloutChanged').implement({
  description: 'The change was applied (or changed nothing).',
  fields: (t) => ({
    rollout: t.field({
      type: Rollout,
      description: 'The state after it.',
      resolve: (r) => r.state,
    }),
    change: t.field({
      type: RolloutChange,
      nullable: true,
      description: 'Null when the request changed nothing (e.g. killing a killed rollout).',
      resolve: (r) => r.change,
    }),
  }),
});

builder.objectType(RolloutConflict, {
  name: 'RolloutConflictError',
  description: 'expectedVersion was not the current version: someone else changed the rollout.',
  fields: (t) => ({
    message: t.exposeString('message', { description: 'What happened, for people.' }),
    current: t.field({
      type: Rollout,
      description: 'The current state, to retry from.',
      resolve: (r) => r.current,
    }),
  }),
});

const RolloutRejectCode = builder.enumType('RolloutRejectCode', {
  description: 'Why a rollout change was refused.',
  values: {
    PAUSED: { description: 'The rollout is paused: it may be lowered, not raised.' },
    KILLED: { description: 'The rollout is killed: resume it first.' },
    AT_LAST_STEP: { description: 'There is no next step to promote to.' },
  } as const,
});

builder.objectType(RolloutRejected, {
  name: 'RolloutRejectedError',
  description: 'The change does not apply to the rollout in its current mode or step.',
  fields: (t) => ({
    message: t.exposeString('message', { description: 'What happened, for people.' }),
    code: t.field({ type: RolloutRejectCode, description: 'Why.', resolve: (r) => r.code }),
    current: t.field({
      type: Rollout,
      description: 'The current state.',
      resolve: (r) => r.current,
    }),
  }),
});

/** Every admin mutation answers RolloutChangeResult: the change, or why it was refused. */
export const changeResult = () => ({
  type: RolloutChanged,
  extensions: requiresScope('rollout:admin'),
  errors: {
    types: [RolloutConflict, RolloutRejected],
    directResult: true as const,
    result: { name: 'RolloutChanged' },
    union: {
      name: 'RolloutChangeResult',
      description: 'The applied change, or why it was refused.',
    },
  },
});

/** Checks the scope, runs the change as the principal, maps invalid input to BAD_USER_INPUT. */
export async function change(
  ctx: GraphQLContext,
  operation: string,
  args: { flag: string; reason: string; expectedVersion?: number | null | undefined },
  run: (req: ChangeRequest) => Promise<ChangeResult>,
): Promise<Changed> {
  requireRolloutAdmin(ctx, operation);
  requireStorableText('flag', args.flag);
  requireStorableText('reason', args.reason);
  const result = await run({
    flag: args.flag,
    reason: args.reason,
    expectedVersion: args.expectedVersion,
    // Without configured tokens (development) access is open and the caller has no name.
    actor: ctx.principal?.name ?? 'anonymous',
    requestId: ctx.requestId,
    logger: ctx.logger,
  });
  if (result.ok) return result;
  if (result.error === 'invalid') throw badInput(result.message);
  throw result.error === 'conflict' ? new RolloutConflict(result) : new RolloutRejected(result);
}

type ArgBuilder = Parameters<Parameters<typeof builder.mutationFields>[0]>[0]['arg'];

/** The arguments every admin change takes: flag, reason, optional expected version. */
export function changeArgs(arg: ArgBuilder) {
  return {
    flag: arg.string({ required: true, description: 'The rollout flag to change.' }),
    reason: arg.string({ required: true, description: 'Why; recorded in the change log.' }),
    expectedVersion: arg.int({
      required: false,
      description: 'The version you read; a different current version is a conflict.',
    }),
  };
}

builder.mutationFields((t) => {
  const common = changeArgs(t.arg);
  const simple = (
    name: string,
    description: string,
    verb: 'promote' | 'pause' | 'resume' | 'kill',
  ) =>
    t.field({
      ...changeResult(),
      description: `${description} Needs the rollout:admin scope.`,
      args: common,
      resolve: (_root, args, ctx) =>
        change(ctx, name, args, (req) => ctx.rolloutAdmin.control[verb](req)),
    });
  return {
    setRolloutPercentage: t.field({
      ...changeResult(),
      description: 'Moves a rollout to a percentage (0-100). Needs the rollout:admin scope.',
      args: {
        ...common,
        percent: t.arg.float({ required: true, description: 'The new percentage, 0-100.' }),
        steps: t.arg.floatList({
          required: false,
          description: 'Also replace the step schedule (rising percentages).',
        }),
      },
      resolve: (_root, args, ctx) =>
        change(ctx, 'setRolloutPercentage', args, (req) =>
          ctx.rolloutAdmin.control.set(req, args.percent, args.steps),
        ),
    }),
    promoteRollout: simple(
      'promoteRollout',
      'Moves a rollout to the next step of its schedule.',
      'promote',
    ),
    pauseRollout: simple('pauseRollout', 'Freezes the percentage (routing unchanged).', 'pause'),
    resumeRollout: simple('resumeRollout', 'Back to active from paused or killed.', 'resume'),
    killRollout: simple('killRollout', 'Sends every caller to the legacy path at once.', 'kill'),
  };
});
