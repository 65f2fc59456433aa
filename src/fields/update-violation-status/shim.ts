// PUT /api/v1/records/violations/{violation_id}/status: the old parameters and answers over
// Mutation.updateViolationStatus. Parameters fail first (422, then the old 400 for a status),
// then the mutation decides: 401/403 (API tokens), 404 for an unknown id (a correction: the old
// service said 200), 409 for a reused idempotency key, 503 when the write may not have landed.
import { VIOLATION_STATUSES, type ViolationStatusValue } from '../../db/schema.js';
import {
  executeDocument,
  internalError,
  legacyJson,
  rolloutHeaders,
  type ShimRequest,
} from '../../rest/v1/execute.js';
import { combine, detailBody } from '../../rest/v1/params.js';
import { FLAG, pathParams, queryParams } from './spec.js';

const INVALID_STATUS = `无效的状态值，必须是: ${VIOLATION_STATUSES.join(', ')}`;

const DOCUMENT = /* GraphQL */ `
  mutation LegacyUpdateViolationStatus($input: UpdateViolationStatusInput!) {
    updateViolationStatus(input: $input) {
      __typename
      ... on WriteConflict { message }
    }
  }
`;

type Answer = { __typename: string; message?: string };

// Error codes of the mutation and the HTTP answers the old surface gives them.
const STATUS_OF_CODE: Record<string, number> = {
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  BAD_USER_INPUT: 400,
  WRITE_OUTCOME_UNKNOWN: 503,
  WRITE_NOT_APPLIED: 503,
};

export async function updateViolationStatus(
  shim: ShimRequest,
  url: URL,
  path: Record<string, string>,
): Promise<Response> {
  const parsed = combine(pathParams.parse(path), queryParams.parse(url.searchParams));
  if (!parsed.ok) return legacyJson(parsed.body, parsed.status);
  const p = parsed.value;
  if (!(VIOLATION_STATUSES as readonly string[]).includes(p.status)) {
    return legacyJson(detailBody(INVALID_STATUS), 400);
  }
  const id = p.violation_id;
  const result = await executeDocument<{ updateViolationStatus: Answer }>(shim, DOCUMENT, {
    input: {
      // An id past 2^53 cannot exist (bigserial ids never get there): ask for 0, answer 404.
      id:
        id <= BigInt(Number.MAX_SAFE_INTEGER) && id >= -BigInt(Number.MAX_SAFE_INTEGER)
          ? String(id)
          : '0',
      status: (p.status as ViolationStatusValue).toUpperCase(),
      notes: p.notes,
      handledBy: p.handled_by,
      forceDomain: p.force_domain,
    },
  });
  const headers = rolloutHeaders(result.rollout?.[FLAG]);
  const error = result.errors?.[0];
  if (error) {
    const code = String(error.extensions?.code ?? '');
    const status = STATUS_OF_CODE[code];
    if (status === undefined) return internalError();
    return legacyJson(detailBody(error.message), status, {
      ...headers,
      ...challengeHeaders(error),
    });
  }
  const answer = result.data?.updateViolationStatus;
  switch (answer?.__typename) {
    case 'UpdateViolationStatusSuccess':
      return legacyJson(
        `{"ok":true,"violation_id":${id},"status":${JSON.stringify(p.status)}}`,
        200,
        headers,
      );
    case 'ViolationNotFound':
      return legacyJson(detailBody(`违规记录不存在: ${id}`), 404, headers);
    case 'WriteConflict':
      return legacyJson(detailBody(answer.message ?? 'Conflict'), 409, headers);
    default:
      return internalError();
  }
}

/** The RFC 6750 challenge the authorization check put on its error, if any. */
function challengeHeaders(error: { extensions?: Record<string, unknown> }): Record<string, string> {
  const http = error.extensions?.http as { headers?: Record<string, string> } | undefined;
  const value = http?.headers?.['www-authenticate'];
  return value === undefined ? {} : { 'www-authenticate': value };
}
