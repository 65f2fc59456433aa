// The legacy /api/v1 surface: a table of routes, and Starlette's routing behaviour around it
// (307 to the slash-less path, 405 with its body, 404 for unknown paths, HEAD for GET routes).

import { legacyJson, type ShimRequest } from './execute.js';
import { detailBody } from './params.js';

export type ShimHandler = (
  shim: ShimRequest,
  url: URL,
  pathParams: Record<string, string>,
) => Promise<Response>;

export interface RestRoute {
  /** Path template; `{name}` segments become path params. */
  path: string;
  /** Route label for metrics (bounded). */
  name: string;
  methods: Partial<Record<'GET' | 'POST' | 'PUT', ShimHandler>>;
  /** Its OpenAPI path item (operations by lower-case method) and the schemas they refer to. */
  openapi: { operations: Record<string, unknown>; schemas?: Record<string, unknown> };
}

export interface V1Router {
  find(pathname: string): { route: RestRoute; params: Record<string, string> } | undefined;
  /** Answers the request (`url`: its URL, when the caller has parsed it already). */
  handle(shim: ShimRequest, url?: URL): Promise<Response>;
}

/** A path template's segments, `{name}` ones as the parameter's name. */
type Template = readonly ({ param: string } | string)[];

function compile(path: string): Template {
  return path
    .split('/')
    .map((w) => (w.startsWith('{') && w.endsWith('}') ? { param: w.slice(1, -1) } : w));
}

function match(template: Template, got: readonly string[]): Record<string, string> | undefined {
  if (template.length !== got.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < template.length; i++) {
    const w = template[i]!;
    const g = got[i]!;
    if (typeof w !== 'string') {
      if (g === '') return undefined;
      params[w.param] = unquote(g);
    } else if (w !== g) return undefined;
  }
  return params;
}

const ESCAPE = /%([0-9A-Fa-f]{2})/g;

/**
 * Python's `urllib.parse.unquote`, as the old service's server decoded paths: a malformed escape
 * (`%zz`, a lone `%`) stays as written and bytes that are not UTF-8 become U+FFFD, where
 * `decodeURIComponent` throws. The parameter's own validation then answers (e.g. 422).
 */
export function unquote(segment: string): string {
  if (!segment.includes('%')) return segment;
  const bytes: Buffer[] = [];
  let last = 0;
  for (const match of segment.matchAll(ESCAPE)) {
    bytes.push(Buffer.from(segment.slice(last, match.index), 'utf8'));
    bytes.push(Buffer.from([Number.parseInt(match[1]!, 16)]));
    last = match.index + 3;
  }
  bytes.push(Buffer.from(segment.slice(last), 'utf8'));
  return Buffer.concat(bytes).toString('utf8');
}

/** Routes of one path declared by several fields (e.g. GET and POST) answer as one route. */
export function mergeRoutes(routes: readonly RestRoute[]): RestRoute[] {
  const byPath = new Map<string, RestRoute>();
  for (const route of routes) {
    const seen = byPath.get(route.path);
    byPath.set(
      route.path,
      seen
        ? {
            ...seen,
            methods: { ...seen.methods, ...route.methods },
            openapi: {
              operations: { ...seen.openapi.operations, ...route.openapi.operations },
              schemas: { ...seen.openapi.schemas, ...route.openapi.schemas },
            },
          }
        : route,
    );
  }
  return [...byPath.values()];
}

export function createV1Router(declared: readonly RestRoute[]): V1Router {
  const routes = mergeRoutes(declared).map((route) => ({ route, template: compile(route.path) }));
  const find = (pathname: string) => {
    const got = pathname.split('/');
    for (const { route, template } of routes) {
      const params = match(template, got);
      if (params) return { route, params };
    }
    return undefined;
  };
  return { find, handle: (shim, url) => handle(find, shim, url) };
}

async function handle(
  find: V1Router['find'],
  shim: ShimRequest,
  url = new URL(shim.request.url),
): Promise<Response> {
  const found = find(url.pathname);
  if (!found) {
    if (url.pathname.endsWith('/') && find(url.pathname.slice(0, -1))) {
      const location = new URL(url);
      location.pathname = url.pathname.slice(0, -1);
      return new Response(null, { status: 307, headers: { location: location.toString() } });
    }
    return legacyJson(detailBody('Not Found'), 404);
  }
  const method = shim.request.method === 'HEAD' ? 'GET' : shim.request.method;
  const handler = found.route.methods[method as 'GET' | 'POST' | 'PUT'];
  if (!handler) {
    const allow = Object.keys(found.route.methods).flatMap((m) =>
      m === 'GET' ? ['GET', 'HEAD'] : [m],
    );
    return legacyJson(detailBody('Method Not Allowed'), 405, { allow: allow.join(', ') });
  }
  const response = await handler(shim, url, found.params);
  return shim.request.method === 'HEAD'
    ? new Response(null, { status: response.status, headers: response.headers })
    : response;
}
