import { describe, expect, it } from 'vitest';
import { createV1Router, unquote } from '../../src/rest/v1/router.js';

describe('path parameters', () => {
  it('decode like Python unquote: bad escapes stay as written, bad UTF-8 becomes U+FFFD', () => {
    expect(unquote('plain')).toBe('plain');
    expect(unquote('a%20b%2Fc')).toBe('a b/c');
    expect(unquote('%E4%B8%AD%e6%96%87')).toBe('中文');
    expect(unquote('%zz%')).toBe('%zz%');
    expect(unquote('12%4')).toBe('12%4');
    expect(unquote('%FF%00x')).toBe('\ufffd\u0000x');
  });

  it('never throw while routing, whatever the escapes', () => {
    const router = createV1Router([
      { path: '/api/v1/items/{id}', name: 'items', methods: {}, openapi: { operations: {} } },
    ]);
    expect(router.find('/api/v1/items/%E0%A4%A')?.params).toEqual({ id: '\ufffd%A' });
    expect(router.find('/api/v1/items/')).toBeUndefined();
  });
});
