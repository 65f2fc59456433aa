// Yoga/envelop plugin: GraphQL parameters that are not valid JSON in a query string or a form
// body (`?variables=%`) are the client's mistake. Yoga's parser for those lets JSON.parse's
// SyntaxError through, which yoga answers as an unexpected error (a 500); this makes it the 400
// yoga gives an invalid JSON POST body.
import { createGraphQLError, type Plugin } from 'graphql-yoga';

export function useRequestParseErrors(): Plugin {
  return {
    onRequestParse({ requestParser, setRequestParser }) {
      if (!requestParser) return;
      setRequestParser(async (request) => {
        try {
          return await requestParser(request);
        } catch (error) {
          if (!(error instanceof SyntaxError)) throw error;
          throw createGraphQLError('Request parameters sent invalid JSON.', {
            extensions: { code: 'BAD_REQUEST', http: { status: 400 } },
          });
        }
      });
    },
  };
}
