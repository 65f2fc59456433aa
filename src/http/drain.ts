// Graceful stop for node:http: stop accepting connections but let requests that are already on
// open keep-alive connections arrive and finish. (http.Server#close also drops idle keep-alive
// connections at once, which resets a request a client is sending on one at that moment.)
import { createServer, type RequestListener, type Server } from 'node:http';
import { Server as NetServer } from 'node:net';

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
  return {
    server,
    drain({ graceMs = 1000, forceAfterMs = 10_000 } = {}) {
      draining = true;
      return new Promise<void>((resolve) => {
        let sweep: NodeJS.Timeout | undefined;
        // net.Server#close: stop listening, keep open connections; the callback fires when the
        // last one has ended.
        NetServer.prototype.close.call(server, () => {
          clearInterval(sweep);
          clearTimeout(grace);
          clearTimeout(force);
          resolve();
        });
        // After the grace period, idle connections are closed as they become idle.
        const grace = setTimeout(() => {
          server.closeIdleConnections();
          sweep = setInterval(() => server.closeIdleConnections(), 100);
        }, graceMs);
        const force = setTimeout(() => server.closeAllConnections(), forceAfterMs);
      });
    },
  };
}
