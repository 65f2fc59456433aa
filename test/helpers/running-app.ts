// Starts an app on a real port (node:http, WebSocket upgrades included), for the suites that
// drive it with the clients front ends use.
import type { AddressInfo } from 'node:net';
import { createDrainableServer } from '../../src/http/drain.js';
import type { buildApp } from './app.js';

export interface RunningServer {
  /** e.g. http://127.0.0.1:41234 */
  url: string;
  /** ws://127.0.0.1:41234 */
  wsUrl: string;
  stop(): Promise<void>;
}

export async function listen(app: ReturnType<typeof buildApp>): Promise<RunningServer> {
  const { server, drain } = createDrainableServer(app);
  server.on('upgrade', app.handleUpgrade);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    wsUrl: `ws://127.0.0.1:${port}`,
    stop: async () => {
      await app.closeSubscriptions();
      await drain({ graceMs: 0, forceAfterMs: 2000 });
    },
  };
}

/** Resolves with the first value `take` accepts, or rejects after `ms`. */
export function within<T>(
  ms: number,
  what: string,
  run: (done: (v: T) => void) => void,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${what}: nothing within ${ms} ms`)), ms);
    run((value) => {
      clearTimeout(timer);
      resolve(value);
    });
  });
}
