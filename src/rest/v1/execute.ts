// How a REST shim runs: it executes a fixed GraphQL document against the schema /graphql serves,
// with the same context, rollout, DataLoaders, access checks and fault reporting
// (graphql/prepared.ts), without going through HTTP serialization, then maps the typed result to
// the legacy JSON.

import { Response as ServerResponse } from '@whatwg-node/server';
import type { ExecutionResult } from 'graphql';
import type { DocumentExecution, DocumentRunner } from '../../graphql/prepared.js';
import type { LegacyRecordPrinter } from '../../legacy/record-printer.js';
import { LegacyScanRefused } from '../../legacy/scan-limits.js';
import type { RolloutReport } from '../../rollout/runner.js';

export interface ShimRequest {
  /** Runs the shims' documents (prepared once each). */
  documents: DocumentRunner;
  request: Request;
  serverContext: Record<string, unknown>;
  /** IANA zone of the old service's naive local timestamps. */
  timeZone: string;
  /** Prints logged records as the old service did (with the app's cache). */
  printer: LegacyRecordPrinter;
}

export async function executeDocument<TData>(
  shim: ShimRequest,
  query: string,
  variables: Record<string, unknown>,
): Promise<DocumentExecution<TData>> {
  const { request, serverContext, documents } = shim;
  const result = await documents.run<TData>(request, serverContext, query, variables);
  // The client went away: nobody to answer (the app records the request as 499).
  request.signal.throwIfAborted();
  return result;
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
