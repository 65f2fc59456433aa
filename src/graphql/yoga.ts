// The /graphql endpoint: yoga over the Pothos schema, with graphql-armor limits, GraphiQL served
// from the package (works offline), unexpected errors logged with their cause and masked, and
// every root field's scope checked before any of them runs.
// Operations run through graphql-jit unless GRAPHQL_JIT is off (see jit.ts).
import { EnvelopArmorPlugin } from '@escape.tech/graphql-armor';
import { GraphQLError, type GraphQLSchema } from 'graphql';
import { createYoga, maskError as defaultMaskError, type Plugin } from 'graphql-yoga';
import type { Logger } from '../ops/logger.js';
import { ClientGoneError } from '../rollout/client-gone.js';
import type { GraphQLContext } from './context.js';
import { documentCaches } from './document-cache.js';
import { faultOf, reportFault } from './errors.js';
import { useJitExecution } from './jit.js';
import { useKnownOperationTypes } from './use-known-operation-types.js';
import { type IntrospectionPolicy, useOperationAccess } from './use-operation-access.js';
import { useRequestParseErrors } from './use-request-parse-errors.js';

/** GraphQL limits. Defaults fit the largest legitimate query of the front ends with room. */
export interface GraphQLLimits {
  /** Max selection depth. Default 10. */
  maxDepth: number;
  /** Max cost (graphql-armor's cost model). Default 5000. */
  maxCost: number;
  /** Max aliases per operation. Default 15. */
  maxAliases: number;
  /** Max tokens in a document. Default 2000. */
  maxTokens: number;
}

const defaultLimits: GraphQLLimits = {
  maxDepth: 10,
  maxCost: 5000,
  maxAliases: 15,
  maxTokens: 2000,
};

export interface GraphQLServerOptions {
  schema: GraphQLSchema;
  logger: Logger;
  production: boolean;
  /** Bound of the parsed-document cache in (estimated heap) bytes; 0: none. Default 32 MiB. */
  documentCacheBytes?: number;
  limits?: Partial<GraphQLLimits>;
  plugins?: Plugin[];
  /** Execute with graphql-jit (default) or graphql-js (GRAPHQL_JIT=off). */
  jit?: boolean;
  /** Called for each unexpected (masked) error, after it is logged: the app counts them. */
  onUnexpectedError?: (error: unknown) => void;
  /** Who may introspect the schema (GRAPHQL_INTROSPECTION). Default 'on'. */
  introspection?: IntrospectionPolicy;
  /** Builds the per-request context from the request and the server context. */
  context: (request: Request, serverContext: Record<string, unknown>) => GraphQLContext;
}

export function createGraphQLServer(options: GraphQLServerOptions) {
  const limits = { ...defaultLimits, ...options.limits };
  // Errors logged by maskError below, with their cause: yoga logs each error it masks again.
  const logged = new WeakSet<object>();
  const log =
    (level: 'debug' | 'info' | 'warn' | 'error') =>
    (...args: unknown[]) =>
      (options.logger[level] as (...a: unknown[]) => void)(...args);
  const logError = log('error');
  const yogaLogger = {
    debug: log('debug'),
    info: log('info'),
    warn: log('warn'),
    error: (...args: unknown[]) => {
      const [first] = args;
      if (args.length === 1 && typeof first === 'object' && first !== null && logged.has(first))
        return;
      logError(...args);
    },
  };
  return createYoga<Record<string, unknown>, GraphQLContext>({
    schema: options.schema,
    graphqlEndpoint: '/graphql',
    parserAndValidationCache: (() => {
      const bytes = options.documentCacheBytes ?? 32 * 1024 * 1024;
      return bytes > 0 ? documentCaches(bytes) : false;
    })(),
    landingPage: false,
    // The app refuses a body over BODY_LIMIT_BYTES before yoga sees it; yoga's own check would
    // pipe every body through a TransformStream again (a stream pipeline per request).
    maxRequestBodySize: false,
    cors: false, // handled once for every route by the app
    // GraphiQL's page is a 17 MB module: loaded on the first request for it, not at start-up
    // (it would be a third of the idle heap).
    renderGraphiQL: async (graphiqlOptions) =>
      (await import('@graphql-yoga/render-graphiql')).renderGraphiQL(graphiqlOptions),
    graphiql: {
      title: 'Hygiene gateway',
      defaultQuery: DEFAULT_QUERY,
      // GraphiQL's requests go to another URI than its page: a browser drops its cached copy of
      // a URI when it POSTs to it, and the page (megabytes) could then never be revalidated.
      endpoint: '/graphql?graphiql',
    },
    logging: yogaLogger,
    context: ({ request, ...serverContext }) => options.context(request, serverContext),
    maskedErrors: {
      maskError(error, message, isDev) {
        const original = error instanceof GraphQLError ? error.originalError : error;
        // A client that went away is no fault of ours (the app records the request as 499), and
        // nobody reads the answer: left as it is, since yoga logs every error it sees masked (at
        // error level, with its stack).
        if (original instanceof ClientGoneError) return error as Error;
        const fault = faultOf(error);
        if (fault) {
          reportFault(options.logger, fault, options.onUnexpectedError);
          if (typeof error === 'object' && error !== null) logged.add(error);
        }
        return defaultMaskError(error, message, isDev && !options.production);
      },
    },
    plugins: [
      useKnownOperationTypes(),
      EnvelopArmorPlugin({
        maxDepth: { n: limits.maxDepth },
        costLimit: { maxCost: limits.maxCost },
        maxAliases: { n: limits.maxAliases },
        maxTokens: { n: limits.maxTokens },
        blockFieldSuggestion: { enabled: options.production },
      }),
      useRequestParseErrors(),
      // Before execution starts (and before graphql-jit's plugin takes it over).
      useOperationAccess(options.introspection ?? 'on'),
      ...(options.jit === false ? [] : useJitExecution(options.logger)),
      ...(options.plugins ?? []),
    ],
  });
}

const DEFAULT_QUERY = `# Recent detection events, and which path (domain or legacy) served them:
# see "extensions.rollout" in the response.
{
  recentEvents(limit: 5, minutes: 60) {
    timestamp
    type
    camera { id name region { name } }
    evidence
  }
}
`;
