import fc from 'fast-check';
import { describe, expect, expectTypeOf, it } from 'vitest';
import {
  bigint,
  bool,
  combine,
  defineParams,
  detailBody,
  int,
  parseLaxInt,
  str,
} from '../../src/rest/v1/params.js';

// The tables of the legacy endpoints (docs/legacy-contract.md), as the shims declare them.
const recentEvents = defineParams(
  {
    limit: int({ default: 100, ge: 1, le: 1000 }),
    minutes: int({ default: 60, ge: 1, le: 1440 }),
    etype: str(),
    camera_id: str(),
    force_domain: bool(),
  },
  'query',
);
const statusPath = defineParams({ violation_id: int({ required: true }) }, 'path');
const statusQuery = defineParams(
  { status: str({ required: true }), notes: str(), handled_by: str(), force_domain: bool() },
  'query',
);

const parseQuery = (query: string) => recentEvents.parse(new URLSearchParams(query));
const valuesOf = (query: string) => {
  const result = parseQuery(query);
  if (!result.ok) throw new Error(`expected ${query} to parse, got ${result.body}`);
  return result.value;
};
const bodyOf = (query: string) => {
  const result = parseQuery(query);
  if (result.ok) throw new Error(`expected ${query} to fail, got ${JSON.stringify(result.value)}`);
  expect(result.status).toBe(422);
  return result.body;
};

const INT_MSG = 'Input should be a valid integer, unable to parse string as an integer';
const intParsing = (name: string, input: string) =>
  `{"detail":[{"type":"int_parsing","loc":["query","${name}"],"msg":"${INT_MSG}","input":${JSON.stringify(input)}}]}`;
const tooLow = (input: string) =>
  `{"detail":[{"type":"greater_than_equal","loc":["query","limit"],"msg":"Input should be greater than or equal to 1","input":${JSON.stringify(input)},"ctx":{"ge":1}}]}`;
const tooHigh = (input: string) =>
  `{"detail":[{"type":"less_than_equal","loc":["query","limit"],"msg":"Input should be less than or equal to 1000","input":${JSON.stringify(input)},"ctx":{"le":1000}}]}`;
const badBool = (input: string) =>
  `{"detail":[{"type":"bool_parsing","loc":["query","force_domain"],"msg":"Input should be a valid boolean, unable to interpret input","input":${JSON.stringify(input)}}]}`;

