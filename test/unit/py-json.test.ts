import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  dumpPy,
  PY_MAX_DEPTH,
  PY_MAX_INT_DIGITS,
  parsePyJson,
  pyFloatRepr,
  reencodePy,
  toPlain,
} from '../../src/legacy/py-json.js';

// Expected strings were produced by CPython 3.11:
// json.dumps(json.loads(s), ensure_ascii=False, separators=(',', ':')), NaN/Infinity as null.
const LOGGED =
  '{"ts":1795921649.509718,"type":"NO_HAIRNET_AT_SINK","camera_id":"cam0","track_id":126,' +
  '"evidence":{"region":"洗手站立区域","confidence":0.976,"bbox":[1489,735,1679,1103]}}';

describe('reencodePy', () => {
  it.each([
    [LOGGED, LOGGED],
    ['{ "b" : 1 , "a" : [ 1 , 2 ] }', '{"b":1,"a":[1,2]}'],
    ['  [true,false,null]\n', '[true,false,null]'],
    ['[[],{}]', '[[],{}]'],
  ])('prints %j compactly, keys in their own order, as Python did', (input, expected) => {
    expect(reencodePy(input)).toBe(expected);
  });

  it('keeps the first position and the last value of a duplicated key, like a Python dict', () => {
    expect(reencodePy('{"a":1,"b":2,"a":3}')).toBe('{"a":3,"b":2}');
  });

  it('does not move integer-like keys to the front, unlike a JavaScript object', () => {
    expect(reencodePy('{"2":"two","1":"one","a":"x"}')).toBe('{"2":"two","1":"one","a":"x"}');
  });

  it.each([
    ['1795921649.0', '1795921649.0'],
    ['1795921649', '1795921649'],
    ['1.0', '1.0'],
    ['100.0', '100.0'],
    ['1.50', '1.5'],
    ['0.1', '0.1'],
    ['-0', '0'],
    ['-0.0', '-0.0'],
    ['0.0001', '0.0001'],
    ['0.00001', '1e-05'],
    ['2.5e-05', '2.5e-05'],
    ['1e-7', '1e-07'],
    ['1E+2', '100.0'],
    ['1e15', '1000000000000000.0'],
    ['1e16', '1e+16'],
    ['1.5e16', '1.5e+16'],
    ['1e22', '1e+22'],
    ['5e-324', '5e-324'],
    ['123456789012345678', '123456789012345678'],
    ['12345678901234567890123456789', '12345678901234567890123456789'],
  ])('prints the number %s as Python prints it: %s', (input, expected) => {
    expect(reencodePy(input)).toBe(expected);
  });

  it.each([
    ['[NaN,Infinity,-Infinity]', '[null,null,null]'],
    ['{"x":NaN}', '{"x":null}'],
    ['[1e400,-1e400]', '[null,null]'],
  ])(
    'writes %s with null where Python answered 500 (a documented correction)',
    (input, expected) => {
      expect(reencodePy(input)).toBe(expected);
    },
  );

  it.each([
    ['"a/b"', '"a/b"'],
    ['"\\/"', '"/"'],
    ['"tab\\there"', '"tab\\there"'],
    ['"\\u0001\\u001f\\u007f"', '"\\u0001\\u001f\x7f"'],
    ['"\\b\\f\\n\\r\\"\\\\"', '"\\b\\f\\n\\r\\"\\\\"'],
    ['"\\u00e9\\u6d17"', '"é洗"'],
    ['"\\ud83d\\ude00 😀"', '"😀 😀"'],
    ['"洗手池区域"', '"洗手池区域"'],
  ])('escapes the string %s exactly as Python does: %s', (input, expected) => {
    expect(reencodePy(input)).toBe(expected);
  });

  it('round-trips any JSON value to an equal value', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        // JSON.stringify already drops the sign of -0, so compare against what it wrote.
        expect(JSON.parse(reencodePy(JSON.stringify(v)))).toEqual(JSON.parse(JSON.stringify(v)));
      }),
      { numRuns: 500 },
    );
  });
});

