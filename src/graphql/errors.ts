// The GraphQL errors a caller can act on, built one way everywhere; and the faults of ours among
// the errors an execution reports, found and logged one way everywhere.
import { GraphQLError } from 'graphql';
import { isStorableText, UNSTORABLE_TEXT } from '../domain/text.js';
import type { Logger } from '../ops/logger.js';
import { ClientGoneError } from '../rollout/client-gone.js';

/** A client mistake in the arguments (BAD_USER_INPUT; the REST shims answer 400 or 422). */
export function badInput(message: string, extensions: Record<string, unknown> = {}): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'BAD_USER_INPUT', ...extensions } });
}

/** Refuses a text argument the database cannot store (BAD_USER_INPUT, naming the argument). */
export function requireStorableText(argument: string, value: string | null | undefined): void {
  if (typeof value === 'string' && !isStorableText(value)) {
    throw badInput(`${argument} ${UNSTORABLE_TEXT}`, { argument });
  }
}

/**
 * What failed, when an error execution reported is a fault of ours: neither a GraphQL error meant
 * for the caller nor a client that went away (no fault, and nobody reads the answer).
 */
export function faultOf(error: unknown): unknown {
  const original = error instanceof GraphQLError ? error.originalError : error;
  if (!original || original instanceof GraphQLError || original instanceof ClientGoneError) {
    return undefined;
  }
  return original;
}

/** Logs a fault with its cause and stack, then hands it to `counted` (the app's metric). */
export function reportFault(
  logger: Logger,
  fault: unknown,
  counted?: (fault: unknown) => void,
): void {
  logger.error({ err: fault }, 'graphql: unexpected error');
  counted?.(fault);
}
