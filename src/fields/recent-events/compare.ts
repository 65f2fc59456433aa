// What the shadow comparison of recentEvents compares: both paths answer from the same events
// (the ingester copies the log into the table), so the lists must be equal: the same events in
// the same order, each with its key (timestamp, camera, track), type and evidence. Numbers may
// differ by 1e-9 (the log's decimal text and PostgreSQL's float8 round-trip identically, but a
// stored value is not re-parsed text); nothing else may differ.
import type { EventRecord } from '../../domain/types.js';
import type { Comparator, Json } from '../../rollout/compare.js';

export const FLOAT_TOLERANCE = 1e-9;

export const recentEventsComparator: Comparator<EventRecord[]> = {
  describe:
    'the whole list: order, and per event ts, occurredAt, type, cameraId, trackId, evidence (numbers within 1e-9)',
  project: (events) =>
    events.map((e) => ({
      ts: e.ts,
      occurredAt: e.occurredAt.getTime(),
      type: e.type,
      cameraId: e.cameraId,
      trackId: e.trackId,
      evidence: (e.evidence ?? null) as Json,
    })),
  close: (_path, a, b) => Math.abs(a - b) <= FLOAT_TOLERANCE,
};
