// Refuses request bodies larger than the configured limit (413) before anything parses them:
// by Content-Length when declared (HTTP framing then holds the body to that length, so the
// request goes on untouched), and by counting bytes when the body is streamed.
import { jsonResponse } from './json.js';

function tooLarge(limit: number): Response {
  return jsonResponse({ detail: `Request body larger than ${limit} bytes` }, 413);
}

/** Returns the request (its body buffered when it had no declared length), or a 413 response. */
export async function limitBody(request: Request, limit: number): Promise<Request | Response> {
  if (!request.body) return request;
  const header = request.headers.get('content-length');
  const declared = header === null || header.trim() === '' ? Number.NaN : Number(header);
  if (Number.isFinite(declared)) return declared > limit ? tooLarge(limit) : request;
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = request.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel();
      return tooLarge(limit);
    }
    chunks.push(value);
  }
  // The request's own class: the server adapter's accepts every method node:http does (TRACE
  // with a body, say), where the global Request refuses some.
  const RequestClass = request.constructor as typeof Request;
  return new RequestClass(request.url, {
    method: request.method,
    headers: request.headers,
    body: Buffer.concat(chunks),
    signal: request.signal,
  });
}
