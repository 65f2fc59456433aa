// The REST shim's fast path for legacy record bytes must print exactly what reencodePy prints.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isPrintedAsIs, reencodePy } from '../../src/legacy/py-json.js';
import {
  LegacyRecordPrinter,
  MAX_REMEMBERED_ANSWER_BYTES,
} from '../../src/legacy/record-printer.js';

/** One record as `printer` prints it into an answer (the array of that one record, unwrapped). */
const printed = (printer: LegacyRecordPrinter, line: string) =>
  printer.array([line]).subarray(1, -1).toString();
const printer = new LegacyRecordPrinter();
const legacyRecordBytes = (line: string) => printed(printer, line);

const LOGGED =
  '{"ts":1795921649.509718,"type":"NO_HAIRNET_AT_SINK","camera_id":"cam0","track_id":126,' +
  '"evidence":{"region":"洗手站立区域","confidence":0.976,"bbox":[1489,735,1679,1103]}}';

/** Numbers spelled in every way JSON allows, around the points where JS and Python differ. */
const numberText = fc.oneof(
  fc.double({ noNaN: true, noDefaultInfinity: true }).map((x) => JSON.stringify(x)),
  fc.constantFrom(
    '-0',
    '-0.0',
    '1.0',
    '1.50',
    '0.0001',
    '0.00001',
    '2.5e-05',
    '1e-7',
    '1E+2',
    '1e15',
    '1e16',
    '1e21',
    '1e+21',
    '1.5e300',
    '5e-324',
    '9007199254740993',
    '123456789012345680000',
    '1e400',
  ),
  fc.bigInt({ min: -(10n ** 30n), max: 10n ** 30n }).map(String),
);

const textWithNumbers = fc
  .tuple(fc.array(numberText, { maxLength: 4 }), fc.array(fc.string(), { maxLength: 2 }))
  .map(([ns, ss]) => `{"ts":${ns[0] ?? 1},"n":[${ns.join(',')}],"s":${JSON.stringify(ss)}}`);

describe('legacyRecordBytes', () => {
  it.each([
    LOGGED,
    '{"a":1,"b":2,"a":3}',
    '{"2":"two","1":"one"}',
    '{"1":"one","2":"two"}',
    '{ "b" : 1 }',
    '{"x":NaN,"y":Infinity}',
    '"\\u00e9\\/\\ud83d\\ude00\\ud800"',
    '{"__proto__":{"a":1}}',
  ])('prints %s as reencodePy does', (line) => {
    expect(legacyRecordBytes(line)).toBe(reencodePy(line));
  });

  it('answers lines it has seen the same again, after more lines than it keeps too', () => {
    const lines = Array.from({ length: 10_050 }, (_, i) => `{"ts":${i}.5,"x":1.10,"y":[${i}]}`);
    const first = lines.map(legacyRecordBytes);
    expect(first[0]).toBe('{"ts":0.5,"x":1.1,"y":[0]}');
    expect(lines.map(legacyRecordBytes)).toEqual(first);
    const long = `{"s":"${'x'.repeat(5000)}","n":2.50}`;
    expect(legacyRecordBytes(long)).toBe(legacyRecordBytes(long));
    expect(legacyRecordBytes(long)).toBe(reencodePy(long));
  });

  it('takes the lines the pipeline logs as they are', () => {
    expect(isPrintedAsIs(LOGGED)).toBe(true);
  });

  it('agrees with reencodePy on any JSON text', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.json(),
          fc.jsonValue().map((v) => JSON.stringify(v)),
          textWithNumbers,
        ),
        (line) => {
          expect(legacyRecordBytes(line)).toBe(reencodePy(line));
        },
      ),
      { numRuns: 2000 },
    );
  });
});

/** A record whose text holds any code point, most of them outside ASCII. */
const unicodeText = fc
  .string({ unit: 'binary', minLength: 1 })
  .map((text) => `{"ts": 1, "s": "${text.replace(/["\\\p{Cc}]/gu, '')}"}`);

