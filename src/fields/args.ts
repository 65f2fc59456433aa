// One table of a migrated field's arguments: type, default, bounds, description and the legacy
// REST parameter each one is read from. The GraphQL arguments, their bounds check, the REST
// shim's parameter parsing and the OpenAPI parameters are all derived from it, so a default or
// a bound is written once.
import { badInput, requireStorableText } from '../graphql/errors.js';
import { bool, defineParams, int, type Param, type ParamTable, str } from '../rest/v1/params.js';

interface ArgBase {
  description: string;
  /** The legacy query parameter carrying this argument; absent: GraphQL only. */
  rest?: string;
}

export interface IntArg extends ArgBase {
  type: 'int';
  default?: number;
  min?: number;
  max?: number;
}

export interface StringArg extends ArgBase {
  type: 'string';
}

export interface BooleanArg extends ArgBase {
  type: 'boolean';
}

export type ArgSpec = IntArg | StringArg | BooleanArg;
export type ArgTable = Record<string, ArgSpec>;

type ValueOf<A extends ArgSpec> = A extends IntArg
  ? number
  : A extends StringArg
    ? string
    : boolean;

/** The arguments as a resolver receives them (null or absent: the default applies). */
export type ArgValues<T extends ArgTable> = { [K in keyof T]?: ValueOf<T[K]> | null };

export function defineArgs<T extends ArgTable>(table: T): T {
  return table;
}

/** The testing aid every migrated read takes. */
export const forceDomainArg = {
  type: 'boolean',
  rest: 'force_domain',
  description:
    'Testing aid: force the domain path. Honoured in development and for operators; reported in the rollout extensions.',
} as const satisfies BooleanArg;

/** The GraphQL description of an argument: its own, then its bounds. */
function describe(spec: ArgSpec): string {
  if (spec.type !== 'int' || (spec.min === undefined && spec.max === undefined)) {
    return spec.description;
  }
  return `${spec.description} ${spec.min ?? ''}..${spec.max ?? ''}.`;
}

// biome-ignore lint/suspicious/noExplicitAny: Pothos' argument builder, whatever its schema types
type PothosArgBuilder = any;

/** The Pothos arguments of the table (pass `t.arg`). */
export function graphqlArgs<T extends ArgTable>(arg: PothosArgBuilder, table: T) {
  const out: Record<string, unknown> = {};
  for (const [name, spec] of Object.entries(table)) {
    const options = {
      required: false,
      description: describe(spec),
      ...(spec.type === 'int' && spec.default !== undefined ? { defaultValue: spec.default } : {}),
    };
    out[name] =
      spec.type === 'int'
        ? arg.int(options)
        : spec.type === 'string'
          ? arg.string(options)
          : arg.boolean(options);
  }
  return out as { [K in keyof T]: ReturnType<PothosArgBuilder['int']> };
}

/**
 * Throws BAD_USER_INPUT for an integer outside its bounds (null or absent: the default) or a
 * string the database cannot store.
 */
export function checkArgs<T extends ArgTable>(table: T, values: ArgValues<T>): void {
  for (const [name, spec] of Object.entries(table)) {
    if (spec.type === 'string') requireStorableText(name, values[name] as string | null);
    if (spec.type !== 'int') continue;
    const value = values[name] as number | null | undefined;
    if (value === null || value === undefined) continue;
    const { min = -Infinity, max = Infinity } = spec;
    if (value < min || value > max) {
      throw badInput(`${name} must be between ${min} and ${max} (got ${value})`, {
        argument: name,
        min,
        max,
      });
    }
  }
}

/** The value of an argument after defaults: what the implementations work with. */
export function argValue<T extends ArgTable, K extends keyof T & string>(
  table: T,
  values: ArgValues<T>,
  name: K,
): ValueOf<T[K]> | undefined {
  const value = values[name];
  if (value !== null && value !== undefined) return value as ValueOf<T[K]>;
  const spec = table[name]!;
  return (spec.type === 'int' ? spec.default : undefined) as ValueOf<T[K]> | undefined;
}

type RestName<T extends ArgTable> = {
  [K in keyof T]: T[K]['rest'] extends string ? K : never;
}[keyof T];

/** The shim's parameter table: the legacy names, FastAPI's parsing and 422 bodies. */
export function restParams<T extends ArgTable>(table: T) {
  const definition: Record<string, Param<unknown, boolean>> = {};
  for (const spec of Object.values(table)) {
    if (spec.rest === undefined) continue;
    definition[spec.rest] =
      spec.type === 'int'
        ? int({ default: spec.default, ge: spec.min, le: spec.max })
        : spec.type === 'string'
          ? str({ storable: true })
          : bool();
  }
  const params = defineParams(definition, 'query') as ParamTable<Record<string, unknown>>;
  return {
    params,
    /** GraphQL variables (by argument name) from the parsed REST values. */
    variables(values: Record<string, unknown>): Pick<ArgValues<T>, RestName<T>> {
      const variables: Record<string, unknown> = {};
      for (const [name, spec] of Object.entries(table)) {
        if (spec.rest !== undefined) variables[name] = values[spec.rest];
      }
      return variables as Pick<ArgValues<T>, RestName<T>>;
    },
  };
}

const nullable = (type: string) => ({ anyOf: [{ type }, { type: 'null' }] });

/** The OpenAPI query parameters of the table's REST arguments. */
export function openApiParams(table: ArgTable) {
  return Object.values(table).flatMap((spec) => {
    if (spec.rest === undefined) return [];
    const schema =
      spec.type === 'int'
        ? {
            type: 'integer',
            ...(spec.min !== undefined ? { minimum: spec.min } : {}),
            ...(spec.max !== undefined ? { maximum: spec.max } : {}),
            ...(spec.default !== undefined ? { default: spec.default } : {}),
          }
        : nullable(spec.type);
    return [
      { name: spec.rest, in: 'query', required: false, description: spec.description, schema },
    ];
  });
}
