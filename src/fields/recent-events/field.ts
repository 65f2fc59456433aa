// Query.recentEvents under @rollout: the newest events of a window, from the domain `events`
// table or the legacy log, with the same arguments and the same order.

import type { EventProjection, EventRecord } from '../../domain/types.js';
import { builder } from '../../graphql/builder.js';
import type { GraphQLContext } from '../../graphql/context.js';
import { rolloutField } from '../../graphql/rollout-directive.js';
import { Event, eventProjection } from '../../graphql/types/event.js';
import { type ArgValues, argValue, checkArgs, graphqlArgs } from '../args.js';
import { recentEventsComparator } from './compare.js';
import { args, FLAG } from './spec.js';

type Args = ArgValues<typeof args>;

builder.queryField('recentEvents', (t) =>
  t.field({
    type: [Event],
    description: `The newest events in the last \`minutes\`, newest first (by timestamp). Migrated under the rollout flag \`${FLAG}\`.`,
    args: graphqlArgs(t.arg, args),
    ...rolloutField<Args, EventRecord[]>(FLAG, {
      validate: (values) => checkArgs(args, values),
      domain: (values, ctx, info, signal, comparable) =>
        ctx.services.events.domain.recentEvents(toQuery(values, ctx), {
          signal,
          // A compared answer also reads what the comparator looks at (the typed fields).
          projection: readFor(eventProjection(info), comparable),
        }),
      legacy: (values, ctx) => ctx.services.events.legacy.recentEvents(toQuery(values, ctx)),
      compare: recentEventsComparator,
    }),
  }),
);

function readFor(projection: EventProjection, comparable: boolean | undefined): EventProjection {
  return comparable && projection === 'raw' ? 'all' : projection;
}

function toQuery(values: Args, ctx: GraphQLContext) {
  const minutes = argValue(args, values, 'minutes')!;
  return {
    limit: argValue(args, values, 'limit')!,
    since: new Date(ctx.now.getTime() - minutes * 60_000),
    type: values.etype || undefined,
    cameraId: values.cameraId ?? undefined,
  };
}
