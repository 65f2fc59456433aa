// Execution through graphql-jit (@envelop/graphql-jit): each document is compiled once into a
// function (the compiled query is cached beside yoga's parse cache), which removes most of
// graphql-js's per-field cost on list queries. Callers must not be able to tell, so this keeps
// graphql-js's answers where graphql-jit's differ (test/integration/graphql-jit.test.ts
// compares the bytes):
// - an operation refused before it starts (variables that don't coerce): yoga's own
//   executor runs it again and reports it as it does (its messages, locations and 400); nothing
//   had been executed, so nothing runs twice, and valid requests coerce their variables once;
// - field errors: graphql-jit's errors carry only line/column, which yoga's serializer drops,
//   and its result puts `data` before `errors`; they are rebuilt as graphql-js errors at the
//   same positions of the same source, in graphql-js's order, before masking sees them;
// - subscriptions, and any operation whose root type is missing, stay with graphql-js: the
//   compiler throws on a missing root type, and an event stream gains nothing from compiling;
// - so do documents using @include or @skip: graphql-jit answers their fields in another order
//   than the spec's (a conditional field before the fields of a fragment spread before it);
// - and documents of several operations: the plugin caches one compiled operation per document,
//   whichever `operationName` asked first, and would run it for every other name.
import { useGraphQlJit } from '@envelop/graphql-jit';
import {
  type DocumentNode,
  type ExecutionResult,
  GraphQLError,
  type GraphQLSchema,
  getOperationAST,
  Kind,
  type Source,
  visit,
} from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { Logger } from '../ops/logger.js';

export function useJitExecution(logger: Logger): Plugin[] {
  return [
    {
      // Before graphql-jit's plugin: `executeFn` is still yoga's own executor here.
      onExecute({ args, executeFn }) {
        return {
          onExecuteDone({ result, setResult }) {
            if (!isJitResult(result) || !result.errors?.length) return;
            if (!('data' in result)) {
              // Refused before execution: yoga's executor refuses it too, in its own words.
              return Promise.resolve(executeFn(args)).then(setResult);
            }
            setResult(asGraphQLJsResult(result, args.document));
          },
        };
      },
    },
    useGraphQlJit(
      {},
      {
        onError: (result) => logger.debug({ errors: result.errors }, 'graphql-jit: not compiled'),
        enableIf: compilable,
      },
    ) as Plugin, // an envelop plugin: it needs nothing of yoga's context
  ];
}

/**
 * The only operation of its document, a query or mutation the schema has a root type for,
 * without @include/@skip: what graphql-jit compiles.
 */
export function compilable(args: {
  schema: GraphQLSchema;
  document: DocumentNode;
  operationName?: string | null;
}): boolean {
  const operations = args.document.definitions.filter(
    (d) => d.kind === Kind.OPERATION_DEFINITION,
  ).length;
  const operation = getOperationAST(args.document, args.operationName)?.operation;
  return (
    operations === 1 &&
    (operation === 'query' || operation === 'mutation') &&
    args.schema.getRootType(operation) !== undefined &&
    !hasConditionalFields(args.document)
  );
}

/** Per parsed document (yoga reuses them from its parse cache). */
const conditional = new WeakMap<DocumentNode, boolean>();

function hasConditionalFields(document: DocumentNode): boolean {
  let found = conditional.get(document);
  if (found === undefined) {
    found = false;
    visit(document, {
      [Kind.DIRECTIVE](node) {
        if (node.name.value === 'include' || node.name.value === 'skip') found = true;
      },
    });
    conditional.set(document, found);
  }
  return found;
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
