// Mutation.updateViolationStatus under @rollout in write mode.
// Expected failures (unknown id, reused idempotency key) are union members, through Pothos'
// errors plugin: the answer throws them as typed errors after the rollout ran. A write whose
// outcome is unknown, or that no path could apply, is an error with a code, never an answer.
import { GraphQLError } from 'graphql';
import type { StatusUpdate, StatusUpdateOutcome } from '../../domain/violations.js';
import { WriteOutcomeUnknownError, WriteRolledBackError } from '../../domain/write-errors.js';
import { builder } from '../../graphql/builder.js';
import type { GraphQLContext } from '../../graphql/context.js';
import { badInput, requireStorableText } from '../../graphql/errors.js';
import { rolloutField } from '../../graphql/rollout-directive.js';
import {
  parseViolationId,
  Violation,
  ViolationStatus,
  ViolationStatusChange,
} from '../../graphql/types/violation.js';
import { FLAG } from './spec.js';

type Updated = Extract<StatusUpdateOutcome, { kind: 'updated' }>;

/** No violation has the id: nothing changed. */
class ViolationNotFoundError extends Error {
  constructor(readonly id: number) {
    super(`Violation ${id} does not exist`);
  }
}

/** The change conflicts with an earlier one (a reused idempotency key): nothing changed. */
class WriteConflictError extends Error {
  constructor(
    message: string,
    readonly reason: 'idempotency_key_reused',
  ) {
    super(message);
  }
}

const UpdateViolationStatusSuccess = builder
  .objectRef<Updated>('UpdateViolationStatusSuccess')
  .implement({
    description: 'The status was set (or, replayed, had been set by the same request before).',
    fields: (t) => ({
      violation: t.field({
        type: Violation,
        description: 'The violation after the change.',
        resolve: (r) => r.violation,
      }),
      change: t.field({
        type: ViolationStatusChange,
        nullable: true,
        description: 'The audit row of this change; null when the legacy path applied it.',
        resolve: (r) => r.change,
      }),
      replayed: t.exposeBoolean('replayed', {
        description: 'True when the idempotency key had already been applied: nothing changed now.',
      }),
    }),
  });

builder.objectType(ViolationNotFoundError, {
  name: 'ViolationNotFound',
  description: 'No violation has this id; nothing changed.',
  fields: (t) => ({
    message: t.exposeString('message', { description: 'What happened, for people.' }),
    id: t.exposeID('id', { description: 'The id asked for.' }),
  }),
});

const WriteConflictReason = builder.enumType('WriteConflictReason', {
  description: 'Why a write conflicts with an earlier one.',
  values: {
    IDEMPOTENCY_KEY_REUSED: {
      value: 'idempotency_key_reused',
      description: 'The idempotency key was used before for a different change.',
    },
  } as const,
});

builder.objectType(WriteConflictError, {
  name: 'WriteConflict',
  description: 'The change was refused because it conflicts with an earlier one; nothing changed.',
  fields: (t) => ({
    message: t.exposeString('message', { description: 'What happened, for people.' }),
    reason: t.field({ type: WriteConflictReason, description: 'Why.', resolve: (r) => r.reason }),
  }),
});

const UpdateViolationStatusInput = builder.inputType('UpdateViolationStatusInput', {
  description: 'A status change of one violation.',
  fields: (t) => ({
    id: t.id({ required: true, description: 'The violation id.' }),
    status: t.field({ type: ViolationStatus, required: true, description: 'The new status.' }),
    notes: t.string({ description: 'Omitted or null keeps the current notes.' }),
    handledBy: t.string({ description: 'Omitted or null keeps the current value.' }),
    forceDomain: t.boolean({
      description: 'Force the domain path: operators (rollout:admin) only, else reported ignored.',
    }),
    idempotencyKey: t.string({
      description: 'Or the Idempotency-Key header. A repeat gets the first answer, applied once.',
    }),
  }),
});

