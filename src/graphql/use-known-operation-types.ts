// Refuses an operation whose root type the schema does not have (a `subscription` sent to a
// schema without Subscription, say) as a validation error: the client gets a GraphQL error
// with HTTP 400 (or 200 for `Accept: application/json`) instead of an executor crash.
// graphql-js 16 has no such rule (17 adds KnownOperationTypesRule).
import { GraphQLError, type ValidationRule } from 'graphql';
import type { Plugin } from 'graphql-yoga';

export const KnownOperationTypesRule: ValidationRule = (context) => ({
  OperationDefinition(node) {
    const schema = context.getSchema();
    if (schema.getRootType(node.operation)) return;
    context.reportError(
      new GraphQLError(`The schema does not support ${node.operation} operations.`, {
        nodes: node,
      }),
    );
  },
});

export function useKnownOperationTypes(): Plugin {
  return {
    onValidate({ addValidationRule }) {
      addValidationRule(KnownOperationTypesRule);
    },
  };
}
