import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { murmur3_32, murmur3_32Joined } from '../../src/rollout/murmur3.js';

// A deliberately plain MurmurHash3_x86_32 over Buffer bytes, written from the reference
// algorithm, to cross-check the optimised ASCII and reused-buffer paths.
function reference(key: string, seed = 0): number {
  const bytes = Buffer.from(key, 'utf8');
  const rotl = (x: number, r: number) => ((x << r) | (x >>> (32 - r))) >>> 0;
  const mix = (k: number) => Math.imul(rotl(Math.imul(k, 0xcc9e2d51) >>> 0, 15), 0x1b873593) >>> 0;
  let h = seed >>> 0;
  const blocks = Math.floor(bytes.length / 4) * 4;
  for (let i = 0; i < blocks; i += 4) {
    h = (h ^ mix(bytes.readUInt32LE(i))) >>> 0;
    h = (Math.imul(rotl(h, 13), 5) + 0xe6546b64) >>> 0;
  }
  let k = 0;
  for (let i = bytes.length - 1; i >= blocks; i--) k = (k << 8) | bytes[i]!;
  if (bytes.length > blocks) h = (h ^ mix(k)) >>> 0;
  h = (h ^ bytes.length) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b) >>> 0;
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}

// ASCII (the fast path), whole graphemes (multi-byte UTF-8), and any code unit (lone surrogates).
const anyString = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
);

describe('murmur3_32', () => {
  // Published MurmurHash3_x86_32 vectors (SMHasher, and the vectors most ports test against).
  it.each([
    ['', 0, 0],
    ['', 1, 0x514e28b7],
    ['', 0xffffffff, 0x81f16f39],
    ['hello', 0, 613153351],
    ['abc', 0, 0xb3dd93fa],
    ['aaaa', 0x9747b28c, 0x5a97808a],
    ['Hello, world!', 0x9747b28c, 0x24884cba],
    ['The quick brown fox jumps over the lazy dog', 0, 0x2e4ff723],
    ['The quick brown fox jumps over the lazy dog', 0x9747b28c, 0x2fa826cd],
    ['ππππππππ', 0x9747b28c, 0xd58063c1],
  ])('hashes %j with seed %i to the published value', (key, seed, expected) => {
    expect(murmur3_32(key, seed)).toBe(expected);
  });

  // Computed with an independent Python implementation over str.encode('utf-8').
  it.each([
    ['a', 0x3c2569b2],
    ['ab', 0x9bbfd75f],
    ['abcd', 0x43ed676a],
    ['événement', 0xcb411b18],
    ['厨房卫生', 0xa3a65e0b],
    ['😀', 0xbeb42efa],
    ['events.recent:user-42', 0x11d86bda],
  ])('hashes the UTF-8 bytes of %j, whatever its length modulo 4', (key, expected) => {
    expect(murmur3_32(key)).toBe(expected);
  });

  it('agrees with a plain Buffer-based implementation on arbitrary strings and seeds', () => {
    fc.assert(
      fc.property(anyString, fc.nat(), (key, seed) => {
        expect(murmur3_32(key, seed)).toBe(reference(key, seed));
      }),
      { numRuns: 2000 },
    );
  });

  it('hashes a non-ASCII tail found after a long ASCII prefix the same as the reference', () => {
    const key = `${'x'.repeat(37)}ü`;
    expect(murmur3_32(key)).toBe(reference(key));
  });

  it('hashes keys longer than its scratch buffer, and short keys correctly afterwards', () => {
    const long = 'π'.repeat(1000);
    expect(murmur3_32(long)).toBe(reference(long));
    expect(murmur3_32('ππππππππ', 0x9747b28c)).toBe(0xd58063c1);
  });

  it('encodes a lone surrogate as U+FFFD, like Buffer.from', () => {
    expect(murmur3_32('a\ud800b')).toBe(reference('a\ud800b'));
    expect(murmur3_32('a\ud800b')).toBe(murmur3_32('a\ufffdb'));
  });

  it('returns an unsigned 32-bit integer', () => {
    for (let i = 0; i < 1000; i++) {
      const h = murmur3_32(`key-${i}`);
      expect(Number.isInteger(h) && h >= 0 && h <= 0xffffffff).toBe(true);
    }
  });
});

describe('murmur3_32Joined', () => {
  it('hashes left + separator + right exactly like hashing the concatenated string', () => {
    fc.assert(
      fc.property(anyString, anyString, anyString, fc.nat(), (left, sep, right, seed) => {
        expect(murmur3_32Joined(left, sep, right, seed)).toBe(reference(left + sep + right, seed));
      }),
      { numRuns: 2000 },
    );
  });

  it('hashes a surrogate pair split between left and right as one character', () => {
    expect(murmur3_32Joined('a\ud83d', '', '\ude00b')).toBe(reference('a😀b'));
  });

  it('matches the bucket-key vector for an ASCII and a non-ASCII sticky key', () => {
    expect(murmur3_32Joined('events.recent', ':', 'user-42')).toBe(0x11d86bda);
    const key = `厨房-${'π'.repeat(300)}`;
    expect(murmur3_32Joined('events.recent', ':', key)).toBe(reference(`events.recent:${key}`));
  });
});
