// Instants to and from text without V8's date code: the same text as Date#toISOString, the same
// instant as new Date(text) for what PostgreSQL prints, on generated values (invalid ones too).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isoString, parsePgTimestamptz } from '../../src/domain/instant-text.js';

const YEAR_MS = 31_556_952_000;

describe('isoString', () => {
  it('prints what toISOString prints, for any instant', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.integer({ min: 0, max: 8_100 * YEAR_MS }), // 1970–9999: computed here
          fc.integer({ min: -8.64e15, max: 8.64e15 }), // the whole range: some go to the built-in
        ),
        (ms) => {
          expect(isoString(new Date(ms))).toBe(new Date(ms).toISOString());
        },
      ),
      { numRuns: 20_000 },
    );
  });

  it('prints the edges of its own range and the days around leap days as toISOString does', () => {
    const edges = [
      0,
      -1,
      253_402_300_799_999, // 9999-12-31T23:59:59.999Z
      253_402_300_800_000, // +010000-01-01
      Date.UTC(2000, 1, 29, 23, 59, 59, 999),
      Date.UTC(2100, 2, 1),
      Date.UTC(2024, 1, 29, 12, 0, 0, 5),
    ];
    for (const ms of edges) expect(isoString(new Date(ms))).toBe(new Date(ms).toISOString());
  });

  it('prints the same instants again, and instants that share a remembered slot, right', () => {
    const base = Date.UTC(2026, 10, 30, 16, 49, 51, 493);
    // Instants 4,096 ms apart share a slot of the memo; each overwrites the other.
    const instants = [base, base + 4096, base, base + 2 * 4096, base + 1, base + 4096];
    for (let round = 0; round < 2; round++) {
      for (const ms of instants) expect(isoString(new Date(ms))).toBe(new Date(ms).toISOString());
    }
  });

  it('throws as toISOString does on an invalid date', () => {
    expect(() => isoString(new Date(Number.NaN))).toThrow(RangeError);
  });
});

describe('parsePgTimestamptz', () => {
  const pad = (n: number, width: number) => String(n).padStart(width, '0');
  /** What PostgreSQL prints for a timestamptz, and shapes around it that it does not print. */
  const pgText = fc
    .record({
      year: fc.oneof(fc.integer({ min: 1970, max: 2100 }), fc.integer({ min: 0, max: 9999 })),
      month: fc.integer({ min: 0, max: 13 }),
      day: fc.integer({ min: 0, max: 32 }),
      hour: fc.integer({ min: 0, max: 25 }),
      minute: fc.integer({ min: 0, max: 60 }),
      second: fc.integer({ min: 0, max: 60 }),
      fraction: fc.stringMatching(/^[0-9]{0,7}$/),
      dot: fc.boolean(),
      sign: fc.constantFrom('+', '-'),
      offset: fc.constantFrom('00', '01', '05:30', '09:45', '12', '14', '05:45:30', '0530', '24'),
      junk: fc.constantFrom('', '', '', ' BC', 'x'),
    })
    .map(
      (p) =>
        `${pad(p.year, 4)}-${pad(p.month, 2)}-${pad(p.day, 2)} ${pad(p.hour, 2)}:${pad(p.minute, 2)}:${pad(p.second, 2)}${p.dot ? `.${p.fraction}` : ''}${p.sign}${p.offset}${p.junk}`,
    );

  it('reads the instant new Date(text) reads, or the same invalid date', () => {
    fc.assert(
      fc.property(pgText, (text) => {
        expect(parsePgTimestamptz(text).getTime()).toBe(new Date(text).getTime());
      }),
      { numRuns: 50_000 },
    );
  });

  it('reads what PostgreSQL prints: fractions cut to milliseconds, offsets in hours and minutes', () => {
    const cases: [string, string][] = [
      ['2026-11-30 16:49:51.493+00', '2026-11-30T16:49:51.493Z'],
      ['2026-11-30 16:49:51.4999+00', '2026-11-30T16:49:51.499Z'],
      ['2026-11-30 16:49:51.123456-03', '2026-11-30T19:49:51.123Z'],
      ['2026-11-30 16:49:51.5+05:30', '2026-11-30T11:19:51.500Z'],
      ['2024-02-29 00:00:00+00', '2024-02-29T00:00:00.000Z'],
      ['2026-01-01 00:30:00+01', '2025-12-31T23:30:00.000Z'],
    ];
    for (const [text, iso] of cases) expect(parsePgTimestamptz(text).toISOString()).toBe(iso);
  });
});
