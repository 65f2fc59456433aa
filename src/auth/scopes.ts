// The scopes an API token can carry.

/**
 * `violations:write`: change violation statuses. `alerts:write`: create and change alert rules.
 * `rollout:admin`: operate rollouts, force paths.
 */
export const SCOPES = ['violations:write', 'alerts:write', 'rollout:admin'] as const;
export type Scope = (typeof SCOPES)[number];
