// Violation and its status history, Query.violation and Query.violations (keyset pages, newest
// first). The write side is update-violation-status.ts.
import DataLoader from 'dataloader';
import { VIOLATION_STATUSES, type ViolationStatusValue } from '../../db/schema.js';
import type { StatusChangeRow, ViolationRow } from '../../domain/violations.js';
import { decodeCursor } from '../../repositories/violation-repository.js';
import { builder } from '../builder.js';
import type { GraphQLContext } from '../context.js';
import { badInput, requireStorableText } from '../errors.js';
import { Camera } from './camera.js';

const STATUS_DESCRIPTIONS: Record<ViolationStatusValue, string> = {
  pending: 'Not handled yet (counts as an active alert).',
  confirmed: 'Confirmed by a person.',
  false_positive: 'Not a violation after all.',
  resolved: 'Handled.',
};
const statusValues = Object.fromEntries(
  VIOLATION_STATUSES.map((value) => [
    value.toUpperCase(),
    { value, description: STATUS_DESCRIPTIONS[value] },
  ]),
) as Record<Uppercase<ViolationStatusValue>, { value: ViolationStatusValue; description: string }>;
export const ViolationStatus = builder.enumType('ViolationStatus', {
  description: 'Where a violation is in its handling.',
  values: statusValues,
});

const ViolationType = builder.enumType('ViolationType', {
  description: 'What rule a violation broke.',
  values: {
    NO_HAIRNET: { value: 'no_hairnet', description: 'No hairnet worn.' },
    NO_HANDWASH: { value: 'no_handwash', description: 'Hands not washed.' },
    NO_SANITIZE: { value: 'no_sanitize', description: 'Hands not sanitized.' },
  } as const,
});

export const ViolationStatusChange = builder
  .objectRef<StatusChangeRow>('ViolationStatusChange')
  .implement({
    description: 'One status change made on the domain path (the audit trail).',
    fields: (t) => ({
      from: t.field({
        type: ViolationStatus,
        description: 'The status before the change.',
        resolve: (c) => c.fromStatus,
      }),
      to: t.field({
        type: ViolationStatus,
        description: 'The status after the change.',
        resolve: (c) => c.toStatus,
      }),
      notes: t.exposeString('notes', { nullable: true, description: 'Notes after the change.' }),
      changedBy: t.exposeString('changedBy', {
        nullable: true,
        description: 'The API token name of the caller, else the handledBy it sent.',
      }),
      changedAt: t.field({
        type: 'DateTime',
        description: 'When the change committed.',
        resolve: (c) => c.changedAt,
      }),
      path: t.exposeString('path', { description: 'The path that applied it: `domain`.' }),
      requestId: t.exposeString('requestId', {
        nullable: true,
        description:
          'The X-Request-Id of the change: how a caller finds out whether its write landed.',
      }),
    }),
  });

const historyLoaders = new WeakMap<GraphQLContext, DataLoader<number, StatusChangeRow[]>>();
function historyLoader(ctx: GraphQLContext) {
  let loader = historyLoaders.get(ctx);
  if (!loader) {
    loader = new DataLoader((ids) => ctx.violationReader.historyFor(ids));
    historyLoaders.set(ctx, loader);
  }
  return loader;
}

const INT32_MAX = 2 ** 31 - 1;

