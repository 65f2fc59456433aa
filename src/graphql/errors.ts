// The GraphQL errors a caller can act on, built one way everywhere.
import { GraphQLError } from 'graphql';

/** A client mistake in the arguments (BAD_USER_INPUT; the REST shims answer 400 or 422). */
export function badInput(message: string, extensions: Record<string, unknown> = {}): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'BAD_USER_INPUT', ...extensions } });
}
