// MurmurHash3 (x86, 32-bit) over the UTF-8 bytes of a string: the sticky-bucket hash of the
// rollout engine. It runs once per migrated field per request, so it avoids allocating: ASCII
// keys are hashed straight from their char codes, others are encoded into one reused buffer.

const C1 = 0xcc9e2d51;
const C2 = 0x1b873593;

const encoder = new TextEncoder();
// Module-level scratch space is safe: hashing is synchronous, so no two calls overlap.
let scratch = new Uint8Array(256);

/** Unsigned 32-bit MurmurHash3_x86_32 of the UTF-8 encoding of `key`. */
export function murmur3_32(key: string, seed = 0): number {
  const ascii = hashAscii(key, seed);
  if (ascii >= 0) return ascii;
  reserve(key.length);
  return hashBytes(scratch, encoder.encodeInto(key, scratch).written, seed);
}

/**
 * murmur3_32(left + separator + right) without building that string: a concatenation would
 * allocate a rope that charCodeAt then flattens, doubling the cost of a bucket computation.
 */
export function murmur3_32Joined(left: string, separator: string, right: string, seed = 0): number {
  reserve(left.length + separator.length + right.length);
  let end = copyAscii(left, 0);
  if (end >= 0) end = copyAscii(separator, end);
  if (end >= 0) end = copyAscii(right, end);
  // Rare path: encode the whole string at once, as a surrogate pair may span two parts.
  if (end < 0) end = encoder.encodeInto(left + separator + right, scratch).written;
  return hashBytes(scratch, end, seed);
}

function reserve(codeUnits: number): void {
  // A UTF-16 code unit never needs more than 3 UTF-8 bytes (a surrogate pair: 4 bytes for 2 units).
  if (scratch.length < codeUnits * 3) scratch = new Uint8Array(codeUnits * 3);
}

/** Copies an ASCII string into scratch at `at`; returns the end, or -1 if it is not ASCII. */
function copyAscii(s: string, at: number): number {
  let seen = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    seen |= c;
    scratch[at + i] = c;
  }
  return seen > 0x7f ? -1 : at + s.length;
}

/** Hash of an all-ASCII key (char codes are its UTF-8 bytes), or -1 when the key is not ASCII. */
function hashAscii(key: string, seed: number): number {
  const len = key.length;
  const blocks = len & ~3;
  let seen = 0;
  let h = seed >>> 0;
  for (let i = 0; i < blocks; i += 4) {
    const b0 = key.charCodeAt(i);
    const b1 = key.charCodeAt(i + 1);
    const b2 = key.charCodeAt(i + 2);
    const b3 = key.charCodeAt(i + 3);
    seen |= b0 | b1 | b2 | b3;
    h = mixBlock(h, b0 | (b1 << 8) | (b2 << 16) | (b3 << 24));
  }
  if (blocks < len) {
    // The 1–3 trailing bytes, little-endian.
    let k = 0;
    for (let i = len - 1; i >= blocks; i--) {
      const b = key.charCodeAt(i);
      seen |= b;
      k = (k << 8) | b;
    }
    h ^= mixTail(k);
  }
  // Checked once at the end rather than per char: wasted work only for the rare non-ASCII key.
  if (seen > 0x7f) return -1;
  return finalize(h, len);
}

/** Hash of the first `len` bytes of `bytes`. */
function hashBytes(bytes: Uint8Array, len: number, seed: number): number {
  const blocks = len & ~3;
  let h = seed >>> 0;
  for (let i = 0; i < blocks; i += 4) {
    h = mixBlock(
      h,
      bytes[i]! | (bytes[i + 1]! << 8) | (bytes[i + 2]! << 16) | (bytes[i + 3]! << 24),
    );
  }
  if (blocks < len) {
    let k = 0;
    for (let i = len - 1; i >= blocks; i--) k = (k << 8) | bytes[i]!;
    h ^= mixTail(k);
  }
  return finalize(h, len);
}

function mixTail(k: number): number {
  let m = Math.imul(k, C1);
  m = (m << 15) | (m >>> 17);
  return Math.imul(m, C2);
}

function mixBlock(h: number, k: number): number {
  let x = h ^ mixTail(k);
  x = (x << 13) | (x >>> 19);
  return (Math.imul(x, 5) + 0xe6546b64) | 0;
}

function finalize(h: number, len: number): number {
  let x = h ^ len;
  x ^= x >>> 16;
  x = Math.imul(x, 0x85ebca6b);
  x ^= x >>> 13;
  x = Math.imul(x, 0xc2b2ae35);
  x ^= x >>> 16;
  return x >>> 0;
}
