// yoga's caches of parsed documents and of parse errors, bounded in bytes as well as in entries:
// its default (1,024 entries each) lets a client that sends distinct documents near the token
// limit, or distinct unparsable bodies near the body limit, hold about a gigabyte. graphql-jit's
// compiled queries and yoga's validation results hang off the cached documents (WeakMaps), so
// they leave with them.
import type { DocumentNode } from 'graphql';
import { LRUCache } from 'lru-cache';

/**
 * Heap of a parsed document per character of its source: 71 bytes measured for a 15,000-character
 * query of 300 aliased fields (graphql-js 16, with locations).
 */
export const HEAP_PER_SOURCE_CHAR = 72;

const MAX_ENTRIES = 1024;

export function documentCaches(maxBytes: number) {
  return {
    documentCache: new LRUCache<string, DocumentNode>({
      max: MAX_ENTRIES,
      maxSize: maxBytes,
      sizeCalculation: (_doc, source) => Math.max(1, source.length * HEAP_PER_SOURCE_CHAR),
    }),
    // A parse error is small; its key is the whole body (two bytes a character at most).
    errorCache: new LRUCache<string, object>({
      max: MAX_ENTRIES,
      maxSize: Math.max(1, Math.floor(maxBytes / 4)),
      sizeCalculation: (_error, source) => source.length * 2 + 1024,
    }),
  };
}
