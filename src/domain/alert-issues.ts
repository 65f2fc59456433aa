// zod's issues as pydantic 2 reports them (type, msg, ctx), so a REST caller of the alert
// endpoints gets FastAPI's 422 shape for a bad body and a GraphQL caller the same problems.
import type { z } from 'zod';
import type { AlertIssue } from './alerts.js';

type ZodIssue = z.core.$ZodIssue;

const TYPE_ERRORS: Record<string, [string, string]> = {
  string: ['string_type', 'Input should be a valid string'],
  int: ['int_type', 'Input should be a valid integer'],
  number: ['int_type', 'Input should be a valid integer'],
  boolean: ['bool_type', 'Input should be a valid boolean'],
  object: ['dict_type', 'Input should be a valid dictionary'],
  array: ['list_type', 'Input should be a valid list'],
};

const quoted = (values: readonly unknown[]) => {
  const q = values.map((v) => `'${String(v)}'`);
  return q.length <= 1 ? (q[0] ?? '') : `${q.slice(0, -1).join(', ')} or ${q.at(-1)}`;
};

function valueAt(body: unknown, path: readonly PropertyKey[]): unknown {
  let v = body;
  for (const key of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<PropertyKey, unknown>)[key];
  }
  return v;
}

function one(issue: ZodIssue, body: unknown): AlertIssue[] {
  const path = issue.path.map((p) => (typeof p === 'number' ? p : String(p)));
  const input = 'input' in issue ? issue.input : valueAt(body, issue.path);
  switch (issue.code) {
    case 'invalid_type': {
      if (input === undefined) {
        const parent = valueAt(body, issue.path.slice(0, -1));
        return [{ path, type: 'missing', msg: 'Field required', input: parent ?? null }];
      }
      if ((issue.expected === 'int' || issue.expected === 'number') && typeof input === 'number') {
        if (Number.isFinite(input) && !Number.isInteger(input)) {
          const msg = 'Input should be a valid integer, got a number with a fractional part';
          return [{ path, type: 'int_from_float', msg, input }];
        }
        // Past 2^53: an integer, but not one the model can hold.
        const msg = 'Input should be less than or equal to 9007199254740991';
        return [{ path, type: 'less_than_equal', msg, input, ctx: { le: 9007199254740991 } }];
      }
      const [type, msg] = TYPE_ERRORS[issue.expected] ?? ['value_error', issue.message];
      return [{ path, type, msg, input }];
    }
    case 'too_small':
    case 'too_big': {
      const small = issue.code === 'too_small';
      const n = Number(small ? issue.minimum : issue.maximum);
      if (issue.origin === 'string') {
        const s = n === 1 ? '' : 's';
        return small
          ? [
              {
                path,
                type: 'string_too_short',
                msg: `String should have at least ${n} character${s}`,
                input,
                ctx: { min_length: n },
              },
            ]
          : [
              {
                path,
                type: 'string_too_long',
                msg: `String should have at most ${n} character${s}`,
                input,
                ctx: { max_length: n },
              },
            ];
      }
      if (issue.origin === 'array') {
        const actual = Array.isArray(input) ? input.length : 0;
        return [
          {
            path,
            type: 'too_long',
            msg: `List should have at most ${n} item${n === 1 ? '' : 's'} after validation, not ${actual}`,
            input,
            ctx: { field_type: 'List', max_length: n, actual_length: actual },
          },
        ];
      }
      return small
        ? [
            {
              path,
              type: 'greater_than_equal',
              msg: `Input should be greater than or equal to ${n}`,
              input,
              ctx: { ge: n },
            },
          ]
        : [
            {
              path,
              type: 'less_than_equal',
              msg: `Input should be less than or equal to ${n}`,
              input,
              ctx: { le: n },
            },
          ];
    }
    case 'invalid_value': {
      const expected = quoted(issue.values);
      const literal = issue.values.length === 1;
      return [
        {
          path,
          type: literal ? 'literal_error' : 'enum',
          msg: `Input should be ${expected}`,
          input: input ?? null,
          ctx: { expected },
        },
      ];
    }
    case 'unrecognized_keys':
      return issue.keys.map((key) => ({
        path: [...path, key],
        type: 'extra_forbidden',
        msg: 'Extra inputs are not permitted',
        input: valueAt(input, [key]),
      }));
    case 'invalid_union': {
      // A channel whose `type` is none of the known ones: located at the channel, as pydantic does.
      if (path.at(-1) === 'type') path.pop();
      const item = valueAt(body, path);
      const tag = typeof item === 'string' ? item : valueAt(item, ['type']);
      const expected = quoted(
        ((issue as { options?: unknown[] }).options ?? ['log', 'webhook']) as unknown[],
      );
      return [
        {
          path,
          type: 'union_tag_invalid',
          msg: `Input tag '${String(tag)}' found using 'type' does not match any of the expected tags: ${expected}`,
          input: item,
          ctx: { discriminator: "'type'", tag: String(tag), expected_tags: expected },
        },
      ];
    }
    default:
      return [{ path, type: 'value_error', msg: `Value error, ${issue.message}`, input }];
  }
}

/** The issues in body order as pydantic lists them (one entry per problem). */
export function issuesOf(issues: readonly ZodIssue[], body: unknown): AlertIssue[] {
  return issues.flatMap((issue) => one(issue, body));
}
