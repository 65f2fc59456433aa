// The node:http entry of the app: the request target is checked before the fetch adapter sees it
// (request-target.ts), and the adapter is driven here rather than through its own listener,
// whose last-resort answer to an error is a 500 carrying `error.stack`. Whatever fails here is
// handed to `onUnexpected`, which logs and counts it and builds the JSON 500.
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { sendNodeResponse } from '@whatwg-node/server';
import { normalizeTarget } from './request-target.js';

export interface NodeAdapter {
  handleNodeRequestAndResponse(
    req: IncomingMessage,
    res: ServerResponse,
    context: Record<string, unknown>,
  ): Promise<Response> | Response;
}

export interface NodeListenerOptions {
  /** A request the target check refused (a 4xx, or the 204 of `OPTIONS *`). */
  onRefused?: (req: IncomingMessage, status: number) => void;
  /** An error the adapter let through: answer it (a JSON 500). */
  onUnexpected: (error: unknown, req: IncomingMessage) => Response;
  /** An error while writing the answer: the connection is dropped after it is reported. */
  onSendError: (error: unknown, req: IncomingMessage) => void;
}

export function nodeListener(adapter: NodeAdapter, options: NodeListenerOptions): RequestListener {
  return (req, res) => {
    void serve(adapter, options, req, res);
  };
}

async function serve(
  adapter: NodeAdapter,
  options: NodeListenerOptions,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const refusal = normalizeTarget(req);
  if (refusal) {
    options.onRefused?.(req, refusal.status);
    const body = refusal.status === 204 ? '' : JSON.stringify({ detail: refusal.detail });
    res.writeHead(refusal.status, {
      ...(body ? { 'content-type': 'application/json' } : {}),
      'content-length': String(Buffer.byteLength(body)),
      ...refusal.headers,
    });
    res.end(body);
    return;
  }
  let response: Response;
  try {
    response = await adapter.handleNodeRequestAndResponse(req, res, { req, res });
  } catch (error) {
    response = options.onUnexpected(error, req);
  }
  try {
    await sendNodeResponse(response, res, req, true);
  } catch (error) {
    options.onSendError(error, req);
    res.destroy();
  }
}
