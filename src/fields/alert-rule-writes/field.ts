// Mutation.createAlertRule and Mutation.updateAlertRule, both under the one flag
// `alerts.rules.write`, in write mode: a domain write falls back to legacy only when its
// transaction certainly rolled back; an unknown outcome is an error, never an answer. Expected
// failures are union members (Pothos' errors plugin): not found, invalid input, a reused key.
import { GraphQLError } from 'graphql';
import { requireScope } from '../../auth/access.js';
import { parseCreate, parsePatch, requestHash } from '../../domain/alert-rules.js';
import type {
  AlertIssue,
  AlertRuleRow,
  AlertRuleWriter,
  CreateRule,
  RuleWriteOutcome,
  UpdateRule,
  WriteMeta,
} from '../../domain/alerts.js';
import { WriteOutcomeUnknownError, WriteRolledBackError } from '../../domain/write-errors.js';
import { builder } from '../../graphql/builder.js';
import type { GraphQLContext } from '../../graphql/context.js';
import { badInput } from '../../graphql/errors.js';
import { rolloutField } from '../../graphql/rollout-directive.js';
import { AlertInputIssue, AlertRule } from '../../graphql/types/alert.js';
import { bodyOf, CreateAlertRuleInput, UpdateAlertRuleInput } from './inputs.js';
import { FLAG, MAX_RULE_ID } from './spec.js';

type Saved = { kind: 'saved'; rule: AlertRuleRow; replayed: boolean };

class AlertRuleNotFoundError extends Error {
  constructor(readonly id: string) {
    super(`Alert rule ${id} does not exist`);
  }
}

class InvalidAlertRuleInputError extends Error {
  constructor(readonly issues: AlertIssue[]) {
    super(issues.map((i) => `${i.path.join('.')}: ${i.msg}`).join('; '));
  }
}

class AlertRuleWriteConflictError extends Error {}

const AlertRuleSaved = builder.objectRef<Saved>('AlertRuleSaved').implement({
  description: 'The rule was saved.',
  fields: (t) => ({
    rule: t.field({ type: AlertRule, description: 'The rule as saved.', resolve: (s) => s.rule }),
    replayed: t.exposeBoolean('replayed', {
      description: 'True when the idempotency key had already been applied: nothing changed now.',
    }),
  }),
});

builder.objectType(AlertRuleNotFoundError, {
  name: 'AlertRuleNotFound',
  description: 'No alert rule has this id; nothing changed.',
  fields: (t) => ({
    message: t.exposeString('message', { description: 'What happened, for people.' }),
    id: t.exposeID('id', { description: 'The id asked for.' }),
  }),
});

builder.objectType(InvalidAlertRuleInputError, {
  name: 'InvalidAlertRuleInput',
  description: 'The values are not a valid rule; nothing changed.',
  fields: (t) => ({
    message: t.exposeString('message', { description: 'Every problem in one line, for people.' }),
    issues: t.field({
      type: [AlertInputIssue],
      description: 'Each problem.',
      resolve: (e) => e.issues,
    }),
  }),
});

builder.objectType(AlertRuleWriteConflictError, {
  name: 'AlertRuleWriteConflict',
  description: 'The idempotency key was used for a different change; nothing changed.',
  fields: (t) => ({
    message: t.exposeString('message', { description: 'What happened, for people.' }),
  }),
});

const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;

function meta(
  ctx: GraphQLContext,
  key: string | null | undefined,
  actor: string | null,
  request: object,
): WriteMeta {
  const idempotencyKey = key ?? ctx.idempotencyKey;
  if (key && ctx.idempotencyKey && key !== ctx.idempotencyKey) {
    throw badInput('idempotencyKey and the Idempotency-Key header differ');
  }
  if (idempotencyKey !== undefined && !IDEMPOTENCY_KEY.test(idempotencyKey)) {
    throw badInput('an idempotency key is 1 to 255 visible ASCII characters');
  }
  return {
    actor,
    at: ctx.now,
    requestId: ctx.requestId,
    idempotencyKey,
    requestHash: requestHash({ ...request, actor }),
  };
}

type CreateArgs = { input: typeof CreateAlertRuleInput.$inferInput };
type UpdateArgs = { id: string; input: typeof UpdateAlertRuleInput.$inferInput };

function toCreate(args: CreateArgs, ctx: GraphQLContext): CreateRule {
  const { idempotencyKey, forceDomain: _, ...input } = args.input;
  const parsed = parseCreate(bodyOf(input));
  if (!parsed.ok) throw new InvalidAlertRuleInputError(parsed.issues);
  const { values, createdBy } = parsed.value;
  const actor = ctx.principal?.name ?? createdBy;
  return { values, meta: meta(ctx, idempotencyKey, actor, { action: 'create', values }) };
}

