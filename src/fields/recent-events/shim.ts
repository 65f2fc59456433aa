// GET /api/v1/events/recent: the old parameters, one GraphQL document, the old bytes (a
// top-level array of log records, each printed exactly as Python's json.dumps printed it).
import {
  executeDocument,
  internalError,
  legacyJson,
  rolloutHeaders,
  type ShimRequest,
  unavailable,
} from '../../rest/v1/execute.js';
import { restParams } from '../args.js';
import { args, FLAG } from './spec.js';

const rest = restParams(args);
export const params = rest.params;

const DOCUMENT = /* GraphQL */ `
  query LegacyRecentEvents($limit: Int, $minutes: Int, $etype: String, $cameraId: String, $forceDomain: Boolean) {
    recentEvents(limit: $limit, minutes: $minutes, etype: $etype, cameraId: $cameraId, forceDomain: $forceDomain) {
      logLine
    }
  }
`;

export async function recentEvents(shim: ShimRequest, url: URL): Promise<Response> {
  const parsed = rest.params.parse(url.searchParams);
  if (!parsed.ok) return legacyJson(parsed.body, parsed.status);
  const result = await executeDocument<{ recentEvents: { logLine: string }[] }>(
    shim,
    DOCUMENT,
    rest.variables(parsed.value),
  );
  if (!result.data) return unavailable(result.errors) ?? internalError();
  const body = shim.printer.array(result.data.recentEvents.map((e) => e.logLine));
  return legacyJson(body, 200, rolloutHeaders(result.rollout?.[FLAG]));
}
