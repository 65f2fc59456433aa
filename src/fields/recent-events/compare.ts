// What the shadow comparison of recentEvents compares: both paths answer from the same events
// (the ingester copies the log into the table), so the lists must be equal: the same events in
// the same order, each with its key (timestamp, camera, track), type and evidence. Numbers may
// differ by 1e-9 (the log's decimal text and PostgreSQL's float8 round-trip identically, but a
// stored value is not re-parsed text); nothing else may differ.
// Except at the newest edge: the table trails the log by the ingester's lag, so events logged in
// the last INGEST_LAG_SECONDS before the newer side's newest event may be missing from the other
// side. Those newest events are not compared, and when both lists were cut by `limit`, the
// lagging side's extra oldest events neither. Anything else missing is a mismatch.
import type { EventRecord } from '../../domain/types.js';
import type { Comparator, Json } from '../../rollout/compare.js';

export const FLOAT_TOLERANCE = 1e-9;
export const INGEST_LAG_SECONDS = 5;

/** Both lists cut to the events both sides can have had (see above). */
export function alignRecent(a: EventRecord[], b: EventRecord[]): [EventRecord[], EventRecord[]] {
  if (a.length === 0 || b.length === 0) return [a, b];
  const top = Math.min(a[0]!.ts, b[0]!.ts);
  if (Math.max(a[0]!.ts, b[0]!.ts) - top > INGEST_LAG_SECONDS) return [a, b];
  const cut = (list: EventRecord[]) => list.filter((e) => e.ts <= top);
  let [x, y] = [cut(a), cut(b)];
  if (a.length === b.length) {
    // Both cut by the same limit: the side missing its newest events reaches further back.
    const n = Math.min(x.length, y.length);
    [x, y] = [x.slice(0, n), y.slice(0, n)];
  }
  return [x, y];
}

export const recentEventsComparator: Comparator<EventRecord[]> = {
  describe: `the whole list: order, and per event ts, occurredAt, type, cameraId, trackId, evidence (numbers within 1e-9); events of the last ${INGEST_LAG_SECONDS} s one side has not ingested yet are left out`,
  align: alignRecent,
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
