// GET /ws/events: the old live-event websocket, as a shim over Subscription.eventAdded (the same
// rollout decision, taken once per connection, the same metrics and bounds). A plain WebSocket:
// `?etype=` filters by exact type (absent or empty: every type); nothing already logged is sent;
// each new record goes out as `{"type": "event", "data": {…the record…}}` and a `{"type": "ping"}`
// every 0.5 s, printed as the old service's Python `json.dumps` printed them (", " and ": ",
// non-ASCII as \uXXXX, NaN / Infinity as bare words). Messages from the client are ignored.
// Unlike the old one it loses nothing across a log rotation or a partially written line.
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { ExecutionResult } from 'graphql';
import type { YogaServerInstance } from 'graphql-yoga';
import { type WebSocket, WebSocketServer } from 'ws';
import type { GraphQLContext } from '../graphql/context.js';
import { requestOf } from '../graphql/websocket.js';
import { dumpPyDefault, parsePyJson } from '../legacy/py-json.js';
import type { Logger } from '../ops/logger.js';

export const WS_EVENTS_PATH = '/ws/events';

const DOCUMENT = /* GraphQL */ `
  subscription LegacyWsEvents($etype: String) {
    eventAdded(etype: $etype) {
      logLine
    }
  }
`;

export const PING_MESSAGE = '{"type": "ping"}';

/** The old message for one logged record (its line as logged). */
export function eventMessage(logLine: string): string {
  return `{"type": "event", "data": ${dumpPyDefault(parsePyJson(logLine))}}`;
}

export interface LegacyEventsSocketOptions {
  yoga: YogaServerInstance<Record<string, unknown>, GraphQLContext>;
  logger: Logger;
  serverContext: (req: IncomingMessage) => Record<string, unknown>;
  /** Ping period. Default 500 ms (the old service's cycle). */
  pingMs?: number;
  /** Bytes waiting to be sent to one client past which it is dropped. Default 1 MiB. */
  maxBufferedBytes?: number;
}

type Stream = AsyncIterableIterator<ExecutionResult<{ eventAdded: { logLine: string } }>>;

export function createLegacyEventsSocket(options: LegacyEventsSocketOptions) {
  const { yoga, logger } = options;
  const pingMs = options.pingMs ?? 500;
  const maxBuffered = options.maxBufferedBytes ?? 1 << 20;
  const wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 });

  async function serve(ws: WebSocket, req: IncomingMessage): Promise<void> {
    const request = requestOf(req);
    const etype = new URL(request.url).searchParams.get('etype');
    const enveloped = yoga.getEnveloped({ ...options.serverContext(req), request });
    const result = (await enveloped.subscribe({
      schema: enveloped.schema,
      document: enveloped.parse(DOCUMENT),
      variableValues: { etype },
      contextValue: await enveloped.contextFactory(),
    })) as ExecutionResult | Stream;
    if (!(Symbol.asyncIterator in result)) {
      const message = result.errors?.[0]?.message ?? 'subscription refused';
      logger.warn({ path: WS_EVENTS_PATH, message }, 'ws/events: subscription refused');
      ws.close(1013, 'try again later');
      return;
    }
    const send = (text: string) => {
      if (ws.readyState !== ws.OPEN) return;
      ws.send(text);
      if (ws.bufferedAmount > maxBuffered) {
        logger.warn(
          { path: WS_EVENTS_PATH, buffered: ws.bufferedAmount, reason: 'slow_consumer' },
          'ws/events: client dropped, it reads slower than events arrive',
        );
        ws.terminate();
      }
    };
    const ping = setInterval(() => send(PING_MESSAGE), pingMs);
    ws.on('close', () => {
      clearInterval(ping);
      void result.return?.();
    });
    try {
      for await (const item of result) {
        const line = item.data?.eventAdded.logLine;
        if (line === undefined) {
          const reason = item.errors?.[0]?.message ?? 'subscription ended';
          logger.warn({ path: WS_EVENTS_PATH, reason }, 'ws/events: stream ended by the server');
          break;
        }
        send(eventMessage(line));
      }
    } finally {
      clearInterval(ping);
      if (ws.readyState === ws.OPEN) ws.close(1001, 'stream ended');
    }
  }

  wss.on('connection', (ws: WebSocket, req: IncomingMessage) => {
    ws.on('message', () => {}); // the old service ignored what clients sent
    serve(ws, req).catch((err: unknown) => {
      logger.error({ err, path: WS_EVENTS_PATH }, 'ws/events: stream failed');
      ws.close(1011, 'internal error');
    });
  });

  return {
    handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer) {
      wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
    },
    /** Closes what is still open (the streams' end normally closed them already). */
    async close(): Promise<void> {
      for (const client of wss.clients) client.close(1001, 'server shutting down');
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}
