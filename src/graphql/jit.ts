// Execution through graphql-jit (@envelop/graphql-jit): each document is compiled once into a
// function (the compiled query is cached beside yoga's parse cache), which removes most of
// graphql-js's per-field cost on list queries. Callers must not be able to tell, so this keeps
// graphql-js's answers where graphql-jit's differ (test/integration/graphql-jit.test.ts
// compares the bytes):
// - variables that don't coerce: graphql-js runs the operation and reports them as it does
//   (its messages, locations, and yoga's 400);
// - field errors: graphql-jit's errors carry only line/column, which yoga's serializer drops,
//   and its result puts `data` before `errors`; they are rebuilt as graphql-js errors at the
//   same positions of the same source, in graphql-js's order, before masking sees them.
import { useGraphQlJit } from '@envelop/graphql-jit';
import {
  type DocumentNode,
  type ExecutionArgs,
  type ExecutionResult,
  GraphQLError,
  getOperationAST,
  getVariableValues,
  type Source,
} from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { Logger } from '../ops/logger.js';

export function useJitExecution(logger: Logger): Plugin[] {
  return [
    useGraphQlJit(
      {},
      {
        enableIf: variablesCoerce,
        onError: (result) => logger.debug({ errors: result.errors }, 'graphql-jit: not compiled'),
      },
    ) as Plugin, // an envelop plugin: it needs nothing of yoga's context
    {
      onExecute({ args }) {
        return {
          onExecuteDone({ result, setResult }) {
            if (isJitResult(result) && result.errors?.length) {
              setResult(asGraphQLJsResult(result, args.document));
            }
          },
        };
      },
    },
  ];
}

/** True when the operation exists and its variables coerce (else graphql-js reports them). */
function variablesCoerce(args: ExecutionArgs): boolean {
  const operation = getOperationAST(args.document, args.operationName);
  if (!operation) return false;
  const defs = operation.variableDefinitions ?? [];
  if (defs.length === 0) return true;
  return !getVariableValues(args.schema, defs, args.variableValues ?? {}, { maxErrors: 1 }).errors;
}

type JitResult = ExecutionResult & { stringify: (result: unknown) => string };

function isJitResult(result: unknown): result is JitResult {
  return typeof (result as Partial<JitResult>).stringify === 'function';
}

function asGraphQLJsResult(result: JitResult, document: DocumentNode): JitResult {
  const source = document.loc?.source;
  const errors = result.errors!.map((error) =>
    Object.getPrototypeOf(error) === GraphQLError.prototype
      ? error
      : new GraphQLError(error.message, {
          source,
          positions: source && error.locations?.map((l) => offsetOf(source, l)),
          path: error.path,
          originalError: error.originalError,
          extensions: error.extensions,
        }),
  );
  const { data, extensions, stringify } = result;
  return {
    errors,
    data,
    ...(extensions === undefined ? {} : { extensions }),
    stringify,
  } as JitResult;
}

/** The character offset of a 1-based line and column, with graphql-js's line terminators. */
function offsetOf(source: Source, { line, column }: { line: number; column: number }): number {
  const terminators = /\r\n|[\n\r]/g;
  let lineStart = 0;
  for (let l = 1; l < line; l++) {
    if (!terminators.exec(source.body)) break;
    lineStart = terminators.lastIndex;
  }
  return lineStart + column - 1;
}
