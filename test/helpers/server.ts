// A real listening server for tests that need what fetch cannot send (absolute-form targets,
// `OPTIONS *`, bad escapes, odd methods): the app behind node:http on port 0, as main.ts serves
// it, and a raw-socket client.
import type { RequestListener } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createConnection } from 'node:net';
import { createDrainableServer } from '../../src/http/drain.js';

export interface Listening {
  port: number;
  close(): Promise<void>;
}

export async function listen(handler: RequestListener): Promise<Listening> {
  const { server } = createDrainableServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export interface RawAnswer {
  /** 0 when the server closed the connection without an answer. */
  status: number;
  head: string;
  body: string;
}

/** Sends `text` as is on a fresh connection and reads until the server closes it. */
export function rawRequest(
  port: number,
  text: string | Buffer,
  timeoutMs = 5000,
): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const socket = createConnection(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no end of answer within ${timeoutMs} ms: ${String(text).slice(0, 80)}`));
    }, timeoutMs);
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.on('error', () => {}); // a reset after the answer is the server's business
    socket.on('close', () => {
      clearTimeout(timer);
      const all = Buffer.concat(chunks).toString('latin1');
      const split = all.indexOf('\r\n\r\n');
      const head = split < 0 ? all : all.slice(0, split);
      const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(head)?.[1] ?? 0);
      resolve({ status, head, body: split < 0 ? '' : decodeBody(head, all.slice(split + 4)) });
    });
    // No half-close: node:http would drop a request still being answered when the client's FIN
    // arrives (its default httpAllowHalfOpen: false). `Connection: close` ends the exchange.
    socket.write(text);
  });
}

function decodeBody(head: string, rest: string): string {
  const body = /\r\ntransfer-encoding: *chunked/i.test(head) ? unchunk(rest) : rest;
  return Buffer.from(body, 'latin1').toString('utf8');
}

function unchunk(text: string): string {
  let out = '';
  let at = 0;
  for (;;) {
    const eol = text.indexOf('\r\n', at);
    if (eol < 0) return out;
    const size = Number.parseInt(text.slice(at, eol), 16);
    if (!(size > 0)) return out;
    out += text.slice(eol + 2, eol + 2 + size);
    at = eol + 4 + size;
  }
}

/** A request head (and body) with `Connection: close`, so the answer ends with the connection. */
export function httpText(
  method: string,
  target: string,
  headers: Record<string, string> = {},
  body = '',
): string {
  const all = { host: 'gateway.test', connection: 'close', ...headers };
  const lines = Object.entries(all).map(([name, value]) => `${name}: ${value}`);
  return `${method} ${target} HTTP/1.1\r\n${lines.join('\r\n')}\r\n\r\n${body}`;
}
