// GraphQL over WebSocket (the graphql-ws protocol, `graphql-transport-ws`) on /graphql, beside
// yoga's HTTP and SSE: every operation goes through yoga's envelop (the same parsing, validation
// rules, limits, context, rollout and error masking as HTTP). Browsers cannot set headers on a
// WebSocket, so the connection's `connectionParams` (e.g. `{ authorization, "x-rollout-key" }`)
// are read as request headers, over those of the upgrade request.
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { ExecutionArgs, GraphQLError } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import type { YogaServerInstance } from 'graphql-yoga';
import { WebSocketServer } from 'ws';
import type { GraphQLContext } from './context.js';

export interface GraphQLWebSocketOptions {
  yoga: YogaServerInstance<Record<string, unknown>, GraphQLContext>;
  /** Largest message accepted, in bytes. */
  maxPayload: number;
  /** Ping period; a client that misses a pong is disconnected. */
  keepAliveMs: number;
  /** The server context of one upgrade request (request id, client address). */
  serverContext: (req: IncomingMessage) => Record<string, unknown>;
}

type Enveloped = ReturnType<GraphQLWebSocketOptions['yoga']['getEnveloped']>;

/** A fetch Request carrying the upgrade request's headers and the connection params. */
export function requestOf(req: IncomingMessage, params?: Readonly<Record<string, unknown>>) {
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (typeof value === 'string') headers.set(name, value);
    else if (Array.isArray(value)) headers.set(name, value.join(', '));
  }
  for (const [name, value] of Object.entries(params ?? {})) {
    if (typeof value === 'string' && /^[A-Za-z0-9-]{1,64}$/.test(name)) headers.set(name, value);
  }
  return new Request(new URL(req.url ?? '/', `http://${req.headers.host ?? 'gateway'}`), {
    headers,
  });
}

export function createGraphQLWebSocketServer(options: GraphQLWebSocketOptions) {
  const wss = new WebSocketServer({ noServer: true, maxPayload: options.maxPayload });
  let operations = 0;
  let allDone: (() => void) | undefined;
  const server = useServer<Record<string, unknown>>(
    {
      execute: (args) => (args.rootValue as Enveloped).execute(args),
      subscribe: (args) => (args.rootValue as Enveloped).subscribe(args),
      onSubscribe: async (ctx, _id, params) => {
        const req = ctx.extra.request;
        const enveloped = options.yoga.getEnveloped({
          ...options.serverContext(req),
          request: requestOf(req, ctx.connectionParams),
          params,
        });
        let document: ExecutionArgs['document'];
        try {
          document = enveloped.parse(params.query);
        } catch (error) {
          return [error as GraphQLError];
        }
        const errors = enveloped.validate(enveloped.schema, document);
        if (errors.length > 0) return errors;
        operations++;
        return {
          schema: enveloped.schema,
          operationName: params.operationName,
          document,
          variableValues: params.variables,
          contextValue: await enveloped.contextFactory(),
          rootValue: enveloped,
        };
      },
      onComplete: () => {
        operations--;
        if (operations <= 0) allDone?.();
      },
    },
    wss,
    options.keepAliveMs,
  );
  return {
    handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer) {
      wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
    },
    /**
     * Closes every connection (1001 going away). Call after the event streams ended: the
     * operations' complete messages are waited for (at most `graceMs`) before closing.
     */
    async close(graceMs = 1000): Promise<void> {
      if (operations > 0) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, graceMs);
          allDone = () => {
            clearTimeout(timer);
            resolve();
          };
        });
      }
      for (const client of wss.clients) client.close(1001, 'server shutting down');
      await server.dispose();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}
