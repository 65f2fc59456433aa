// The GraphQL errors a caller can act on, built one way everywhere.
import { GraphQLError } from 'graphql';
import { isStorableText, UNSTORABLE_TEXT } from '../domain/text.js';

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
