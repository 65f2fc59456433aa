// The GraphQL schema: the shared types of src/graphql/types and every migrated field of the
// registry, with the @rollout directive applied. The shared types register first, so the
// printed schema keeps a stable order.
import './graphql/types/scalars.js';
import './graphql/types/camera.js';
import './graphql/types/event.js';
import './graphql/types/violation.js';
import './graphql/types/rollout.js';
import './graphql/types/rollout-mutations.js';
import './graphql/types/rollout-guard.js';
import './graphql/types/rollout-guard-mutations.js';
import { printSchemaWithDirectives } from '@graphql-tools/utils';
import { FIELDS } from './fields/index.js';
import { builder } from './graphql/builder.js';
import { applyRolloutDirective, rolloutDirective } from './graphql/rollout-directive.js';

/** The schema as declared (the directive is metadata here); what schema.graphql prints. */
export const declaredSchema = builder.toSchema({
  directives: [rolloutDirective],
  sortSchema: false,
});

/** The executable schema: @rollout fields routed through the request's rollout runner. */
export const schema = applyRolloutDirective(declaredSchema);

/** The migrated fields' schema coordinates (their modules registered them on the builder). */
export const migratedCoordinates = FIELDS.map((f) => f.coordinate);

export function printSchemaSDL(): string {
  return `${printSchemaWithDirectives(declaredSchema)}\n`;
}
