// A JSON request body read the way FastAPI read `dict = Body(...)`: parsed as JSON when the
// content type says JSON (or says nothing), with Python's json.loads (so its errors and their
// positions are Python's), and answered with FastAPI's 422 entries when it is not an object.
import { dumpPy, type PyValue, parsePyJson, toPlain } from '../../legacy/py-json.js';
import { detailBody } from './params.js';

/**
 * A body that is no JSON at all is answered at once (400, or 422 `json_invalid`); one that is
 * JSON but not an object gives an error entry (JSON text) to list with the parameters' errors.
 */
export type BodyResult =
  | { ok: true; value: Record<string, unknown> | undefined }
  | { ok: false; status: number; body: string }
  | { ok: false; entry: string };

/** Python's message for each way json.loads fails, from the parser's own wording. */
const PY_MESSAGES: [RegExp, string][] = [
  [/^Unterminated string starting/, 'Unterminated string starting at'],
  [/^Invalid control character/, 'Invalid control character at'],
];

function jsonInvalid(error: SyntaxError): string {
  const m = /^(.*) at char (\d+)$/.exec(error.message);
  let msg = m?.[1] ?? 'Expecting value';
  for (const [pattern, python] of PY_MESSAGES) if (pattern.test(msg)) msg = python;
  const pos = Number(m?.[2] ?? 0);
  return `{"detail":[{"type":"json_invalid","loc":["body",${pos}],"msg":"JSON decode error","input":{},"ctx":{"error":${JSON.stringify(msg)}}}]}`;
}

function isJsonType(contentType: string | null): boolean {
  if (contentType === null) return true;
  const [type = ''] = contentType.toLowerCase().split(';');
  const [main, sub = ''] = type.trim().split('/');
  return main === 'application' && (sub === 'json' || sub.endsWith('+json'));
}

/**
 * Reads the body. `undefined` value: no body or JSON `null` (the caller decides: missing or the
 * default). A body that is not a JSON object is FastAPI's `dict_type` 422.
 */
export async function readObjectBody(request: Request): Promise<BodyResult> {
  const bytes = new Uint8Array(await request.arrayBuffer());
  if (bytes.length === 0) return { ok: true, value: undefined };
  let value: PyValue;
  if (isJsonType(request.headers.get('content-type'))) {
    let text: string;
    try {
      // json.loads on bytes skips a UTF-8 byte order mark; undecodable bytes fail the request.
      text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes);
    } catch {
      return { ok: false, status: 400, body: detailBody('There was an error parsing the body') };
    }
    try {
      value = parsePyJson(text);
    } catch (error) {
      if (!(error instanceof SyntaxError)) throw error;
      return { ok: false, status: 422, body: jsonInvalid(error) };
    }
  } else {
    value = new TextDecoder().decode(bytes);
  }
  if (value === null) return { ok: true, value: undefined };
  if (!(value instanceof Map)) {
    return {
      ok: false,
      entry: `{"type":"dict_type","loc":["body"],"msg":"Input should be a valid dictionary","input":${dumpPy(value)}}`,
    };
  }
  return { ok: true, value: toPlain(value) as Record<string, unknown> };
}

/** FastAPI's error entry for a required body that is absent (or JSON null). */
export const MISSING_BODY = '{"type":"missing","loc":["body"],"msg":"Field required","input":null}';

/** FastAPI's 422 body from entries already printed as JSON. */
export const validationBody = (entries: readonly string[]) => `{"detail":[${entries.join(',')}]}`;
