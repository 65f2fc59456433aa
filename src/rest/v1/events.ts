// GET /api/v1/events/recent: the old parameters, one GraphQL document, the old bytes (a
// top-level array of log records, each re-encoded exactly as Python's json.dumps printed it).
import {
  executeDocument,
  internalError,
  legacyJson,
  rolloutHeaders,
  type ShimRequest,
  unavailable,
} from './execute.js';
import { legacyRecordBytes } from './legacy-bytes.js';
import { bool, defineParams, int, str } from './params.js';

const params = defineParams(
  {
    limit: int({ default: 100, ge: 1, le: 1000 }),
    minutes: int({ default: 60, ge: 1, le: 1440 }),
    etype: str(),
    camera_id: str(),
    force_domain: bool(),
  },
  'query',
);

const DOCUMENT = /* GraphQL */ `
  query LegacyRecentEvents($limit: Int, $minutes: Int, $etype: String, $cameraId: String, $forceDomain: Boolean) {
    recentEvents(limit: $limit, minutes: $minutes, etype: $etype, cameraId: $cameraId, forceDomain: $forceDomain) {
      logLine
    }
  }
`;

export async function recentEvents(shim: ShimRequest, url: URL): Promise<Response> {
  const parsed = params.parse(url.searchParams);
  if (!parsed.ok) return legacyJson(parsed.body, parsed.status);
  const p = parsed.value;
  const result = await executeDocument<{ recentEvents: { logLine: string }[] }>(shim, DOCUMENT, {
    limit: p.limit,
    minutes: p.minutes,
    etype: p.etype,
    cameraId: p.camera_id,
    forceDomain: p.force_domain,
  });
  if (!result.data) return unavailable(result.errors) ?? internalError();
  const body = `[${result.data.recentEvents.map((e) => legacyRecordBytes(e.logLine)).join(',')}]`;
  return legacyJson(body, 200, rolloutHeaders(result.rollout?.['events.recent']));
}
