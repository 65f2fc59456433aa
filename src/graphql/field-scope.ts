// The scope a root field needs, declared with the field (Pothos `extensions`) and checked for
// every root field of an operation before any of them runs (use-operation-access.ts).
import type { GraphQLField } from 'graphql';
import type { Scope } from '../auth/scopes.js';

const REQUIRED_SCOPE = 'requiredScope';

/** Field `extensions` declaring the scope the field needs (spread into other extensions). */
export function requiresScope(scope: Scope): Record<string, unknown> {
  return { [REQUIRED_SCOPE]: scope };
}

/** The scope a field declared, if any. */
export function scopeOf(field: GraphQLField<unknown, unknown> | undefined): Scope | undefined {
  return field?.extensions?.[REQUIRED_SCOPE] as Scope | undefined;
}
