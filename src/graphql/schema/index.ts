// Imports every type file and builds the executable schema with the @rollout directive applied.
import { printSchemaWithDirectives } from '@graphql-tools/utils';
import { applyRolloutDirective, rolloutDirective } from '../../rollout/directive.js';
import { builder } from '../builder.js';
import './scalars.js';
import './camera.js';
import './event.js';
import './realtime-statistics.js';
import './rollout.js';
import './rollout-mutations.js';
import './violation.js';
import './update-violation-status.js';

/** The schema as declared (the directive is metadata here); what schema.graphql prints. */
export const declaredSchema = builder.toSchema({
  directives: [rolloutDirective],
  sortSchema: false,
});

/** The executable schema: @rollout fields routed through the request's rollout runner. */
export const schema = applyRolloutDirective(declaredSchema);

export function printSchemaSDL(): string {
  return `${printSchemaWithDirectives(declaredSchema)}\n`;
}
