// The shape both old alert listings share: the field's REST parameters, one GraphQL document
// selecting each item's legacy bytes, and `{"count":N,"items":[…]}`; when no path could answer,
// the old 500 with its message.
import { printListing } from '../legacy/alert-printer.js';
import {
  executeDocument,
  legacyJson,
  rolloutHeaders,
  type ShimRequest,
} from '../rest/v1/execute.js';
import { detailBody } from '../rest/v1/params.js';
import { type ArgTable, restParams } from './args.js';

export function listingShim(options: {
  args: ArgTable;
  flag: string;
  /** A query whose one root field selects `legacyJson` of every item. */
  document: string;
  /** The old service's message when the query failed. */
  failure: string;
}) {
  const rest = restParams(options.args);
  return async (shim: ShimRequest, url: URL): Promise<Response> => {
    const parsed = rest.params.parse(url.searchParams);
    if (!parsed.ok) return legacyJson(parsed.body, parsed.status);
    const result = await executeDocument<Record<string, { legacyJson: string }[]>>(
      shim,
      options.document,
      rest.variables(parsed.value),
    );
    const headers = rolloutHeaders(result.rollout?.[options.flag]);
    const items = result.data ? Object.values(result.data)[0] : undefined;
    if (!items) return legacyJson(detailBody(options.failure), 500, headers);
    return legacyJson(printListing(items.map((i) => i.legacyJson)), 200, headers);
  };
}
