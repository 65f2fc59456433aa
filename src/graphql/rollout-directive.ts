// The @rollout schema directive. A field declares its flag and both implementations with
// `rolloutField()`, whose resolver routes each request through the rollout runner.
// `applyRolloutDirective()` checks the built schema: a field with the directive but no
// implementations (or the reverse) fails the build, so the directive in schema.graphql always
// means what it says.
import { getDirective } from '@graphql-tools/utils';
import {
  DirectiveLocation,
  GraphQLDirective,
  GraphQLNonNull,
  type GraphQLResolveInfo,
  type GraphQLSchema,
  GraphQLString,
  isObjectType,
} from 'graphql';
import { requireScope } from '../auth/access.js';
import type { Scope } from '../auth/scopes.js';
import type { ReadSignal } from '../domain/types.js';
import type { Comparator } from '../rollout/compare.js';
import type { RolloutFlag } from '../rollout/flags.js';
import type { RequestRollout } from '../rollout/runner.js';
import type { GraphQLContext } from './context.js';
import { requiresScope } from './field-scope.js';

export const rolloutDirective = new GraphQLDirective({
  name: 'rollout',
  description:
    'The field is being migrated from the legacy implementation to the domain model. Each request is routed to one path by a sticky percentage rollout; `extensions.rollout` reports the decision.',
  locations: [DirectiveLocation.FIELD_DEFINITION],
  args: { flag: { type: new GraphQLNonNull(GraphQLString), description: 'The rollout flag.' } },
});

type PathResolver<Args, Ctx, R> = (
  args: Args,
  ctx: Ctx,
  info: GraphQLResolveInfo,
  /** Aborts when the domain path's time budget is spent (its query should be cancelled). */
  signal?: ReadSignal,
  /**
   * Reads: the answer will be compared with the other path's (shadow), so read everything the
   * comparator looks at; otherwise reading what the caller selected is enough.
   */
  comparable?: boolean,
) => Promise<R>;

export interface RolloutImplementations<Args, Ctx, R> {
  /** 'read' (default) falls back on any domain failure; 'write' only on a proven rollback. */
  mode?: 'read' | 'write';
  /** The scope the caller needs; checked for the whole operation before it runs, and here. */
  scope?: Scope;
  /** Checks the arguments (and caller) before any path runs; throw a GraphQLError. */
  validate?: (args: Args, ctx: Ctx) => void;
  /** Where the field's forceDomain flag is. Default: the `forceDomain` argument. */
  forceDomain?: (args: Args) => boolean | null | undefined;
  domain: PathResolver<Args, Ctx, R>;
  legacy: PathResolver<Args, Ctx, R>;
  /**
   * Reads: what of the two paths' answers is comparable. With it, the flag's shadow share of
   * requests also runs the other path after the answer and compares; without, no shadowing.
   */
  compare?: Comparator<R>;
}

const IMPLS = 'rolloutImplementations';

/**
 * Field options for a migrated field, spread into a Pothos field definition. The resolver routes
 * through the request's rollout runner; Pothos plugins wrap it like any other resolver.
 */
export function rolloutField<Args extends object, R = unknown, A = R>(
  flag: RolloutFlag,
  impls: RolloutImplementations<Args, GraphQLContext, R> & {
    /** Maps the chosen path's result to the field's answer (e.g. throws an expected error). */
    answer?: (result: R) => A;
  },
) {
  return {
    directives: { rollout: { flag } },
    extensions: { [IMPLS]: impls, ...(impls.scope ? requiresScope(impls.scope) : {}) },
    resolve: async (
      _source: unknown,
      args: object,
      ctx: GraphQLContext,
      info: GraphQLResolveInfo,
    ) => {
      const result = await route(flag, impls, args as Args, ctx, info);
      return (impls.answer ? impls.answer(result) : result) as A;
    },
  };
}

export interface RolloutStreams<Args, Ctx, R, A> {
  /** Checks the arguments (and caller) before any path starts; throw a GraphQLError. */
  validate?: (args: Args, ctx: Ctx) => void;
  /** Starts the path's stream (or throws, e.g. when the server is full). */
  domain: PathResolver<Args, Ctx, AsyncIterableIterator<R>>;
  legacy: PathResolver<Args, Ctx, AsyncIterableIterator<R>>;
  /** Maps each streamed item to the field's answer (e.g. throws an expected error). */
  answer: (item: R) => A;
}

/**
 * Field options for a migrated subscription field: `subscribe` takes the rollout decision once
 * per subscription (every event then comes from the chosen path), `resolve` passes each event on.
 */
export function rolloutSubscription<Args extends object, R, A>(
  flag: RolloutFlag,
  impls: RolloutStreams<Args, GraphQLContext, R, A>,
) {
  return {
    directives: { rollout: { flag } },
    extensions: { [IMPLS]: impls },
    subscribe: (_source: unknown, args: object, ctx: GraphQLContext, info: GraphQLResolveInfo) => {
      impls.validate?.(args as Args, ctx);
      const force = (args as { forceDomain?: boolean | null }).forceDomain ?? undefined;
      return ctx.rollout.subscribe(flag, force, {
        domain: () => impls.domain(args as Args, ctx, info),
        legacy: () => impls.legacy(args as Args, ctx, info),
      });
    },
    resolve: (item: R) => impls.answer(item),
  };
}

function route<Args extends object, R>(
  flag: string,
  impls: RolloutImplementations<Args, GraphQLContext, R>,
  args: Args,
  ctx: { rollout: RequestRollout } & GraphQLContext,
  info: GraphQLResolveInfo,
): Promise<R> {
  if (impls.scope) requireScope(ctx, impls.scope);
  impls.validate?.(args, ctx);
  const force = impls.forceDomain
    ? impls.forceDomain(args)
    : ((args as { forceDomain?: boolean | null }).forceDomain ?? undefined);
  const paths = {
    domain: (signal?: ReadSignal, comparable?: boolean) =>
      impls.domain(args, ctx, info, signal, comparable),
    legacy: () => impls.legacy(args, ctx, info),
  };
  if (impls.mode === 'write') return ctx.rollout.write(flag, force, paths);
  const shadow = impls.compare && { comparator: impls.compare, args: shadowArgs(args) };
  return ctx.rollout.read(flag, force, paths, shadow);
}

/** The arguments stored with a mismatch: the field's own, without the routing switch. */
function shadowArgs(args: object): Record<string, unknown> {
  const { forceDomain: _force, ...rest } = args as Record<string, unknown>;
  return rest;
}

/**
 * Checks that @rollout and rolloutField() come together on every field: a field with the
 * directive routes through the rollout runner, and a routed field shows the directive.
 */
export function applyRolloutDirective(schema: GraphQLSchema): GraphQLSchema {
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) || type.name.startsWith('__')) continue;
    for (const field of Object.values(type.getFields())) {
      const flag = getDirective(schema, field, 'rollout')?.[0]?.flag as string | undefined;
      const impls = field.extensions?.[IMPLS];
      if (Boolean(flag) !== Boolean(impls)) {
        throw new Error(
          `${type.name}.${field.name}: @rollout and rolloutField() must come together`,
        );
      }
    }
  }
  return schema;
}
