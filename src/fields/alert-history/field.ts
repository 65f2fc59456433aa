// Query.alertHistory under @rollout: the newest alerts, from the domain repository or the old
// SQL, with the same filters and the same order (timestamp, then id, newest first).
import type { AlertHistoryRow } from '../../domain/alerts.js';
import { builder } from '../../graphql/builder.js';
import { rolloutField } from '../../graphql/rollout-directive.js';
import { AlertHistoryEntry } from '../../graphql/types/alert.js';
import { type ArgValues, argValue, checkArgs, graphqlArgs } from '../args.js';
import { args, FLAG } from './spec.js';

type Args = ArgValues<typeof args>;

builder.queryField('alertHistory', (t) =>
  t.field({
    type: [AlertHistoryEntry],
    description: `Alerts that fired, newest first. Migrated under the rollout flag \`${FLAG}\`.`,
    args: graphqlArgs(t.arg, args),
    ...rolloutField<Args, AlertHistoryRow[]>(FLAG, {
      validate: (values) => checkArgs(args, values),
      domain: (values, ctx) => ctx.services.alertHistory.domain.history(toQuery(values)),
      legacy: (values, ctx) => ctx.services.alertHistory.legacy.history(toQuery(values)),
    }),
  }),
);

function toQuery(values: Args) {
  return {
    limit: argValue(args, values, 'limit')!,
    cameraId: values.cameraId || undefined,
    alertType: values.alertType || undefined,
  };
}