export const Violation = builder.objectRef<ViolationRow>('Violation').implement({
  description: 'A hygiene violation seen by a camera, and how it was handled.',
  fields: (t) => ({
    id: t.exposeID('id', { description: 'The violation id (a decimal integer).' }),
    cameraId: t.exposeString('cameraId', { description: 'The camera that saw it.' }),
    camera: t.field({
      type: Camera,
      nullable: true,
      description: 'That camera, if it is known.',
      resolve: (v, _args, ctx) => ctx.loaders.cameraById.load(v.cameraId),
    }),
    occurredAt: t.field({
      type: 'DateTime',
      description: 'When it happened.',
      resolve: (v) => v.occurredAt,
    }),
    violationType: t.field({
      type: ViolationType,
      description: 'What rule was broken.',
      resolve: (v) => v.violationType,
    }),
    trackId: t.int({
      nullable: true,
      description: 'The tracked person, when it fits a 32-bit integer.',
      resolve: (v) => (v.trackId !== null && Math.abs(v.trackId) <= INT32_MAX ? v.trackId : null),
    }),
    confidence: t.exposeFloat('confidence', {
      nullable: true,
      description: 'Detector confidence, 0..1.',
    }),
    bbox: t.floatList({
      nullable: true,
      description: 'Bounding box in pixels: x1, y1, x2, y2.',
      resolve: (v) => (Array.isArray(v.bbox) && v.bbox.every(Number.isFinite) ? v.bbox : null),
    }),
    status: t.field({
      type: ViolationStatus,
      description: 'Where its handling is.',
      resolve: (v) => v.status,
    }),
    notes: t.exposeString('notes', { nullable: true, description: 'Notes of whoever handled it.' }),
    handledBy: t.exposeString('handledBy', {
      nullable: true,
      description: 'Who handled it last.',
    }),
    handledAt: t.field({
      type: 'DateTime',
      nullable: true,
      description: 'When its status last changed.',
      resolve: (v) => v.handledAt,
    }),
    createdAt: t.field({
      type: 'DateTime',
      description: 'When it was recorded.',
      resolve: (v) => v.createdAt,
    }),
    updatedAt: t.field({
      type: 'DateTime',
      description: 'When it last changed.',
      resolve: (v) => v.updatedAt,
    }),
    history: t.field({
      type: [ViolationStatusChange],
      description: 'Changes made on the domain path, oldest first (the legacy path records none).',
      resolve: (v, _args, ctx) => historyLoader(ctx).load(v.id),
    }),
  }),
});

const ViolationConnection = builder.connectionObject(
  {
    type: Violation,
    name: 'ViolationConnection',
    description: 'A page of violations.',
    edgesField: { description: 'The violations of this page, each with its cursor.' },
  },
  {
    name: 'ViolationEdge',
    description: 'A violation and its cursor.',
    nodeField: { description: 'The violation.' },
  },
);

builder.queryFields((t) => ({
  violation: t.field({
    type: Violation,
    nullable: true,
    description: 'One violation by id, with its history; null if there is none.',
    args: { id: t.arg.id({ required: true, description: 'The violation id.' }) },
    resolve: (_root, args, ctx) => ctx.violationReader.byId(parseViolationId(args.id)),
  }),
  violations: t.field({
    type: ViolationConnection,
    description: 'Violations, newest first (occurredAt, then id), a page at a time.',
    args: {
      status: t.arg({
        type: ViolationStatus,
        required: false,
        description: 'Only violations with this status.',
      }),
      cameraId: t.arg.string({ required: false, description: 'Only violations of this camera.' }),
      first: t.arg.int({ defaultValue: 20, required: true, description: '1..100' }),
      after: t.arg.string({ required: false, description: 'endCursor of the previous page.' }),
    },
    resolve: async (_root, args, ctx) => {
      if (args.first < 1 || args.first > 100) throw badInput('first must be between 1 and 100');
      requireStorableText('cameraId', args.cameraId);
      const after = args.after ? decodeCursor(args.after) : undefined;
      if (args.after && !after) throw badInput('after is not a cursor of this connection');
      const { rows, hasNextPage } = await ctx.violationReader.list({
        status: args.status ?? undefined,
        cameraId: args.cameraId ?? undefined,
        first: args.first,
        after,
      });
      const edges = rows.map((node) => ({ cursor: node.cursor, node }));
      const pageInfo = {
        hasNextPage,
        hasPreviousPage: after !== undefined,
        startCursor: edges[0]?.cursor ?? null,
        endCursor: edges.at(-1)?.cursor ?? null,
      };
      return { edges, pageInfo };
    },
  }),
}));

/** A decimal integer id within the safe integer range (ids come from a bigserial). */
export function parseViolationId(id: string | number): number {
  const text = String(id);
  const n = /^-?\d{1,16}$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(n)) {
    throw badInput(`id must be an integer of at most 2^53 (got ${JSON.stringify(text)})`);
  }
  return n;
}
