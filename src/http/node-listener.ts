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
  /**
   * POST bodies to these paths that declare a length up to `limit` bytes are read here into one
   * buffer, which the adapter then uses as the request's body: a GraphQL POST then costs no
   * stream pipeline (larger or unframed bodies stream, and the app's body limit answers them).
   */
  bufferBodies?: { paths: string[]; limit: number };
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
  if (options.bufferBodies) {
    try {
      await bufferBody(req, options.bufferBodies);
    } catch {
      // The client closed the connection before its body was complete: nobody to answer.
      res.destroy();
      return;
    }
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

/**
 * Reads a body of declared length (1 to `limit` bytes) into `req.body`, where the adapter takes
 * a ready body from (as it does behind body-parsing frameworks). Anything else is left to stream.
 */
async function bufferBody(
  req: IncomingMessage,
  { paths, limit }: { paths: string[]; limit: number },
): Promise<void> {
  if (req.method !== 'POST' || req.headers['transfer-encoding'] !== undefined) return;
  const declared = Number(req.headers['content-length']);
  if (!(declared > 0 && declared <= limit)) return;
  const path = req.url?.split('?', 1)[0] ?? '';
  if (!paths.includes(path)) return;
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  (req as IncomingMessage & { body?: Buffer }).body =
    chunks.length === 1 ? chunks[0] : Buffer.concat(chunks);
}
