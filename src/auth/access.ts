// Who may do what. One decision (`checkScope`) serves GraphQL resolvers (as UNAUTHENTICATED /
// FORBIDDEN errors) and REST shims (as 401 / 403 bodies), so both surfaces always agree.
// Without configured tokens (development) access is open: every caller may write and operate.
import { GraphQLError } from 'graphql';
import type { AccessSubject, Principal } from './principal.js';
import type { Scope } from './scopes.js';

export interface AccessDenied {
  status: 401 | 403;
  code: 'UNAUTHENTICATED' | 'FORBIDDEN';
  message: string;
}

function hasScope(principal: Principal | undefined, scope: Scope): boolean {
  return principal?.scopes.has(scope) ?? false;
}

/** Undefined when the caller may use `scope`; otherwise why not (401 vs 403). */
export function checkScope(subject: AccessSubject, scope: Scope): AccessDenied | undefined {
  if (!subject.auth.enforced) return undefined;
  if (subject.auth.rejected !== undefined) {
    return {
      status: 401,
      code: 'UNAUTHENTICATED',
      message: `Invalid credentials: ${subject.auth.rejected}`,
    };
  }
  if (!subject.principal) {
    return {
      status: 401,
      code: 'UNAUTHENTICATED',
      message: `Authentication required: send "Authorization: Bearer <token>" for a token with the ${scope} scope`,
    };
  }
  if (!hasScope(subject.principal, scope)) {
    return {
      status: 403,
      code: 'FORBIDDEN',
      message: `The token "${subject.principal.name}" lacks the ${scope} scope`,
    };
  }
  return undefined;
}

/** Whether the caller may act as a rollout operator (force paths, change rollouts). */
export function isOperator(subject: AccessSubject): boolean {
  return checkScope(subject, 'rollout:admin') === undefined;
}

/**
 * For resolvers: throws a GraphQLError with extensions.code UNAUTHENTICATED or FORBIDDEN, and the
 * matching HTTP status and RFC 6750 challenge for yoga to answer with.
 */
export function requireScope(
  subject: AccessSubject,
  scope: Scope,
  onDenied?: (denied: AccessDenied) => void,
): void {
  const denied = checkScope(subject, scope);
  if (!denied) return;
  onDenied?.(denied);
  throw new GraphQLError(denied.message, {
    extensions: {
      code: denied.code,
      http: { status: denied.status, headers: { 'www-authenticate': challenge(denied, scope) } },
    },
  });
}

/** The WWW-Authenticate value of a refusal: the scheme, and for 403 the missing scope. */
export function challenge(denied: AccessDenied, scope: Scope): string {
  return denied.status === 401 ? 'Bearer' : `Bearer error="insufficient_scope", scope="${scope}"`;
}