function toUpdate(args: UpdateArgs, ctx: GraphQLContext): UpdateRule {
  const { idempotencyKey, forceDomain: _, ...input } = args.input;
  if (!/^\d{1,30}$/.test(args.id)) throw badInput('id must be a positive integer');
  const parsed = parsePatch(bodyOf(input));
  if (!parsed.ok) throw new InvalidAlertRuleInputError(parsed.issues);
  const patch = parsed.value;
  // A rule id past the serial's range cannot exist: ask for 0 (never an id), answer not found.
  const id = Number(args.id) <= MAX_RULE_ID ? Number(args.id) : 0;
  const actor = ctx.principal?.name ?? null;
  return {
    id,
    ref: args.id.replace(/^0+(?=\d)/, ''),
    patch,
    meta: meta(ctx, idempotencyKey, actor, { action: 'update', id, patch }),
  };
}

/** Lets a domain rollback through (the runner falls back on it); gives the rest their codes. */
function writeError(error: unknown, path: 'domain' | 'legacy', ctx: GraphQLContext): never {
  if (
    error instanceof WriteOutcomeUnknownError ||
    (path === 'legacy' && error instanceof WriteRolledBackError)
  ) {
    ctx.logger.error({ err: error, cause: error.cause, path }, `${FLAG} failed`);
    const unknown = error instanceof WriteOutcomeUnknownError;
    throw new GraphQLError(
      unknown
        ? 'The database connection was lost while committing: the change may or may not have been applied. Read the rule or retry with the same idempotency key.'
        : 'The database refused the change; nothing was applied. Retry later.',
      { extensions: { code: unknown ? 'WRITE_OUTCOME_UNKNOWN' : 'WRITE_NOT_APPLIED' } },
    );
  }
  throw error;
}

function answer(outcome: RuleWriteOutcome): Saved {
  switch (outcome.kind) {
    case 'not_found':
      throw new AlertRuleNotFoundError(outcome.id);
    case 'invalid':
      throw new InvalidAlertRuleInputError(outcome.issues);
    case 'conflict':
      throw new AlertRuleWriteConflictError(outcome.message);
    default:
      return outcome;
  }
}

const writeTypes = [InvalidAlertRuleInputError, AlertRuleWriteConflictError];

/**
 * The rollout wiring both rule writes share: scope, validation before routing, and the same
 * writer call on either path (`write` picks create or update, `toWrite` builds its argument).
 */
function ruleWrite<A extends { input: { forceDomain?: boolean | null } }, W>(
  toWrite: (args: A, ctx: GraphQLContext) => W,
  write: (writer: AlertRuleWriter, w: W) => Promise<RuleWriteOutcome>,
) {
  const on = (path: 'domain' | 'legacy') => (args: A, ctx: GraphQLContext) =>
    write(ctx.services.alertRuleWrites[path], toWrite(args, ctx)).catch((e) =>
      writeError(e, path, ctx),
    );
  return rolloutField<A, RuleWriteOutcome, Saved>(FLAG, {
    scope: 'alerts:write',
    mode: 'write',
    answer,
    forceDomain: (args) => args.input.forceDomain,
    validate: (args, ctx) => {
      requireScope(ctx, 'alerts:write');
      toWrite(args, ctx);
    },
    domain: on('domain'),
    legacy: on('legacy'),
  });
}

builder.mutationField('createAlertRule', (t) =>
  t.field({
    type: AlertRuleSaved,
    errors: {
      types: writeTypes,
      directResult: true,
      union: {
        name: 'CreateAlertRuleResult',
        description: 'The saved rule, or why nothing was saved.',
      },
    },
    description: `Creates an alert rule. Needs the alerts:write scope. Migrated under the rollout flag \`${FLAG}\`.`,
    args: {
      input: t.arg({ type: CreateAlertRuleInput, required: true, description: 'The new rule.' }),
    },
    ...ruleWrite(toCreate, (writer, rule: CreateRule) => writer.create(rule)),
  }),
);

builder.mutationField('updateAlertRule', (t) =>
  t.field({
    type: AlertRuleSaved,
    errors: {
      types: [AlertRuleNotFoundError, ...writeTypes],
      directResult: true,
      union: {
        name: 'UpdateAlertRuleResult',
        description: 'The saved rule, or why nothing was saved.',
      },
    },
    description: `Changes an alert rule. Needs the alerts:write scope. Migrated under the rollout flag \`${FLAG}\`.`,
    args: {
      id: t.arg.id({ required: true, description: 'The rule to change.' }),
      input: t.arg({ type: UpdateAlertRuleInput, required: true, description: 'What to change.' }),
    },
    ...ruleWrite(toUpdate, (writer, rule: UpdateRule) => writer.update(rule)),
  }),
);
