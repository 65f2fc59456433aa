// The scopes an API token can carry.

/** `violations:write`: change violation statuses. `rollout:admin`: operate rollouts, force paths. */
export const SCOPES = ['violations:write', 'rollout:admin'] as const;
export type Scope = (typeof SCOPES)[number];
