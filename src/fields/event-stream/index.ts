// The eventAdded subscription: the ingester's commits heard through LISTEN/NOTIFY vs a tail of
// the legacy log; one shared live source per path and process, bounded per subscriber.
import type { Paths } from '../../graphql/context.js';
import { LogTail } from '../../legacy/log-tail.js';
import { EventFeed } from '../../repositories/event-feed.js';
import { defineField } from '../field.js';
import { Fanout, SubscriberBudget } from './fanout.js';
import './field.js';
import { FLAG } from './spec.js';

export interface EventStreams extends Paths<Fanout> {
  /** Subscribers of this process, both paths together. */
  budget: SubscriberBudget;
}

declare module '../../graphql/context.js' {
  interface Services {
    eventStream: EventStreams;
  }
}

export const eventStream = defineField({
  flag: FLAG,
  coordinate: 'Subscription.eventAdded',
  service: 'eventStream',
  createService: ({ handle, legacyLog, logger, subscriptions }) => {
    const budget = new SubscriberBudget(subscriptions.max);
    const { observer } = subscriptions;
    const common = { budget, queueMax: subscriptions.queueMax, logger, observer };
    const feed = new EventFeed(handle, {
      onError: (err) => logger.warn({ err }, 'event feed: could not read announced events'),
    });
    const tail = new LogTail(legacyLog.path, {
      onDamaged: (reason) => observer?.damagedLine(reason),
      onError: (err) => logger.warn({ err }, 'legacy log tail: check failed; retrying'),
    });
    return {
      budget,
      domain: new Fanout(feed, { ...common, path: 'domain' }),
      legacy: new Fanout(tail, { ...common, path: 'legacy' }),
    };
  },
  close: async (streams) => {
    await Promise.all([streams.domain.close(), streams.legacy.close()]);
  },
  routes: [],
});
