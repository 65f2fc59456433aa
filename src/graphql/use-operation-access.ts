// Yoga/envelop plugin: all-or-nothing authorization. Before an operation executes, every root
// field it selects is checked against the scope the field declared (field-scope.ts), and the
// schema meta fields against the introspection policy. One refusal stops the whole operation:
// nothing has run, so a mutation that mixes a permitted write with a forbidden field changes
// nothing, and the caller gets the refusals (401 or 403) with `data: null`.
import {
  type DocumentNode,
  type ExecutionArgs,
  type FieldNode,
  type FragmentDefinitionNode,
  GraphQLError,
  GraphQLIncludeDirective,
  GraphQLSkipDirective,
  getDirectiveValues,
  getOperationAST,
  Kind,
  type SelectionSetNode,
} from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { challenge, checkScope } from '../auth/access.js';
import type { Scope } from '../auth/scopes.js';
import type { GraphQLContext } from './context.js';
import { scopeOf } from './field-scope.js';

/** Who may query `__schema` / `__type`: everyone, no one, or operators (`rollout:admin`). */
export type IntrospectionPolicy = 'on' | 'off' | 'operators';

/** The log message of each scope's refusals (operators search for these). */
const REFUSED: Record<Scope, string> = {
  'rollout:admin': 'rollout: admin access refused',
  'violations:write': 'violations: write access refused',
  'alerts:write': 'alerts: write access refused',
};

const META_FIELDS = new Set(['__schema', '__type']);

export function useOperationAccess(introspection: IntrospectionPolicy): Plugin {
  const check = ({ args, setResultAndStopExecution }: AccessHookPayload) => {
    const errors = refusals(args, introspection);
    if (errors.length > 0) setResultAndStopExecution({ data: null, errors });
  };
  return { onExecute: check, onSubscribe: check };
}

interface AccessHookPayload {
  args: ExecutionArgs;
  setResultAndStopExecution(result: { data: null; errors: GraphQLError[] }): void;
}

/** The refusals of an operation's root fields for its context's caller (none: it may run). */
export function refusals(args: ExecutionArgs, introspection: IntrospectionPolicy): GraphQLError[] {
  const operation = getOperationAST(args.document, args.operationName);
  const root = operation && args.schema.getRootType(operation.operation);
  if (!operation || !root) return []; // execution reports it
  const ctx = args.contextValue as GraphQLContext;
  const fields = root.getFields();
  const errors: GraphQLError[] = [];
  for (const node of rootFields(args.document, operation.selectionSet, args.variableValues)) {
    const name = node.name.value;
    const path = [node.alias?.value ?? name];
    if (META_FIELDS.has(name) && introspection === 'off') {
      errors.push(
        new GraphQLError('GraphQL introspection is disabled on this gateway', {
          nodes: [node],
          path,
          extensions: { code: 'FORBIDDEN', http: { status: 403 } },
        }),
      );
      continue;
    }
    const scope =
      META_FIELDS.has(name) && introspection === 'operators'
        ? 'rollout:admin'
        : scopeOf(fields[name]);
    const denied = scope && checkScope(ctx, scope);
    if (!scope || !denied) continue;
    ctx.logger?.warn(
      { principal: ctx.principal?.name ?? null, operation: name, scope, code: denied.code },
      REFUSED[scope],
    );
    errors.push(
      new GraphQLError(denied.message, {
        nodes: [node],
        path,
        extensions: {
          code: denied.code,
          http: {
            status: denied.status,
            headers: { 'www-authenticate': challenge(denied, scope) },
          },
        },
      }),
    );
  }
  return errors;
}

/** The root fields an operation selects, through fragments, minus those @skip/@include drop. */
function rootFields(
  document: DocumentNode,
  selectionSet: SelectionSetNode,
  variables: ExecutionArgs['variableValues'],
): FieldNode[] {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) {
      fragments.set(definition.name.value, definition);
    }
  }
  const found: FieldNode[] = [];
  const seen = new Set<string>();
  const walk = (set: SelectionSetNode) => {
    for (const selection of set.selections) {
      if (!included(selection, variables)) continue;
      if (selection.kind === Kind.FIELD) found.push(selection);
      else if (selection.kind === Kind.INLINE_FRAGMENT) walk(selection.selectionSet);
      else if (!seen.has(selection.name.value)) {
        seen.add(selection.name.value);
        const fragment = fragments.get(selection.name.value);
        if (fragment) walk(fragment.selectionSet);
      }
    }
  };
  walk(selectionSet);
  return found;
}

/** Whether @skip/@include keep the selection; when in doubt, it is checked (kept). */
function included(
  node: Parameters<typeof getDirectiveValues>[1],
  variables: ExecutionArgs['variableValues'],
): boolean {
  try {
    const values = variables ?? undefined;
    if (getDirectiveValues(GraphQLSkipDirective, node, values)?.if === true) return false;
    return getDirectiveValues(GraphQLIncludeDirective, node, values)?.if !== false;
  } catch {
    return true;
  }
}
