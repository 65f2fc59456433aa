// What every resolver gets: the request's identity, its loaders and rollout runner, and the two
// implementations of each migrated field.
import type { RequestAuth } from '../auth/access.js';
import type { Loaders } from '../domain/loaders.js';
import type { EventSource, StatisticsSource } from '../domain/types.js';
import type { ViolationRepository, ViolationStatusWriter } from '../domain/violation-repository.js';
import type { Logger } from '../ops/logger.js';
import type { RolloutAdmin } from '../rollout/control.js';
import type { RequestRollout } from '../rollout/runner.js';

export interface Paths<T> {
  domain: T;
  legacy: T;
}

export interface Services {
  events: Paths<EventSource>;
  statistics: Paths<StatisticsSource>;
  /** Status changes on either path; reads (violation, violations, history) from the domain. */
  violations: Paths<ViolationStatusWriter> & { read: ViolationRepository };
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
  /** Whether tokens are enforced, and why a presented credential was refused (src/auth). */
  auth: RequestAuth;
  /** The Idempotency-Key header, for writes. */
  idempotencyKey: string | undefined;
  logger: Logger;
  /** The request's clock: window and "today" computations read it once per request. */
  now: Date;
  loaders: Loaders;
  rollout: RequestRollout;
  /** The rollout control plane for the admin fields (which check the `rollout:admin` scope). */
  rolloutAdmin: RolloutAdmin;
  services: Services;
}