type UpdateArgs = { input: typeof UpdateViolationStatusInput.$inferInput };

builder.mutationField('updateViolationStatus', (t) =>
  t.field({
    type: UpdateViolationStatusSuccess,
    errors: {
      types: [ViolationNotFoundError, WriteConflictError],
      directResult: true,
      union: {
        name: 'UpdateViolationStatusResult',
        description: 'The change, or why nothing changed.',
      },
    },
    description: `Sets the status of a violation. Needs the violations:write scope. Migrated under the rollout flag \`${FLAG}\`.`,
    args: {
      input: t.arg({
        type: UpdateViolationStatusInput,
        required: true,
        description: 'The violation and its new status.',
      }),
    },
    ...rolloutField<UpdateArgs, StatusUpdateOutcome, Updated>(FLAG, {
      mode: 'write',
      scope: 'violations:write',
      answer: (outcome) => {
        if (outcome.kind === 'not_found') throw new ViolationNotFoundError(outcome.id);
        if (outcome.kind === 'conflict')
          throw new WriteConflictError(outcome.message, outcome.reason);
        return outcome;
      },
      forceDomain: (args) => args.input.forceDomain,
      validate: (args, ctx) => {
        toUpdate(args.input, ctx);
      },
      domain: (args, ctx) =>
        ctx.services.violations.domain
          .updateStatus(toUpdate(args.input, ctx))
          .catch((error) => writeError(error, 'domain', ctx)),
      legacy: (args, ctx) =>
        ctx.services.violations.legacy
          .updateStatus(toUpdate(args.input, ctx))
          .catch((error) => writeError(error, 'legacy', ctx)),
    }),
  }),
);

const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;

function toUpdate(input: UpdateArgs['input'], ctx: GraphQLContext): StatusUpdate {
  const key = input.idempotencyKey ?? ctx.idempotencyKey;
  if (input.idempotencyKey && ctx.idempotencyKey && input.idempotencyKey !== ctx.idempotencyKey) {
    throw badInput('idempotencyKey and the Idempotency-Key header differ');
  }
  if (key !== undefined && !IDEMPOTENCY_KEY.test(key)) {
    throw badInput('an idempotency key is 1 to 255 visible ASCII characters');
  }
  requireStorableText('notes', input.notes);
  requireStorableText('handledBy', input.handledBy);
  return {
    id: parseViolationId(input.id),
    status: input.status,
    notes: input.notes,
    handledBy: input.handledBy,
    changedBy: ctx.principal?.name ?? input.handledBy ?? null,
    at: ctx.now,
    requestId: ctx.requestId,
    idempotencyKey: key,
  };
}

/**
 * Lets a domain rollback through (the runner falls back on it) and gives the other write failures
 * their codes, logging the database error behind them (clients see only the code and message).
 */
function writeError(error: unknown, path: 'domain' | 'legacy', ctx: GraphQLContext): never {
  const final =
    error instanceof WriteOutcomeUnknownError ||
    path === 'legacy' ||
    (error instanceof WriteRolledBackError && !error.fallback);
  if (
    final &&
    (error instanceof WriteOutcomeUnknownError || error instanceof WriteRolledBackError)
  ) {
    ctx.logger.error({ err: error, cause: error.cause, path }, `${FLAG} failed`);
  }
  if (error instanceof WriteOutcomeUnknownError) {
    throw new GraphQLError(
      'The database connection was lost while committing: the change may or may not have been applied. Read the violation (history.requestId) or retry with the same idempotency key.',
      { extensions: { code: 'WRITE_OUTCOME_UNKNOWN' } },
    );
  }
  if (error instanceof WriteRolledBackError && final) {
    throw new GraphQLError('The database refused the change; nothing was applied. Retry later.', {
      extensions: { code: 'WRITE_NOT_APPLIED' },
    });
  }
  throw error;
}
