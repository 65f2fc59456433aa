// The per-request rollout policy: which sticky key a request is bucketed by, and whether it may
// force a path. Pure: the app passes what it read from the request.
import type { RolloutPath } from './engine.js';
import type { RolloutRequestInfo } from './runner.js';

export interface RolloutRequestFacts {
  /** The X-Rollout-Key header. */
  rolloutKey: string | null;
  /** The X-Rollout-Force header. */
  forceHeader: string | null;
  /** The authenticated principal's name. */
  principalName: string | undefined;
  /** The peer's address. */
  clientAddress: string | undefined;
  /** The caller may operate rollouts (rollout:admin, or open access). */
  operator: boolean;
  production: boolean;
}

/**
 * Sticky key: X-Rollout-Key, else the principal, else the client address. Forcing a read is
 * honoured outside production and for operators; forcing a write only for operators.
 */
export function rolloutRequestInfo(facts: RolloutRequestFacts): RolloutRequestInfo {
  const force = facts.forceHeader;
  return {
    stickyKey: facts.rolloutKey ?? facts.principalName ?? facts.clientAddress,
    forceHeader: force === 'domain' || force === 'legacy' ? (force as RolloutPath) : undefined,
    forceAllowed: !facts.production || facts.operator,
    forceAllowedForWrites: facts.operator,
  };
}
