// Subscription.eventAdded under @rollout: each event from the moment of subscribing (no backlog),
// from the ingester's commits (domain) or the tail of the legacy log (legacy). The path is
// chosen once per subscription.
import { GraphQLError } from 'graphql';
import type { EventRecord } from '../../domain/types.js';
import { builder } from '../../graphql/builder.js';
import { rolloutSubscription } from '../../graphql/rollout-directive.js';
import { Event } from '../../graphql/types/event.js';
import { type ArgValues, graphqlArgs } from '../args.js';
import { type EventFilter, isDropped, type StreamItem } from './fanout.js';
import { args, FLAG } from './spec.js';

type Args = ArgValues<typeof args>;

const filterOf = (values: Args): EventFilter => ({
  type: values.etype || undefined,
  cameraId: values.cameraId ?? undefined,
});

builder.subscriptionField('eventAdded', (t) =>
  t.field({
    type: Event,
    description: `Each new event from the moment of subscribing (no backlog): events committed by the log ingester (domain) or appended to the legacy log (legacy). Served over GraphQL over SSE and over WebSocket (graphql-ws protocol) at /graphql. Migrated under the rollout flag \`${FLAG}\`.`,
    args: graphqlArgs(t.arg, args),
    ...rolloutSubscription<Args, StreamItem, EventRecord>(FLAG, {
      validate: (_values, ctx) => {
        const { budget } = ctx.services.eventStream;
        if (budget.active >= budget.max) {
          throw new GraphQLError(
            `This server already serves its maximum of ${budget.max} subscriptions; retry later.`,
            { extensions: { code: 'SUBSCRIPTION_LIMIT' } },
          );
        }
      },
      domain: (values, ctx) => ctx.services.eventStream.domain.subscribe(filterOf(values)),
      legacy: (values, ctx) => ctx.services.eventStream.legacy.subscribe(filterOf(values)),
      answer: (item) => {
        if (isDropped(item)) {
          throw new GraphQLError(
            `Subscription ended: ${item.queued} events were waiting for this client, which reads slower than events arrive.`,
            { extensions: { code: 'SLOW_CONSUMER' } },
          );
        }
        return item;
      },
    }),
  }),
);
