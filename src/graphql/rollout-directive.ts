// The @rollout schema directive. A field declares its flag and both implementations with
// `rolloutField()`; `applyRolloutDirective()` then wires every @rollout field to the request's
// rollout runner. A field with the directive but no implementations (or the reverse) fails the
// schema build, so the directive in schema.graphql always means what it says.
import { getDirective, MapperKind, mapSchema } from '@graphql-tools/utils';
import {
  DirectiveLocation,
  GraphQLDirective,
  type GraphQLFieldConfig,
  GraphQLNonNull,
  type GraphQLResolveInfo,
  type GraphQLSchema,
  GraphQLString,
} from 'graphql';
import type { RolloutFlag } from '../rollout/flags.js';
import type { RequestRollout } from '../rollout/runner.js';
import type { GraphQLContext } from './context.js';

export const rolloutDirective = new GraphQLDirective({
  name: 'rollout',
  description:
    'The field is being migrated from the legacy implementation to the domain model. Each request is routed to one path by a sticky percentage rollout; `extensions.rollout` reports the decision.',
  locations: [DirectiveLocation.FIELD_DEFINITION],
  args: { flag: { type: new GraphQLNonNull(GraphQLString), description: 'The rollout flag.' } },
});

type PathResolver<Args, Ctx, R> = (args: Args, ctx: Ctx, info: GraphQLResolveInfo) => Promise<R>;

export interface RolloutImplementations<Args, Ctx, R> {
  /** 'read' (default) falls back on any domain failure; 'write' only on a proven rollback. */
  mode?: 'read' | 'write';
  /** Checks the arguments (and caller) before any path runs; throw a GraphQLError. */
  validate?: (args: Args, ctx: Ctx) => void;
  /** Where the field's forceDomain flag is. Default: the `forceDomain` argument. */
  forceDomain?: (args: Args) => boolean | null | undefined;
  domain: PathResolver<Args, Ctx, R>;
  legacy: PathResolver<Args, Ctx, R>;
}

const IMPLS = 'rolloutImplementations';

/** Field options for a migrated field: spread into a Pothos field definition. */
export function rolloutField<Args extends object, R = unknown>(
  flag: RolloutFlag,
  impls: RolloutImplementations<Args, GraphQLContext, R>,
) {
  return {
    directives: { rollout: { flag } },
    extensions: { [IMPLS]: impls },
    resolve: (): never => {
      throw new Error(`@rollout(flag: "${flag}") is not applied: call applyRolloutDirective()`);
    },
  };
}

/** Replaces the resolver of every @rollout field with one that routes through ctx.rollout. */
export function applyRolloutDirective(schema: GraphQLSchema): GraphQLSchema {
  return mapSchema(schema, {
    [MapperKind.OBJECT_FIELD]: (field, fieldName, typeName) => {
      const flag = getDirective(schema, field, 'rollout')?.[0]?.flag as string | undefined;
      const impls = field.extensions?.[IMPLS] as
        | RolloutImplementations<Record<string, unknown>, { rollout: RequestRollout }, unknown>
        | undefined;
      if (!flag && !impls) return field;
      if (!flag || !impls) {
        throw new Error(`${typeName}.${fieldName}: @rollout and rolloutField() must come together`);
      }
      const resolve: GraphQLFieldConfig<unknown, { rollout: RequestRollout }>['resolve'] = (
        _source,
        args,
        ctx,
        info,
      ) => {
        impls.validate?.(args, ctx);
        const force = impls.forceDomain
          ? impls.forceDomain(args)
          : (args.forceDomain as boolean | null | undefined);
        const paths = {
          domain: () => impls.domain(args, ctx, info),
          legacy: () => impls.legacy(args, ctx, info),
        };
        return impls.mode === 'write'
          ? ctx.rollout.write(flag, force, paths)
          : ctx.rollout.read(flag, force, paths);
      };
      return { ...field, resolve };
    },
  });
}
