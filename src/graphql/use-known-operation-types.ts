// Yoga/envelop plugin: an operation whose type the schema has no root for (a subscription while
// there is no Subscription type) is a validation error, as graphql-js 17 makes it. graphql-js 16
// lets it through to execution, where graphql-jit throws on it (an unexpected error, a 500).
import { GraphQLError, type ValidationRule } from 'graphql';
import type { Plugin } from 'graphql-yoga';

const KnownOperationTypes: ValidationRule = (context) => ({
  OperationDefinition(node) {
    if (context.getSchema().getRootType(node.operation)) return;
    context.reportError(
      new GraphQLError(`The ${node.operation} operation is not supported by the schema.`, {
        nodes: node,
      }),
    );
  },
});

export function useKnownOperationTypes(): Plugin {
  return {
    onValidate({ addValidationRule }) {
      addValidationRule(KnownOperationTypes);
    },
  };
}
