// Query.alertRules under @rollout: the alert rules, from the domain repository or the old SQL,
// most recently changed first (updated_at, then id) on both paths.
import type { AlertRuleRow } from '../../domain/alerts.js';
import { builder } from '../../graphql/builder.js';
import { rolloutField } from '../../graphql/rollout-directive.js';
import { AlertRule } from '../../graphql/types/alert.js';
import { type ArgValues, graphqlArgs } from '../args.js';
import { args, FLAG } from './spec.js';

type Args = ArgValues<typeof args>;

builder.queryField('alertRules', (t) =>
  t.field({
    type: [AlertRule],
    description: `Alert rules, most recently changed first. Migrated under the rollout flag \`${FLAG}\`.`,
    args: graphqlArgs(t.arg, args),
    ...rolloutField<Args, AlertRuleRow[]>(FLAG, {
      domain: (values, ctx) => ctx.services.alertRules.domain.rules(toQuery(values)),
      legacy: (values, ctx) => ctx.services.alertRules.legacy.rules(toQuery(values)),
    }),
  }),
);

function toQuery(values: Args) {
  return {
    cameraId: values.cameraId || undefined,
    enabled: values.enabled ?? undefined,
  };
}
