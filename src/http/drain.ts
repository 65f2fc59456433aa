// Graceful stop for node:http: for a grace period keep accepting and answer with `connection:
// close`, then stop listening and close connections as they become idle, so that requests already
// on their way arrive and finish. (http.Server#close drops idle keep-alive connections and the
// listen backlog at once, which resets a request a client is sending at that moment.)
import { createServer, type RequestListener, type Server } from 'node:http';
import { Server as NetServer, type Socket } from 'node:net';

export interface DrainableServer {
  server: Server;
  /** Resolves when every connection has ended (forced after `forceAfterMs`). */
  drain(options?: { graceMs?: number; forceAfterMs?: number }): Promise<void>;
}

export function createDrainableServer(handler: RequestListener): DrainableServer {
  let draining = false;
  const server = createServer((req, res) => {
    // Tell clients not to reuse this connection once we are stopping.
    if (draining) res.setHeader('connection', 'close');
    handler(req, res);
  });
  server.on('clientError', answerClientError);
  // CONNECT never reaches the handler (node:http emits it apart); this is no proxy.
  server.on('connect', (_req, socket: Socket) => {
    writeRaw(socket, 405, 'Method Not Allowed', { detail: 'Method Not Allowed' });
  });
  return {
    server,
    drain({ graceMs = 1000, forceAfterMs = 10_000 } = {}) {
      draining = true;
      return new Promise<void>((resolve) => {
        let sweep: NodeJS.Timeout | undefined;
        const force = setTimeout(() => server.closeAllConnections(), forceAfterMs);
        // During the grace period the server still accepts: a connection a client opened just
        // before the signal may still wait in the listen backlog, and closing the listener
        // would reset it. Every answer now says `connection: close`.
        setTimeout(() => {
          // net.Server#close: stop listening, keep open connections; the callback fires when
          // the last one has ended. Idle connections are closed as they become idle.
          NetServer.prototype.close.call(server, () => {
            clearInterval(sweep);
            clearTimeout(force);
            resolve();
          });
          server.closeIdleConnections();
          sweep = setInterval(() => server.closeIdleConnections(), 100);
        }, graceMs);
      });
    },
  };
}

const STATUS_OF_CLIENT_ERROR: Record<string, [number, string]> = {
  HPE_HEADER_OVERFLOW: [431, 'Request Header Fields Too Large'],
  ERR_HTTP_REQUEST_TIMEOUT: [408, 'Request Timeout'],
};

/**
 * What node:http answers a request it cannot parse (bad request line, header or framing), as
 * its default does, but with a JSON body like every other answer of the gateway.
 */
function answerClientError(error: NodeJS.ErrnoException, socket: Socket): void {
  if (error.code === 'ECONNRESET' || !socket.writable || socket.bytesWritten > 0) {
    socket.destroy();
    return;
  }
  const [status, reason] = STATUS_OF_CLIENT_ERROR[error.code ?? ''] ?? [400, 'Bad Request'];
  writeRaw(socket, status, reason, { detail: reason });
}

function writeRaw(socket: Socket, status: number, reason: string, body: unknown): void {
  const text = JSON.stringify(body);
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nconnection: close\r\ncontent-type: application/json\r\n` +
      `content-length: ${Buffer.byteLength(text)}\r\n\r\n${text}`,
  );
}
