// Event: one detection event, whichever path read it; and which parts of the events a selection
// of Event fields reads (`eventProjection`), so a reader can leave out the others.
import { type FieldNode, type GraphQLResolveInfo, Kind, type SelectionSetNode } from 'graphql';
import type { EventProjection, EventRecord } from '../../domain/types.js';
import { builder } from '../builder.js';
import { Camera, Region } from './camera.js';

export const Event = builder.objectRef<EventRecord>('Event').implement({
  description: 'A detection event of the legacy log (or its ingested copy in the domain tables).',
  fields: (t) => ({
    timestamp: t.field({
      type: 'DateTime',
      description: 'When it happened (`ts` as a date-time).',
      resolve: (e) => e.occurredAt,
    }),
    ts: t.exposeFloat('ts', { description: 'Epoch seconds, exactly as logged.' }),
    type: t.exposeString('type', {
      nullable: true,
      description:
        'The event type, e.g. NO_HAIRNET_AT_SINK, INSUFFICIENT_DWELL_TIME, SKIP_DRYING, HANDWASHING_ACTIVE.',
    }),
    cameraId: t.exposeString('cameraId', {
      nullable: true,
      description: 'The camera id as logged, e.g. cam0.',
    }),
    trackId: t.int({
      nullable: true,
      description: 'The tracked person, when it fits a 32-bit integer.',
      resolve: (e) => (e.trackId !== null && Math.abs(e.trackId) <= 2 ** 31 - 1 ? e.trackId : null),
    }),
    evidence: t.field({
      type: 'JSON',
      nullable: true,
      description: 'What the detector saw (region, confidence, bbox, …); NaN/Infinity as null.',
      resolve: (e) => e.evidence,
    }),
    logLine: t.exposeString('raw', {
      description:
        'The record as logged, as JSON text with its own keys in its own order (used by the REST shim).',
    }),
    camera: t.field({
      type: Camera,
      nullable: true,
      description: 'The camera, if it is known.',
      resolve: (e, _args, ctx) => (e.cameraId ? ctx.loaders.cameraById.load(e.cameraId) : null),
    }),
    region: t.field({
      type: Region,
      nullable: true,
      description: 'The region named in the evidence, if it is a known region.',
      resolve: (e, _args, ctx) => {
        const name = (e.evidence as { region?: unknown } | null)?.region;
        return typeof name === 'string' ? ctx.loaders.regionByName.load(name) : null;
      },
    }),
  }),
});

/** The record part each Event field reads; a field missing here reads everything. */
const PART: Record<string, 'raw' | 'typed' | 'none'> = {
  timestamp: 'typed',
  ts: 'typed',
  type: 'typed',
  cameraId: 'typed',
  trackId: 'typed',
  evidence: 'typed',
  camera: 'typed',
  region: 'typed',
  logLine: 'raw',
  __typename: 'none',
};

/** Per field node of a (cached) document, when it is the field's only node: its projection. */
const projections = new WeakMap<FieldNode, EventProjection>();

/**
 * The parts of the events a field of type [Event] reads, from its selection (fragments
 * included; a field under @include/@skip counts as selected). Remembered per field node when
 * the field has one node: merged with others (the same field in a fragment, say), the same node
 * can need more in another operation of the document.
 */
export function eventProjection(info: GraphQLResolveInfo): EventProjection {
  const node = info.fieldNodes.length === 1 ? info.fieldNodes[0] : undefined;
  let projection = node && projections.get(node);
  if (projection === undefined) {
    const parts = new Set<string>();
    const visited = new Set<string>();
    const walk = (set: SelectionSetNode | undefined) => {
      for (const selection of set?.selections ?? []) {
        if (selection.kind === Kind.FIELD) parts.add(PART[selection.name.value] ?? 'all');
        else if (selection.kind === Kind.INLINE_FRAGMENT) walk(selection.selectionSet);
        else if (!visited.has(selection.name.value)) {
          visited.add(selection.name.value);
          walk(info.fragments[selection.name.value]?.selectionSet);
        }
      }
    };
    for (const field of info.fieldNodes) walk(field.selectionSet);
    const raw = parts.has('raw') || parts.has('all');
    const typed = parts.has('typed') || parts.has('all');
    projection = raw && typed ? 'all' : typed ? 'typed' : 'raw';
    if (node) projections.set(node, projection);
  }
  return projection;
}
