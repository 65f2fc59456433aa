// What every resolver gets: the request's identity, its loaders and rollout runner, and the two
// implementations of each migrated field.
import type { Loaders } from '../domain/loaders.js';
import type { EventSource, StatisticsSource } from '../domain/types.js';
import type { Logger } from '../ops/logger.js';
import type { RequestRollout } from '../rollout/runner.js';

export interface Paths<T> {
  domain: T;
  legacy: T;
}

export interface Services {
  events: Paths<EventSource>;
  statistics: Paths<StatisticsSource>;
}

/** An authenticated caller (a configured API token). `name` is what audit rows record. */
export interface Principal {
  name: string;
  scopes: ReadonlySet<string>;
}

export interface GraphQLContext {
  requestId: string;
  /** Undefined for anonymous callers. */
  principal: Principal | undefined;
  logger: Logger;
  /** The request's clock: window and "today" computations read it once per request. */
  now: Date;
  loaders: Loaders;
  rollout: RequestRollout;
  services: Services;
}
