// Event and Query.recentEvents, migrated under @rollout(flag: "events.recent").
import { GraphQLError } from 'graphql';
import type { EventRecord } from '../../domain/types.js';
import { rolloutField } from '../../rollout/directive.js';
import { builder } from '../builder.js';
import { Camera, Region } from './camera.js';

export const Event = builder.objectRef<EventRecord>('Event').implement({
  description: 'A detection event of the legacy log (or its ingested copy in the domain tables).',
  fields: (t) => ({
    timestamp: t.field({ type: 'DateTime', resolve: (e) => e.occurredAt }),
    ts: t.exposeFloat('ts', { description: 'Epoch seconds, exactly as logged.' }),
    type: t.exposeString('type', { nullable: true, description: 'e.g. NO_HAIRNET_AT_SINK.' }),
    cameraId: t.exposeString('cameraId', { nullable: true }),
    trackId: t.int({
      nullable: true,
      resolve: (e) => (e.trackId !== null && Math.abs(e.trackId) <= 2 ** 31 - 1 ? e.trackId : null),
    }),
    evidence: t.field({ type: 'JSON', nullable: true, resolve: (e) => e.evidence }),
    logLine: t.exposeString('raw', {
      description:
        'The record as logged, as JSON text with its own keys in its own order (used by the REST shim).',
    }),
    camera: t.field({
      type: Camera,
      nullable: true,
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

export const RECENT_EVENTS_BOUNDS = { limit: [1, 1000], minutes: [1, 1440] } as const;

function checkBounds(args: RecentEventsArgs) {
  for (const [name, [min, max]] of Object.entries(RECENT_EVENTS_BOUNDS)) {
    const value = args[name as keyof typeof RECENT_EVENTS_BOUNDS];
    if (value === null || value === undefined) continue; // explicit null means the default
    if (value < min || value > max) {
      throw new GraphQLError(`${name} must be between ${min} and ${max} (got ${value})`, {
        extensions: { code: 'BAD_USER_INPUT', argument: name, min, max },
      });
    }
  }
}

builder.queryField('recentEvents', (t) =>
  t.field({
    type: [Event],
    description: 'The newest events in the last `minutes`, newest first (by timestamp).',
    args: {
      limit: t.arg.int({ defaultValue: 100, description: '1..1000' }),
      minutes: t.arg.int({ defaultValue: 60, description: '1..1440' }),
      etype: t.arg.string({ required: false, description: 'Exact event type; empty = any.' }),
      cameraId: t.arg.string({
        required: false,
        description: 'Exact camera id; empty matches events without a camera, as the old API did.',
      }),
      forceDomain: t.arg.boolean({
        required: false,
        description: 'Force the domain path (honoured in development and for operators).',
      }),
    },
    ...rolloutField<RecentEventsArgs>('events.recent', {
      validate: checkBounds,
      domain: (args, ctx) => ctx.services.events.domain.recentEvents(toQuery(args, ctx.now)),
      legacy: (args, ctx) => ctx.services.events.legacy.recentEvents(toQuery(args, ctx.now)),
    }),
  }),
);

interface RecentEventsArgs {
  limit?: number | null;
  minutes?: number | null;
  etype?: string | null;
  cameraId?: string | null;
  forceDomain?: boolean | null;
}

function toQuery(args: RecentEventsArgs, now: Date) {
  return {
    limit: args.limit ?? 100,
    since: new Date(now.getTime() - (args.minutes ?? 60) * 60_000),
    type: args.etype || undefined,
    cameraId: args.cameraId ?? undefined,
  };
}
