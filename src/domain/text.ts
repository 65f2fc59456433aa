// Text PostgreSQL can store as given. The server refuses a NUL character ("invalid byte
// sequence"), and an unpaired UTF-16 surrogate has no UTF-8 form (drivers silently send U+FFFD
// instead). Both are client mistakes, refused before any query is sent.

const UNPAIRED_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

export function isStorableText(text: string): boolean {
  return !text.includes('\u0000') && !UNPAIRED_SURROGATE.test(text);
}

/** Completes "<name> …" in the answer to a refused text. */
export const UNSTORABLE_TEXT = 'must not contain NUL characters or unpaired surrogates';