describe('recent events query parameters', () => {
  it('fall back to the documented defaults when absent, leaving optional ones undefined', () => {
    expect(valuesOf('')).toEqual({
      limit: 100,
      minutes: 60,
      etype: undefined,
      camera_id: undefined,
      force_domain: undefined,
    });
  });

  it.each([
    ['a plain integer', 'limit=5', 5],
    ['a leading plus sign', 'limit=%2B5', 5],
    ['surrounding spaces and tabs', 'limit=%20%205%09', 5],
    ['a plus-encoded space', 'limit=+5+', 5],
    [
      'Unicode whitespace that Rust trims (NBSP, ideographic space, NEL)',
      'limit=%C2%A05%E3%80%80%C2%85',
      5,
    ],
    ['leading zeros', 'limit=007', 7],
    ['a fractional part of only zeros', 'limit=5.00', 5],
    ['leading zeros and a zero fraction together', 'limit=0005.0', 5],
    ['single underscores between digits', 'limit=1_000', 1000],
    ['underscores and a zero fraction', 'limit=1_000.000', 1000],
    ['an underscore inside leading zeros', 'limit=0_1', 1],
    ['the last of a repeated parameter', 'limit=5&limit=7', 7],
    ['the upper bound itself', 'limit=1000', 1000],
    ['a known parameter beside unknown ones', 'foo=bar&limit=3&LIMIT=9', 3],
  ])('accept %s as limit', (_label, query, limit) => {
    expect(valuesOf(query).limit).toBe(limit);
  });

  it('keep strings exactly as sent, including empty and space-padded ones', () => {
    expect(valuesOf('etype=&camera_id=+cam0+')).toMatchObject({ etype: '', camera_id: ' cam0 ' });
    expect(valuesOf('etype=SKIP_DRYING&etype=NO_HAIRNET_AT_SINK').etype).toBe('NO_HAIRNET_AT_SINK');
  });

  it.each([
    ...['true', 'TRUE', 't', 'Yes', 'y', 'ON', '1'].map((raw) => [raw, true] as const),
    ...['false', 'F', 'no', 'N', 'oFf', '0'].map((raw) => [raw, false] as const),
  ])('read force_domain=%s as %s', (raw, expected) => {
    expect(valuesOf(`force_domain=${raw}`).force_domain).toBe(expected);
  });

  it.each([
    // The contract's four examples, verbatim.
    [
      'limit=0',
      '{"detail":[{"type":"greater_than_equal","loc":["query","limit"],"msg":"Input should be greater than or equal to 1","input":"0","ctx":{"ge":1}}]}',
    ],
    [
      'limit=5000',
      '{"detail":[{"type":"less_than_equal","loc":["query","limit"],"msg":"Input should be less than or equal to 1000","input":"5000","ctx":{"le":1000}}]}',
    ],
    [
      'minutes=abc',
      '{"detail":[{"type":"int_parsing","loc":["query","minutes"],"msg":"Input should be a valid integer, unable to parse string as an integer","input":"abc"}]}',
    ],
    [
      'force_domain=maybe',
      '{"detail":[{"type":"bool_parsing","loc":["query","force_domain"],"msg":"Input should be a valid boolean, unable to interpret input","input":"maybe"}]}',
    ],
    [
      'minutes=1441',
      '{"detail":[{"type":"less_than_equal","loc":["query","minutes"],"msg":"Input should be less than or equal to 1440","input":"1441","ctx":{"le":1440}}]}',
    ],
    ['limit=1.5', intParsing('limit', '1.5')],
    ['limit=', intParsing('limit', '')],
    ['limit=5.', intParsing('limit', '5.')],
    ['limit=%205.', intParsing('limit', ' 5.')],
    ['limit=1e2', intParsing('limit', '1e2')],
    ['limit=0x10', intParsing('limit', '0x10')],
    ['limit=1,000', intParsing('limit', '1,000')],
    ['limit=_100', intParsing('limit', '_100')],
    ['limit=100_', intParsing('limit', '100_')],
    ['limit=1__000', intParsing('limit', '1__000')],
    ['limit=%D9%A1%D9%A0', intParsing('limit', '١٠')],
    ['limit=%EF%BC%91%EF%BC%90', intParsing('limit', '１０')],
    ['limit=%2B-5', intParsing('limit', '+-5')],
    ['limit=--5', intParsing('limit', '--5')],
    ['limit=-%2B5', intParsing('limit', '-+5')],
    ['limit=-+5', intParsing('limit', '- 5')],
    ['limit=5+5', intParsing('limit', '5 5')],
    ['limit=+', intParsing('limit', ' ')],
    ['limit=NaN', intParsing('limit', 'NaN')],
    ['limit=%EF%BB%BF5', intParsing('limit', '\ufeff5')],
    ['limit=-0', tooLow('-0')],
    ['limit=-5', tooLow('-5')],
    ['limit=0000', tooLow('0000')],
    // pydantic-core strips leading zeros up to a minus sign, so `0-5` reads as -5.
    ['limit=0-5', tooLow('0-5')],
    ['limit=+5000+', tooHigh(' 5000 ')],
    ['limit=99999999999999999999999', tooHigh('99999999999999999999999')],
    ['limit=1_000.0_1', intParsing('limit', '1_000.0_1')],
    ['force_domain=2', badBool('2')],
    ['force_domain=none', badBool('none')],
    ['force_domain=', badBool('')],
    ['force_domain=+true', badBool(' true')],
    ['force_domain=true+', badBool('true ')],
    ['limit=%E5%8D%81', intParsing('limit', '十')],
  ])('reject %s with its exact 422 body', (query, body) => {
    expect(bodyOf(query)).toBe(body);
  });

  it('keep non-ASCII input unescaped in the body', () => {
    expect(bodyOf('limit=%E5%8D%81')).toContain('"input":"十"');
  });

  it('escape control characters in the input as Python json.dumps does', () => {
    expect(bodyOf('minutes=%00%09%0A%1F%22%5C%7F')).toBe(
      String.raw`{"detail":[{"type":"int_parsing","loc":["query","minutes"],"msg":"Input should be a valid integer, unable to parse string as an integer","input":"\u0000\t\n\u001f\"\\` +
        '\x7f"}]}',
    );
  });

  it('list one entry per bad parameter in table order, not query order', () => {
    expect(bodyOf('force_domain=x&minutes=0&limit=abc&limit=1.5')).toBe(
      '{"detail":[' +
        `{"type":"int_parsing","loc":["query","limit"],"msg":"${INT_MSG}","input":"1.5"},` +
        '{"type":"greater_than_equal","loc":["query","minutes"],"msg":"Input should be greater than or equal to 1","input":"0","ctx":{"ge":1}},' +
        '{"type":"bool_parsing","loc":["query","force_domain"],"msg":"Input should be a valid boolean, unable to interpret input","input":"x"}' +
        ']}',
    );
  });

  it('report integers past 4300 digits as int_parsing_size, as pydantic caps them', () => {
    const huge = '1'.repeat(4301);
    expect(bodyOf(`limit=${huge}`)).toBe(
      `{"detail":[{"type":"int_parsing_size","loc":["query","limit"],"msg":"Unable to parse input string as an integer, exceeded maximum size","input":"${huge}"}]}`,
    );
    expect(bodyOf(`limit=${'1'.repeat(4300)}`)).toBe(tooHigh('1'.repeat(4300)));
    expect(bodyOf(`limit=+${huge}`)).toBe(intParsing('limit', ` ${huge}`));
  });

  it('infer optional parameters without a default as possibly undefined', () => {
    const result = parseQuery('');
    if (!result.ok) throw new Error(result.body);
    expectTypeOf(result.value).toEqualTypeOf<{
      limit: number;
      minutes: number;
      etype: string | undefined;
      camera_id: string | undefined;
      force_domain: boolean | undefined;
    }>();
  });
});

