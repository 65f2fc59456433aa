// The GraphQL schema: the shared types of src/graphql/types and every migrated field of the
// registry, with the @rollout directive applied. The shared types register first, so the
// printed schema keeps a stable order.
import './graphql/types/scalars.js';
import './graphql/types/camera.js';
import './graphql/types/event.js';
import './graphql/types/violation.js';
import './graphql/types/rollout.js';
import './graphql/types/rollout-mutations.js';
import './graphql/types/alert.js';
import './graphql/types/rollout-guard.js';
import './graphql/types/rollout-guard-mutations.js';
import { printSchemaWithDirectives } from '@graphql-tools/utils';
import { specifiedDirectives } from 'graphql';
import './fields/index.js';
import './fields/rollout-fields.js';
import { builder } from './graphql/builder.js';
import { applyRolloutDirective, rolloutDirective } from './graphql/rollout-directive.js';

/**
 * The schema as declared (the directive is metadata here); what schema.graphql prints. The
 * specified directives (@include, @skip, @deprecated, @specifiedBy, @oneOf) are listed too:
 * a `directives` list replaces graphql-js's default one.
 */
export const declaredSchema = builder.toSchema({
  directives: [...specifiedDirectives, rolloutDirective],
  sortSchema: false,
});

/** The executable schema: @rollout fields routed through the request's rollout runner. */
export const schema = applyRolloutDirective(declaredSchema);

export function printSchemaSDL(): string {
  return `${printSchemaWithDirectives(declaredSchema)}\n`;
}
