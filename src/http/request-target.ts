// The request line and Host header as node:http hands them over, made into something the fetch
// adapter can build a URL from. The adapter joins `http://` + Host + the raw target, so an
// absolute-form target (`GET http://host/path`), the asterisk form (`OPTIONS *`) or a malformed
// Host would otherwise fail inside it and come back as a 500.
import type { IncomingMessage } from 'node:http';

export interface TargetRefusal {
  status: number;
  detail: string;
  headers?: Record<string, string>;
}

const ABSOLUTE_FORM = /^[A-Za-z][A-Za-z0-9+.-]*:\/\//;
// A host name or an IP literal, then a port: no user info, path, query or spaces to smuggle.
const HOST = /^(?:[A-Za-z0-9_.-]+|\[[0-9A-Fa-f:.]+\])(?::[0-9]{1,5})?$/;

/** What `OPTIONS *` answers: the methods some route of the gateway serves. */
export const SERVER_METHODS = 'GET, HEAD, POST, PUT, OPTIONS';

/**
 * Rewrites an absolute-form target to origin form (its authority becomes the Host, as RFC 9112
 * says a server must), and returns the answer for a target or Host that names no resource here:
 * `OPTIONS *` is answered at once (204 with Allow); anything else unusable is a 400.
 */
export function normalizeTarget(req: IncomingMessage): TargetRefusal | undefined {
  const target = req.url ?? '';
  if (target === '*') {
    return req.method === 'OPTIONS'
      ? { status: 204, detail: '', headers: { allow: SERVER_METHODS } }
      : { status: 400, detail: 'The asterisk request target is only for OPTIONS' };
  }
  if (ABSOLUTE_FORM.test(target)) {
    const url = URL.canParse(target) ? new URL(target) : undefined;
    if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:') || url.host === '') {
      return { status: 400, detail: 'Invalid request target' };
    }
    req.url = `${url.pathname}${url.search}`;
    req.headers.host = url.host;
    return undefined;
  }
  if (!target.startsWith('/')) return { status: 400, detail: 'Invalid request target' };
  const host = req.headers.host;
  // A well-formed host parses wherever `localhost` does: one parse of the URL the adapter builds.
  if (host !== undefined && HOST.test(host) && URL.canParse(`http://${host}${target}`)) {
    return undefined;
  }
  if (!URL.canParse(`http://localhost${target}`)) {
    return { status: 400, detail: 'Invalid request target' };
  }
  return host === undefined ? undefined : { status: 400, detail: 'Invalid Host header' };
}