describe('violation status parameters', () => {
  it('report a missing required parameter with a null input', () => {
    const result = statusQuery.parse(new URLSearchParams('notes=x'));
    expect(result.ok ? null : result.body).toBe(
      '{"detail":[{"type":"missing","loc":["query","status"],"msg":"Field required","input":null}]}',
    );
  });

  it('accept an empty required string, leaving its meaning to the shim', () => {
    const result = statusQuery.parse(new URLSearchParams('status='));
    expect(result.ok && result.value).toEqual({
      status: '',
      notes: undefined,
      handled_by: undefined,
      force_domain: undefined,
    });
  });

  it('read a path id from a Map or a record, the last array element winning', () => {
    expect(statusPath.parse(new Map([['violation_id', ' 42 ']]))).toEqual({
      ok: true,
      value: { violation_id: 42 },
    });
    expect(statusPath.parse({ violation_id: ['1', '0_7'] })).toEqual({
      ok: true,
      value: { violation_id: 7 },
    });
    const inherited = Object.create({ violation_id: '5' }) as Record<string, string>;
    expect(statusPath.parse(inherited)).toMatchObject({ ok: false, errors: [{ type: 'missing' }] });
  });

  it('put path errors before query errors when the two tables are combined', () => {
    const result = combine(statusPath.parse({ violation_id: 'abc' }), statusQuery.parse({}));
    expect(result.ok ? null : result.body).toBe(
      '{"detail":[' +
        `{"type":"int_parsing","loc":["path","violation_id"],"msg":"${INT_MSG}","input":"abc"},` +
        '{"type":"missing","loc":["query","status"],"msg":"Field required","input":null}]}',
    );
  });

  it('merge the values of both tables when both parse', () => {
    const path = statusPath.parse({ violation_id: '3' });
    const result = combine(path, statusQuery.parse(new URLSearchParams('status=resolved')));
    expect(result.ok && result.value.violation_id + result.value.status).toBe('3resolved');
  });

  it('keep ids beyond 2^53 exact when declared as bigint', () => {
    const exact = defineParams({ violation_id: bigint({ required: true }) }, 'path');
    expect(exact.parse({ violation_id: '99999999999999999999.0' })).toEqual({
      ok: true,
      value: { violation_id: 99999999999999999999n },
    });
  });
});

