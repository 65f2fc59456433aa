// This replica's evidence for the guard: per flag and version (a version is one step: every
// change of the flag bumps it), cumulative counts of domain executions and failures, fallbacks,
// shadow comparisons by outcome, distinct callers per side of the sticky bucket, and latency
// histograms per path. The publisher writes the totals to PostgreSQL; the controller sums them
// over every replica. Pure memory, no I/O.
import type { RolloutPath } from './engine.js';

/** Histogram buckets (seconds, upper bounds) of the guard's latency comparison; then +Inf. */
export const GUARD_LATENCY_BUCKETS = [
  0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10,
];

export type ComparisonOutcome = 'match' | 'mismatch' | 'noise' | 'error' | 'timeout' | 'dropped';

export interface EvidenceCounts {
  domainRuns: number;
  domainErrors: number;
  domainServed: number;
  fallbacks: number;
  comparisons: number;
  mismatches: number;
  noise: number;
  bucketDomain: number;
  bucketLegacy: number;
  domainLatency: number[];
  legacyLatency: number[];
}

export interface EvidenceEntry extends EvidenceCounts {
  flag: string;
  version: number;
}

export function emptyCounts(): EvidenceCounts {
  const histogram = () => new Array<number>(GUARD_LATENCY_BUCKETS.length + 1).fill(0);
  return {
    domainRuns: 0,
    domainErrors: 0,
    domainServed: 0,
    fallbacks: 0,
    comparisons: 0,
    mismatches: 0,
    noise: 0,
    bucketDomain: 0,
    bucketLegacy: 0,
    domainLatency: histogram(),
    legacyLatency: histogram(),
  };
}

/** Adds `b` into `a` (histograms bucket by bucket). */
export function addCounts(a: EvidenceCounts, b: EvidenceCounts): EvidenceCounts {
  const sum = (x: number[], y: number[]) => x.map((v, i) => v + (y[i] ?? 0));
  return {
    domainRuns: a.domainRuns + b.domainRuns,
    domainErrors: a.domainErrors + b.domainErrors,
    domainServed: a.domainServed + b.domainServed,
    fallbacks: a.fallbacks + b.fallbacks,
    comparisons: a.comparisons + b.comparisons,
    mismatches: a.mismatches + b.mismatches,
    noise: a.noise + b.noise,
    bucketDomain: a.bucketDomain + b.bucketDomain,
    bucketLegacy: a.bucketLegacy + b.bucketLegacy,
    domainLatency: sum(a.domainLatency, b.domainLatency),
    legacyLatency: sum(a.legacyLatency, b.legacyLatency),
  };
}

function bucketIndex(seconds: number): number {
  const i = GUARD_LATENCY_BUCKETS.findIndex((le) => seconds <= le);
  return i === -1 ? GUARD_LATENCY_BUCKETS.length : i;
}

function scratch(flag: string, version: number) {
  return { flag, version, ...emptyCounts(), callers: new Set<string>() };
}

/** Most distinct callers remembered per flag and version; past it every decision counts. */
const MAX_CALLERS = 100_000;

export class EvidenceRecorder {
  readonly #entries = new Map<string, EvidenceEntry & { callers: Set<string> }>();
  #dirty = false;

  /**
   * The flag's entry for `version`. Only the newest version of a flag is evidence for anything:
   * a newer one replaces the older, and late reports of an older one (a shadow task that
   * outlived its step) go to a scratch entry that is never published.
   */
  #entry(flag: string, version: number) {
    const current = this.#entries.get(flag);
    if (current && current.version > version) return scratch(flag, version);
    if (!current || current.version < version) {
      const entry = { flag, version, ...emptyCounts(), callers: new Set<string>() };
      this.#entries.set(flag, entry);
      this.#dirty = true;
      return entry;
    }
    this.#dirty = true;
    return current;
  }

  /** A sticky-bucket decision; each caller (sticky key) is counted once per version. */
  bucket(flag: string, version: number, path: RolloutPath, caller: string): void {
    const entry = this.#entry(flag, version);
    if (entry.callers.has(caller)) return;
    if (entry.callers.size < MAX_CALLERS) entry.callers.add(caller);
    if (path === 'domain') entry.bucketDomain++;
    else entry.bucketLegacy++;
  }

  /** A domain execution: `served` to the caller or run as the shadow. */
  domainRun(flag: string, version: number, ok: boolean, seconds: number, served: boolean): void {
    const entry = this.#entry(flag, version);
    entry.domainRuns++;
    if (!ok) entry.domainErrors++;
    if (served) entry.domainServed++;
    entry.domainLatency[bucketIndex(seconds)]!++;
  }

  legacyRun(flag: string, version: number, seconds: number): void {
    this.#entry(flag, version).legacyLatency[bucketIndex(seconds)]!++;
  }

  fallback(flag: string, version: number): void {
    this.#entry(flag, version).fallbacks++;
  }

  comparison(flag: string, version: number, outcome: ComparisonOutcome): void {
    const entry = this.#entry(flag, version);
    if (outcome === 'match' || outcome === 'mismatch' || outcome === 'noise') entry.comparisons++;
    if (outcome === 'mismatch') entry.mismatches++;
    if (outcome === 'noise') entry.noise++;
  }

  /** The cumulative totals, if anything was recorded since the last call (else null). */
  takeChanged(): EvidenceEntry[] | null {
    if (!this.#dirty) return null;
    this.#dirty = false;
    return [...this.#entries.values()].map(({ callers: _callers, ...entry }) => ({
      ...entry,
      domainLatency: [...entry.domainLatency],
      legacyLatency: [...entry.legacyLatency],
    }));
  }

  /** Marks the totals as unpublished again (a failed write is retried on the next flush). */
  markDirty(): void {
    this.#dirty = true;
  }
}
