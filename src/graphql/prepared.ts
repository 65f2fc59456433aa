// Fixed documents (the REST shims' operations) executed against the schema /graphql serves,
// without yoga's per-request envelope. Each document is parsed, validated and compiled by
// graphql-jit (as /graphql compiles it; graphql-js with GRAPHQL_JIT=off or where jit.ts keeps
// graphql-js) once, at its first use. Each request then gets what /graphql gives it: the same
// context, the same root-field access check before anything runs, the same execution, and the
// rollout reports its fields made. Errors come back as execution produced them, for the shim to
// map to the old answers; a fault of ours among them is logged and counted as /graphql does.
import {
  type DocumentNode,
  type ExecutionArgs,
  type ExecutionResult,
  execute,
  type GraphQLSchema,
  parse,
  validate,
} from 'graphql';
import { compileQuery, isCompiledQuery } from 'graphql-jit';
import type { Logger } from '../ops/logger.js';
import type { RolloutReport } from '../rollout/runner.js';
import type { GraphQLContext } from './context.js';
import { faultOf, reportFault } from './errors.js';
import { compilable } from './jit.js';
import { type IntrospectionPolicy, refusals } from './use-operation-access.js';
import { rolloutReports } from './use-rollout-extensions.js';

export interface DocumentExecution<TData> {
  data: TData | null | undefined;
  errors: ExecutionResult['errors'];
  /** The rollout reports of the fields the document touched, keyed by flag. */
  rollout: Record<string, RolloutReport> | undefined;
}

export interface DocumentRunner {
  run<TData>(
    request: Request,
    serverContext: Record<string, unknown>,
    query: string,
    variables: Record<string, unknown>,
  ): Promise<DocumentExecution<TData>>;
}

export interface DocumentRunnerOptions {
  schema: GraphQLSchema;
  /** The per-request context, as /graphql builds it. */
  context: (request: Request, serverContext: Record<string, unknown>) => GraphQLContext;
  /** graphql-jit (default) or graphql-js, as GRAPHQL_JIT chooses for /graphql. */
  jit?: boolean;
  introspection?: IntrospectionPolicy;
  logger: Logger;
  /** Called for each fault (after it is logged): the app counts them. */
  onUnexpectedError?: (error: unknown) => void;
}

type Execute = (args: ExecutionArgs) => ExecutionResult | Promise<ExecutionResult>;

interface Prepared {
  document: DocumentNode;
  invalid: ExecutionResult['errors'];
  execute: Execute;
}

export function createDocumentRunner(options: DocumentRunnerOptions): DocumentRunner {
  const { schema } = options;
  // Keyed by the document's text: the shims' documents are constants, so this stays small.
  const prepared = new Map<string, Prepared>();
  const prepare = (query: string): Prepared => {
    const document = parse(query);
    const invalid = validate(schema, document);
    let run: Execute = execute;
    if (invalid.length === 0 && options.jit !== false && compilable({ schema, document })) {
      const compiled = compileQuery(schema, document);
      if (isCompiledQuery(compiled)) {
        run = (args) => compiled.query(args.rootValue, args.contextValue, args.variableValues);
      }
    }
    return { document, invalid: invalid.length > 0 ? invalid : undefined, execute: run };
  };

  return {
    async run<TData>(
      request: Request,
      serverContext: Record<string, unknown>,
      query: string,
      variables: Record<string, unknown>,
    ): Promise<DocumentExecution<TData>> {
      let p = prepared.get(query);
      if (!p) {
        p = prepare(query);
        prepared.set(query, p);
      }
      if (p.invalid) return { data: null, errors: p.invalid, rollout: undefined };
      const contextValue = options.context(request, serverContext);
      const args: ExecutionArgs = {
        schema,
        document: p.document,
        contextValue,
        variableValues: variables,
      };
      const refused = refusals(args, options.introspection ?? 'on');
      if (refused.length > 0) return { data: null, errors: refused, rollout: undefined };
      const result = (await p.execute(args)) as ExecutionResult<TData>;
      for (const error of result.errors ?? []) {
        const fault = faultOf(error);
        if (fault) reportFault(options.logger, fault, options.onUnexpectedError);
      }
      return { data: result.data, errors: result.errors, rollout: rolloutReports(contextValue) };
    },
  };
}
