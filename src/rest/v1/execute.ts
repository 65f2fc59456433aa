// How a REST shim runs: it executes a fixed GraphQL document through the same yoga/envelop
// instance as /graphql (same context, rollout, DataLoaders, limits, metrics and error masking)
// without going through HTTP serialization, then maps the typed result to the legacy JSON.

import { Response as ServerResponse } from '@whatwg-node/server';
import type { ExecutionResult } from 'graphql';
import type { YogaServerInstance } from 'graphql-yoga';
import type { LegacyRecordPrinter } from '../../legacy/record-printer.js';
import { LegacyScanRefused } from '../../legacy/scan-limits.js';
import type { RolloutReport } from '../../rollout/runner.js';

// biome-ignore lint/suspicious/noExplicitAny: the yoga instance's context types are the app's concern
export type Yoga = YogaServerInstance<any, any>;

export interface ShimRequest {
  yoga: Yoga;
  request: Request;
  serverContext: Record<string, unknown>;
  /** IANA zone of the old service's naive local timestamps. */
  timeZone: string;
  /** Prints logged records as the old service did (with the app's cache). */
  printer: LegacyRecordPrinter;
}

export interface ShimExecution<TData> {
  data: TData | null | undefined;
  errors: ExecutionResult['errors'];
  /** The rollout reports of the fields the document touched, keyed by flag. */
  rollout: Record<string, RolloutReport> | undefined;
}

export async function executeDocument<TData>(
  shim: ShimRequest,
  query: string,
  variables: Record<string, unknown>,
): Promise<ShimExecution<TData>> {
  const { request, serverContext, yoga } = shim;
  const { parse, validate, contextFactory, execute, schema } = yoga.getEnveloped({
    request,
    params: { query, variables },
    ...serverContext,
  });
  const document = parse(query);
  const validationErrors = validate(schema, document);
  if (validationErrors.length > 0)
    return { data: null, errors: validationErrors, rollout: undefined };
  const contextValue = await contextFactory();
  const result = (await execute({
    schema,
    document,
    contextValue,
    variableValues: variables,
  })) as ExecutionResult<TData>;
  // The client went away: nobody to answer (the app records the request as 499).
  request.signal.throwIfAborted();
  return {
    data: result.data,
    errors: result.errors,
    rollout: result.extensions?.rollout as Record<string, RolloutReport> | undefined,
  };
}

/** The X-Rollout-* headers REST callers see for one flag's decision. */
export function rolloutHeaders(report: RolloutReport | undefined): Record<string, string> {
  if (!report) return {};
  return {
    'x-rollout-path': report.path,
    'x-rollout-reason': report.reason,
    ...(report.fallback ? { 'x-rollout-fallback': report.fallbackCause ?? 'error' } : {}),
  };
}

/**
 * A legacy JSON body (compact; text, or its bytes), as FastAPI's JSONResponse sent it. The server
 * adapter's own Response class: node:http gets the bytes as they are, where a global Response
 * would be read back through a web stream (a tenth of a shim request). Encoded once here: a
 * string body would be measured twice (here and by node:http) and encoded again on the socket.
 */
export function legacyJson(
  body: string | Buffer<ArrayBuffer>,
  status = 200,
  headers: Record<string, string> = {},
) {
  const bytes = typeof body === 'string' ? Buffer.from(body) : body;
  return new ServerResponse(bytes, {
    status,
    headers: {
      'content-type': 'application/json',
      'content-length': String(bytes.length),
      ...headers,
    },
  });
}

/**
 * 503 with Retry-After when the legacy log refused the request (past its time budget or
 * concurrency bound), as `{"detail": …}` like the old service's errors; undefined otherwise.
 */
export function unavailable(errors: ExecutionResult['errors']): Response | undefined {
  for (const error of errors ?? []) {
    const refused = [error, error.originalError].find((e) => e instanceof LegacyScanRefused);
    if (refused instanceof LegacyScanRefused) {
      return legacyJson(JSON.stringify({ detail: refused.message }), 503, {
        'retry-after': String(refused.retryAfterSeconds),
      });
    }
  }
  return undefined;
}

/** What Starlette answered for an unhandled exception. */
export function internalError(): Response {
  return new Response('Internal Server Error', {
    status: 500,
    headers: { 'content-type': 'text/plain; charset=utf-8' },
  });
}
