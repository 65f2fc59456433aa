// What the legacy statistics count from the day's log records, as a value that can be added to
// record by record in any order and merged (per file), so that counting the day in one backwards
// scan and keeping the counts up to date from appended lines give the same answer.
import { violationOf } from '../domain/event-types.js';
import { RECENT_VIOLATIONS } from '../domain/statistics.js';
import type { EventRecord, RealtimeStatistics } from '../domain/types.js';

type RecentViolation = RealtimeStatistics['alerts']['recentViolations'][number];

export type DayCounts = Omit<RealtimeStatistics, 'timestamp' | 'performanceMetrics'> & {
  detectionAccuracy: number;
};

/**
 * An exact sum of doubles (Shewchuk's partials, as Python's math.fsum): the result is the
 * correctly rounded sum whatever the order of the additions, so the mean confidence does not
 * depend on which way the lines were read.
 */
export class ExactSum {
  private partials: number[] = [];

  add(value: number): void {
    let x = value;
    let i = 0;
    const p = this.partials;
    for (let j = 0; j < p.length; j++) {
      let y = p[j]!;
      if (Math.abs(x) < Math.abs(y)) [x, y] = [y, x];
      const hi = x + y;
      const lo = y - (hi - x);
      if (lo !== 0) p[i++] = lo;
      x = hi;
    }
    p.length = i;
    p.push(x);
  }

  addAll(other: ExactSum): void {
    for (const x of other.partials) this.add(x);
  }

  value(): number {
    const p = this.partials;
    let n = p.length;
    if (n === 0) return 0;
    let hi = p[--n]!;
    let lo = 0;
    while (n > 0) {
      const x = hi;
      const y = p[--n]!;
      hi = x + y;
      lo = y - (hi - x);
      if (lo !== 0) break;
    }
    // Round half-way cases the way the infinitely precise sum would.
    if (n > 0 && ((lo < 0 && p[n - 1]! < 0) || (lo > 0 && p[n - 1]! > 0))) {
      const y = lo * 2;
      const x = hi + y;
      if (y === x - hi) hi = x;
    }
    return hi;
  }
}

/** A listed violation and where its line is in the log (greater: written later). */
interface Placed {
  seq: number;
  violation: RecentViolation;
}

/**
 * Counts over a set of records (a day, or the part of it in one file). `seq` orders records as
 * they were written (greater: later): the listed violations are the latest written ones, as the
 * old reader listed them.
 */
export class Tally {
  total = 0;
  handwashing = 0;
  hairnet = 0;
  violations = 0;
  confidence = new ExactSum();
  confidenceCount = 0;
  areas = new Set<string>();
  /** The latest written violations with a camera, at most RECENT_VIOLATIONS, latest first. */
  recent: Placed[] = [];

  add(record: EventRecord, seq: number): void {
    this.total++;
    if (record.type === 'HANDWASHING_ACTIVE') this.handwashing++;
    if (record.type === 'NO_HAIRNET_AT_SINK') this.hairnet++;
    const violationType = violationOf(record.type);
    if (violationType) {
      this.violations++;
      if (record.cameraId) {
        const violation = {
          cameraId: record.cameraId,
          violationType,
          timestamp: record.occurredAt,
        };
        insertPlaced(this.recent, { seq, violation });
      }
    }
    const evidence = (record.evidence ?? {}) as { region?: unknown; confidence?: unknown };
    if (typeof evidence.region === 'string') this.areas.add(evidence.region);
    if (typeof evidence.confidence === 'number' && Number.isFinite(evidence.confidence)) {
      this.confidence.add(evidence.confidence);
      this.confidenceCount++;
    }
  }
}

function insertPlaced(list: Placed[], item: Placed): void {
  if (list.length === RECENT_VIOLATIONS && item.seq <= list[list.length - 1]!.seq) return;
  let i = list.length;
  while (i > 0 && list[i - 1]!.seq < item.seq) i--;
  list.splice(i, 0, item);
  if (list.length > RECENT_VIOLATIONS) list.pop();
}

/** The statistics of the union of the tallies (records of different files). */
export function dayCounts(tallies: Iterable<Tally>): DayCounts {
  let [total, handwashing, hairnet, violations, confidenceCount] = [0, 0, 0, 0, 0];
  const confidence = new ExactSum();
  const areas = new Set<string>();
  const placed: Placed[] = [];
  for (const t of tallies) {
    total += t.total;
    handwashing += t.handwashing;
    hairnet += t.hairnet;
    violations += t.violations;
    confidenceCount += t.confidenceCount;
    confidence.addAll(t.confidence);
    for (const a of t.areas) areas.add(a);
    for (const p of t.recent) insertPlaced(placed, p);
  }
  // Latest written first, then by time (a stable sort keeps the writing order among equal times).
  const recent = placed.map((p) => p.violation);
  recent.sort((a, b) => b.timestamp.getTime() - a.timestamp.getTime());
  const monitoredAreas = [...areas].sort();
  return {
    systemStatus: 'active',
    source: 'legacy_log',
    detectionStats: {
      totalDetectionsToday: total,
      handwashingDetections: handwashing,
      disinfectionDetections: 0,
      hairnetDetections: hairnet,
      violationCount: violations,
    },
    regionStats: { activeRegions: monitoredAreas.length, monitoredAreas },
    detectionAccuracy: confidenceCount ? confidence.value() / confidenceCount : 0,
    alerts: { activeAlerts: violations, recentViolations: recent },
  };
}