describe('parsePyJson', () => {
  it('tells ints from floats and keeps big ints exact', () => {
    expect(parsePyJson('[1,1.0,1e2,-0,12345678901234567890]')).toEqual([
      1n,
      1,
      100,
      0n,
      12345678901234567890n,
    ]);
  });

  it('reads NaN and ±Infinity as Python floats', () => {
    const v = parsePyJson('[NaN,Infinity,-Infinity]') as number[];
    expect(v[0]).toBeNaN();
    expect(v.slice(1)).toEqual([Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]);
  });

  it.each([
    '',
    ' ',
    '{',
    '[1,]',
    '{"a":1,}',
    '{"a" 1}',
    "{'a':1}",
    '{1:2}',
    '01',
    '1.',
    '.5',
    '1e',
    '+1',
    '-',
    '- 1',
    '1_000',
    '0x10',
    'nan',
    'inf',
    '-NaN',
    'NaNx',
    'Infinityy',
    'tru',
    '[1 2]',
    '{"a":1 "b":2}',
    '[1] x',
    '{"a":1}{',
    '"abc',
    '"a\tb"',
    '"\\x41"',
    '"\\u12"',
    '"\\u12g4"',
    '"\\u 12a"',
    '\ufeff{}',
    '\u00a0{}',
    '[\u0661]',
  ])('rejects %j with a SyntaxError, as json.loads does', (input) => {
    expect(() => parsePyJson(input)).toThrow(SyntaxError);
  });

  it('rejects an int longer than Python will convert, but not such a float', () => {
    expect(() => parsePyJson('1'.repeat(PY_MAX_INT_DIGITS + 1))).toThrow(SyntaxError);
    expect(parsePyJson(`-${'1'.repeat(PY_MAX_INT_DIGITS)}`)).toBe(-BigInt('1'.repeat(4300)));
    expect(parsePyJson(`${'1'.repeat(PY_MAX_INT_DIGITS + 1)}.0`)).toBe(Number.POSITIVE_INFINITY);
  });

  it('rejects nesting deeper than Python could recurse, without overflowing our stack', () => {
    const nested = (d: number) => `${'['.repeat(d)}${']'.repeat(d)}`;
    expect(() => parsePyJson(nested(PY_MAX_DEPTH))).not.toThrow();
    expect(() => parsePyJson(nested(PY_MAX_DEPTH + 1))).toThrow(SyntaxError);
    expect(() => parsePyJson(nested(100_000))).toThrow(SyntaxError);
  });
});

describe('toPlain', () => {
  it('gives plain JSON with null for NaN/Infinity and numbers for big ints', () => {
    const v = parsePyJson('{"a":[NaN,1,2.5,Infinity],"big":12345678901234567890,"s":"x"}');
    expect(toPlain(v)).toEqual({
      a: [null, 1, 2.5, null],
      big: Number(12345678901234567890n),
      s: 'x',
    });
  });

  it('keeps a "__proto__" key as data, as JSON.parse does, instead of changing the prototype', () => {
    const plain = toPlain(parsePyJson('{"__proto__":{"polluted":true}}')) as Record<
      string,
      unknown
    >;
    expect(Object.getPrototypeOf(plain)).toBe(Object.prototype);
    expect(plain.polluted).toBeUndefined();
    expect(plain).toEqual(JSON.parse('{"__proto__":{"polluted":true}}'));
  });
});

describe('dumpPy', () => {
  it('escapes a lone surrogate instead of writing text that is not UTF-8', () => {
    expect(dumpPy('\ud800')).toBe('"\\ud800"');
  });

  it('prints any finite double with digits that read back to the same double', () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (x) => {
        expect(Object.is(Number(pyFloatRepr(x)), x)).toBe(true);
      }),
    );
  });
});
