// CORS for every route, answered once by the server adapter. Two policies: any origin (`*`,
// development) without credentials, or a list of origins, each echoed with credentials. The
// `null` origin (sandboxed frames, file: pages, some redirects) is never echoed: anyone can send it.
import type { ServerAdapterPlugin } from '@whatwg-node/server';

export type CorsOrigins = '*' | readonly string[];

export interface CorsOptions {
  origins: CorsOrigins;
  /** Response headers a browser script may read. */
  exposedHeaders: readonly string[];
}

/** The CORS headers of an answer to `request` (none for a request without Origin). */
export function corsHeaders(request: Request, options: CorsOptions): Record<string, string> {
  const origin = request.headers.get('origin');
  if (origin === null) return {};
  const headers: Record<string, string> = {};
  if (options.origins === '*') {
    // A literal `*`: browsers then never send cookies or HTTP credentials along.
    headers['access-control-allow-origin'] = '*';
  } else {
    headers.vary = 'Origin';
    if (origin === 'null' || !options.origins.includes(origin)) return headers;
    headers['access-control-allow-origin'] = origin;
    headers['access-control-allow-credentials'] = 'true';
  }
  const method = request.headers.get('access-control-request-method');
  if (method !== null) headers['access-control-allow-methods'] = method;
  const requested = request.headers.get('access-control-request-headers');
  if (requested !== null) {
    headers['access-control-allow-headers'] = requested;
    headers.vary = headers.vary
      ? `${headers.vary}, Access-Control-Request-Headers`
      : 'Access-Control-Request-Headers';
  }
  if (options.exposedHeaders.length > 0) {
    headers['access-control-expose-headers'] = options.exposedHeaders.join(', ');
  }
  return headers;
}

/** Answers preflights (204, any path) and adds the CORS headers to every answer. */
export function useCors(options: CorsOptions): ServerAdapterPlugin {
  return {
    onRequest({ request, endResponse, fetchAPI }) {
      if (request.method !== 'OPTIONS') return;
      // Safari waits for a body on a 204 without an explicit zero length.
      endResponse(new fetchAPI.Response(null, { status: 204, headers: { 'content-length': '0' } }));
    },
    onResponse({ request, response }) {
      for (const [name, value] of Object.entries(corsHeaders(request, options))) {
        response.headers.set(name, value);
      }
    },
  };
}
