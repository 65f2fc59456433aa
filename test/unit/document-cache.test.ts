// The parsed-document caches hold at most their bound in estimated bytes, whatever documents
// clients send: distinct documents near the token limit, or distinct unparsable bodies.
import { parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import { documentCaches, HEAP_PER_SOURCE_CHAR } from '../../src/graphql/document-cache.js';

const query = (i: number, fields: number) =>
  `query Q${i} { ${Array.from({ length: fields }, (_, k) => `a${k}: recentEvents(limit: ${k}) { type }`).join(' ')} }`;

describe('document caches', () => {
  it('keep the newest documents within their bound in bytes', () => {
    const bound = 1024 * 1024;
    const { documentCache } = documentCaches(bound);
    for (let i = 0; i < 200; i++) {
      const source = query(i, 20);
      documentCache.set(source, parse(source));
      expect(documentCache.calculatedSize).toBeLessThanOrEqual(bound);
    }
    const perDocument = query(0, 20).length * HEAP_PER_SOURCE_CHAR;
    expect(documentCache.size).toBe(Math.floor(bound / perDocument));
    expect(documentCache.get(query(199, 20))).toBeDefined();
    expect(documentCache.get(query(0, 20))).toBeUndefined();
  });

  it('do not keep a document larger than the bound', () => {
    const { documentCache } = documentCaches(10_000);
    const source = query(1, 50);
    documentCache.set(source, parse(source));
    expect(documentCache.size).toBe(0);
  });

  it('bound the parse errors by the size of the bodies that caused them', () => {
    const { errorCache } = documentCaches(4 * 1024 * 1024);
    for (let i = 0; i < 100; i++) errorCache.set(`${i} ${'{'.repeat(50_000)}`, new Error('x'));
    expect(errorCache.calculatedSize).toBeLessThanOrEqual(1024 * 1024);
    expect(errorCache.size).toBeLessThan(100);
  });
});
