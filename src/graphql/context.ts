// What every resolver gets: the request's identity, its loaders and rollout runner, and the two
// implementations of each migrated field.
import type { Principal, RequestAuth } from '../auth/principal.js';
import type { Logger } from '../ops/logger.js';
import type { Metrics } from '../ops/metrics.js';
import type { Loaders } from '../repositories/loaders.js';
import type { ViolationRepository } from '../repositories/violation-repository.js';
import type { Breakers } from '../rollout/breaker.js';
import type { RolloutControl } from '../rollout/control.js';
import type { GuardControl } from '../rollout/guard-control.js';
import type { GuardController } from '../rollout/guard-controller.js';
import type { RequestRollout } from '../rollout/runner.js';
import type { RolloutStateStore } from '../rollout/state.js';

/** The two implementations of a migrated field. */
export interface Paths<T> {
  domain: T;
  legacy: T;
}

/**
 * The implementations of every migrated field, keyed by service name. Empty here: each field's
 * folder (src/fields/<field>/index.ts) adds its entry by declaration merging.
 */
// biome-ignore lint/suspicious/noEmptyInterface: filled by declaration merging
export interface Services {}

/** What the admin GraphQL API works with; one per app, in every request's context. */
export interface RolloutAdmin {
  control: RolloutControl;
  /** The state this process routes by (memory), to show whether a change has arrived here. */
  state: RolloutStateStore;
  metrics: Metrics;
  /** Guarded rollouts: shadow and guard changes, the controller, this process's breakers. */
  guard: {
    guards: GuardControl;
    controller: GuardController;
    breakers: Breakers;
    shadow: { noisePatterns(flag: string): string[] };
  };
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
  /** Violation reads (violation, violations, history): the domain tables only. */
  violationReader: ViolationRepository;
}