describe('the JSON array of records', () => {
  /** What the old service sent: the records' printed forms joined, as UTF-8. */
  const expected = (lines: string[]) => Buffer.from(`[${lines.map(reencodePy).join(',')}]`);

  it('is the printed records joined, in UTF-8, whether remembered or not', () => {
    const lines = [LOGGED, '{"ts": 2, "note": "naïve 😀"}', '{"ts":3,"type":"mouse"}'];
    const printer = new LegacyRecordPrinter();
    expect(printer.array(lines)).toEqual(expected(lines));
    expect(printer.array(lines)).toEqual(expected(lines));
    expect(printer.array([])).toEqual(Buffer.from('[]'));
    expect(new LegacyRecordPrinter({ maxLineChars: 10 }).array(lines)).toEqual(expected(lines));
  });

  it('answers the records asked for after other answers, the last one shared', () => {
    const printer = new LegacyRecordPrinter();
    const a = [LOGGED, '{"ts": 2, "type": "mouse"}'];
    const b = [LOGGED, '{"ts": 3, "type": "mouse"}'];
    const first = printer.array(a);
    // Equal lines in new strings, as the database driver hands them over: the same bytes, kept.
    expect(printer.array(a.map((line) => [...line].join('')))).toBe(first);
    expect(printer.array(b)).toEqual(expected(b));
    expect(printer.array(a.slice(0, 1))).toEqual(expected(a.slice(0, 1)));
    expect(printer.array(a)).toEqual(expected(a));
    expect(printer.array([])).toEqual(Buffer.from('[]'));
  });

  it('does not keep an answer over its bound, and still answers it', () => {
    const printer = new LegacyRecordPrinter();
    const line = `{"ts":1,"note":"${'x'.repeat(4_000)}"}`;
    const lines = Array.from({ length: MAX_REMEMBERED_ANSWER_BYTES / 4_000 + 1 }, () => line);
    const answer = printer.array(lines);
    expect(answer).toEqual(expected(lines));
    expect(printer.array(lines)).not.toBe(answer);
    expect(printer.array(lines)).toEqual(answer);
  });

  it('agrees with the joined text on any JSON lines', () => {
    const printer = new LegacyRecordPrinter();
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.json(), textWithNumbers, unicodeText), { maxLength: 5 }),
        (lines) => {
          expect(printer.array(lines)).toEqual(expected(lines));
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe('the printer remembers a bounded number of characters', () => {
  it('answers every line right while it keeps at most maxChars characters', () => {
    const small = new LegacyRecordPrinter({ maxChars: 1_000 });
    for (let i = 0; i < 200; i++) {
      // Every other line needs reprinting (spaces after separators), so both forms are kept.
      const line =
        i % 2 ? `{"ts": ${i}, "type": "mouse"}` : `{"ts":${i},"type":"mouse","track_id":${i}}`;
      expect(printed(small, line)).toBe(reencodePy(line));
      expect(printed(small, line)).toBe(reencodePy(line));
      expect(small.chars).toBeLessThanOrEqual(1_000);
    }
    expect(small.chars).toBeGreaterThan(900);
  });

  it('answers lines that differ in one character, handed over as fresh copies', () => {
    const printer = new LegacyRecordPrinter();
    // Lines of one length that differ in one digit: the printer finds a remembered line by a
    // sample of its characters, and some of these share a sample (the sample leaves most out).
    const base = '{"ts": 1000000000, "type": "mouse"}';
    const lines = [...'0123456789'].map((_, p) =>
      base.replace(/\d{10}/, (d) => `${d.slice(0, p)}7${d.slice(p + 1)}`),
    );
    for (let round = 0; round < 2; round++) {
      for (const line of lines) {
        // A copy built anew, as the database driver hands lines over on every request.
        expect(printed(printer, [...line].join(''))).toBe(reencodePy(line));
      }
    }
  });

  it('does not keep a line longer than its bound', () => {
    const printer = new LegacyRecordPrinter({ maxLineChars: 10 });
    printer.array(['{"ts":1,"type":"mouse"}']);
    expect(printer.chars).toBe(0);
  });
});