describe('other legacy bodies', () => {
  it('render a detail message compactly with non-ASCII kept', () => {
    expect(detailBody('违规记录不存在: 42')).toBe('{"detail":"违规记录不存在: 42"}');
    expect(detailBody('Method Not Allowed')).toBe('{"detail":"Method Not Allowed"}');
  });

  it('refuse a parameter that is both required and defaulted', () => {
    expect(() => int({ required: true, default: 1 } as never)).toThrow(TypeError);
  });
});

const anyValue = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.string({ unit: 'binary', maxLength: 12 }),
  fc.stringMatching(/^[ \t+\-0-9_.eEx]{0,10}$/),
  fc.constantFrom('true', 'No', 'ON', '1000', '1441', '-0', '0-5', '5.', '1_0.0'),
);
const maybe = fc.option(anyValue, { nil: undefined });
const sent = fc.record({
  limit: maybe,
  minutes: maybe,
  etype: maybe,
  camera_id: maybe,
  force_domain: maybe,
});

describe('parsing arbitrary values', () => {
  it('never throws, and yields in-bounds values or a well-formed 422 body', () => {
    fc.assert(
      fc.property(sent, (query) => {
        const result = recentEvents.parse(query);
        if (result.ok) {
          const { limit, minutes, force_domain, etype } = result.value;
          expect(Number.isInteger(limit) && limit >= 1 && limit <= 1000).toBe(true);
          expect(Number.isInteger(minutes) && minutes >= 1 && minutes <= 1440).toBe(true);
          expect(force_domain === undefined || typeof force_domain === 'boolean').toBe(true);
          expect(etype).toBe(query.etype);
          return;
        }
        const detail: unknown = JSON.parse(result.body).detail;
        expect(Array.isArray(detail) && detail.length > 0).toBe(true);
        const names: string[] = [];
        for (const entry of detail as Record<string, unknown>[]) {
          const keys = Object.keys(entry);
          expect(keys.slice(0, 4)).toEqual(['type', 'loc', 'msg', 'input']);
          expect(keys.length === 4 || (keys.length === 5 && keys[4] === 'ctx')).toBe(true);
          const [where, name] = entry.loc as [string, keyof typeof query];
          expect(where).toBe('query');
          expect(entry.input).toBe(query[name]);
          names.push(name);
        }
        const order = ['limit', 'minutes', 'force_domain'];
        expect(names).toEqual(order.filter((name) => names.includes(name)));
      }),
      { numRuns: 2000 },
    );
  });

  it('read any decorated integer as its value, then apply the bounds', () => {
    const decorated = fc.record({
      n: fc.integer({ min: -3000, max: 3000 }),
      pad: fc.constantFrom('', ' ', '\t', '\u3000', '\u00a0 '),
      plus: fc.boolean(),
      zeros: fc.nat({ max: 3 }),
      fraction: fc.constantFrom('', '.0', '.000'),
    });
    fc.assert(
      fc.property(decorated, ({ n, pad, plus, zeros, fraction }) => {
        const sign = n < 0 ? '-' : plus ? '+' : '';
        const raw = `${pad}${sign}${'0'.repeat(zeros)}${Math.abs(n)}${fraction}${pad}`;
        expect(parseLaxInt(raw)).toBe(BigInt(n));
        const result = recentEvents.parse({ limit: raw });
        if (n >= 1 && n <= 1000) expect(result.ok && result.value.limit).toBe(n);
        else expect(result.ok ? '' : result.body).toBe(n < 1 ? tooLow(raw) : tooHigh(raw));
      }),
    );
  });

  it('accept as a boolean exactly the twelve words, ignoring ASCII case only', () => {
    const words = ['true', 'false', 't', 'f', 'yes', 'no', 'y', 'n', 'on', 'off', '1', '0'];
    const candidate = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 6 }),
      fc.constantFrom(...words).map((w) => w.toUpperCase()),
      fc.constantFrom('\u212a', '\u0130', 'yes ', ' no', 'tru', 'truE'),
    );
    fc.assert(
      fc.property(candidate, (raw) => {
        const result = recentEvents.parse({ force_domain: raw });
        const asciiLower = raw.replace(/[A-Z]/g, (c) => c.toLowerCase());
        expect(result.ok).toBe(words.includes(asciiLower));
      }),
    );
  });
});
