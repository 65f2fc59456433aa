// The one Pothos builder. It defines no types: each schema/<type>.ts adds its own.
import SchemaBuilder from '@pothos/core';
import DirectivesPlugin from '@pothos/plugin-directives';
import ErrorsPlugin from '@pothos/plugin-errors';
import RelayPlugin from '@pothos/plugin-relay';
import type { GraphQLContext } from './context.js';

export const builder = new SchemaBuilder<{
  Context: GraphQLContext;
  DefaultFieldNullability: false;
  Directives: {
    rollout: { locations: 'FIELD_DEFINITION'; args: { flag: string } };
  };
  Scalars: {
    DateTime: { Input: Date; Output: Date };
    JSON: { Input: unknown; Output: unknown };
  };
}>({
  plugins: [ErrorsPlugin, DirectivesPlugin, RelayPlugin],
  defaultFieldNullability: false,
  directives: { useGraphQLToolsUnorderedDirectives: true },
  relay: {
    pageInfoTypeOptions: { description: 'Where a page is in the whole list.' },
    pageInfoFieldOptions: { description: 'Where this page is in the whole list.' },
    hasNextPageFieldOptions: { description: 'Whether a page follows this one.' },
    hasPreviousPageFieldOptions: { description: 'Whether a page comes before this one.' },
    startCursorFieldOptions: { description: 'The cursor of the first item of the page.' },
    endCursorFieldOptions: {
      description: 'The cursor of the last item: `after` for the next page.',
    },
    cursorFieldOptions: { description: 'Pass as `after` to get the items after this one.' },
  },
  errors: { defaultTypes: [] },
});

builder.queryType({
  description:
    'Reads: recent events, realtime statistics, violations, and the rollout of the migrated fields.',
});
builder.mutationType({
  description: 'Writes: violation status changes, and rollout changes for operators.',
});
builder.subscriptionType({
  description: 'Live streams, over GraphQL over SSE or WebSocket (graphql-ws) at /graphql.',
});
