// Event: one detection event, whichever path read it.
import type { EventRecord } from '../../domain/types.js';
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
