// The registry of migrated fields. Adding a field: a folder under src/fields (spec, GraphQL
// field, shim, index) and one line here; its flag goes in src/rollout/flags.ts. One module may
// move several coordinates under its flag. The services in
// every request's context, the /api/v1 routes and /openapi.json come from this list.
import type { Services } from '../graphql/context.js';
import { buildOpenApiDocument } from '../rest/v1/openapi.js';
import type { RestRoute } from '../rest/v1/router.js';
import { ROLLOUT_FLAGS } from '../rollout/flags.js';
import { alertHistory } from './alert-history/index.js';
import { alertRuleWrites } from './alert-rule-writes/index.js';
import { alertRules } from './alert-rules/index.js';
import { eventStream } from './event-stream/index.js';
import type { FieldDeps, MigratedField } from './field.js';
import { realtimeStatistics } from './realtime-statistics/index.js';
import { recentEvents } from './recent-events/index.js';
import { updateViolationStatus } from './update-violation-status/index.js';

export const FIELDS: readonly MigratedField[] = [
  recentEvents,
  realtimeStatistics,
  updateViolationStatus,
  eventStream,
  alertHistory,
  alertRules,
  alertRuleWrites,
] as MigratedField[];

/** The schema coordinates each field module moves under its flag. */
export const coordinatesOf = (f: MigratedField): readonly string[] =>
  typeof f.coordinate === 'string' ? [f.coordinate] : f.coordinate;

const missing = ROLLOUT_FLAGS.filter(
  (flag) => FIELDS.filter((f) => f.flag === flag).flatMap(coordinatesOf).length === 0,
);
if (missing.length > 0) {
  throw new Error(`every rollout flag needs at least one migrated field: ${missing.join(', ')}`);
}
const shared = FIELDS.flatMap(coordinatesOf).filter((c, i, all) => all.indexOf(c) !== i);
if (shared.length > 0) {
  throw new Error(`a field can move under one flag only: ${shared.join(', ')}`);
}

/** Per field, implementations to use instead of the built ones (tests inject failures). */
export type ServiceOverrides = { [K in keyof Services]?: Partial<Services[K]> };

export function createServices(deps: FieldDeps, overrides: ServiceOverrides = {}): Services {
  const services: Record<string, unknown> = {};
  for (const field of FIELDS) {
    services[field.service] = { ...field.createService(deps), ...overrides[field.service] };
  }
  return services as unknown as Services;
}

/** Ends what the services hold (live streams: their clients get a complete message). */
export async function closeServices(services: Services): Promise<void> {
  const byKey = services as unknown as Record<string, unknown>;
  await Promise.all(
    FIELDS.map((field) =>
      (field.close as ((s: unknown) => Promise<void>) | undefined)?.(byKey[field.service]),
    ),
  );
}

/** The flags of reads: their shadow comparisons are evidence for the guard. */
export const readFlags: ReadonlySet<string> = new Set(
  FIELDS.filter((f) => f.compares).map((f) => f.flag),
);

export const v1Routes: readonly RestRoute[] = FIELDS.flatMap((f) => f.routes);

export const openApiDocument = buildOpenApiDocument(v1Routes);
