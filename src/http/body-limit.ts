// Refuses request bodies larger than the configured limit (413) before anything parses them:
// by Content-Length when declared, and by counting bytes when the body is streamed.
import { jsonResponse } from './json.js';

export function tooLarge(limit: number): Response {
  return jsonResponse({ detail: `Request body larger than ${limit} bytes` }, 413);
}

/** Returns the request with a buffered body, or a 413 response. */
export async function limitBody(request: Request, limit: number): Promise<Request | Response> {
  if (!request.body) return request;
  const declared = Number(request.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > limit) return tooLarge(limit);
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
  return new Request(request.url, {
    method: request.method,
    headers: request.headers,
    body: Buffer.concat(chunks),
  });
}
