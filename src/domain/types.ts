// The contracts both implementations of a migrated field satisfy: the domain repository
// (PostgreSQL) and the legacy resolver (JSONL log, old SQL). The rollout engine only sees these.

/** One detection event, as the legacy log records it and the domain `events` table stores it. */
export interface EventRecord {
  /** Epoch seconds exactly as logged (`ts`). */
  ts: number;
  occurredAt: Date;
  type: string | null;
  cameraId: string | null;
  trackId: number | null;
  /** Free-form JSON object; NaN/Infinity already replaced by null. */
  evidence: unknown;
  /** The record's JSON text as logged: its own keys in its own order (for byte-compatible REST). */
  raw: string;
}

export interface RecentEventsQuery {
  /** 1..1000 */
  limit: number;
  /** Window start: events with ts >= since. */
  since: Date;
  /** Exact, case-sensitive match on `type`; undefined or '' = no filter. */
  type?: string | undefined;
  /**
   * Exact match on `camera_id`; undefined = no filter. '' keeps the old service's behaviour:
   * it matches records without a camera (missing, null or empty camera_id).
   */
  cameraId?: string | undefined;
}

export interface EventSource {
  /**
   * The newest `limit` matching events in the window, newest first (ties: later-recorded first).
   * `signal`: when it aborts, the read is abandoned (and its query cancelled where the driver can).
   * `projection`: which parts of each event the caller reads; a source may leave out the others.
   */
  recentEvents(query: RecentEventsQuery, options?: EventReadOptions): Promise<EventRecord[]>;
}

export interface ReadOptions {
  signal?: ReadSignal | undefined;
}

/**
 * What a read uses of a cancellation signal; an AbortSignal is one. The rollout runner passes a
 * lighter one of its own: Node takes microseconds to build an AbortSignal, which was half of what
 * the runner added to a read.
 */
export interface ReadSignal {
  readonly aborted: boolean;
  /** Why it aborted (the error the read then fails with); undefined before. */
  readonly reason: unknown;
  /** Throws the reason of the abort, if aborted. */
  throwIfAborted(): void;
  addEventListener(type: 'abort', listener: () => void, options?: { once?: boolean }): void;
  removeEventListener(type: 'abort', listener: () => void): void;
}

/**
 * The parts of an event a reader uses: only the logged line (`raw`, what the REST shim prints),
 * only the typed fields (everything but `raw`), or both. A part left out is missing (undefined).
 */
export type EventProjection = 'raw' | 'typed' | 'all';

export interface EventReadOptions extends ReadOptions {
  /** Default 'all'. */
  projection?: EventProjection | undefined;
}

/** The realtime statistics of the legacy `/api/v1/statistics/realtime`, as typed values. */
export interface RealtimeStatistics {
  timestamp: Date;
  systemStatus: 'active';
  /** Which implementation computed it: the domain tables, or the legacy log (a fallback). */
  source: 'domain' | 'legacy_log';
  detectionStats: {
    totalDetectionsToday: number;
    handwashingDetections: number;
    disinfectionDetections: number;
    hairnetDetections: number;
    violationCount: number;
  };
  regionStats: { activeRegions: number; monitoredAreas: string[] };
  performanceMetrics: {
    averageProcessingTime: number;
    detectionAccuracy: number;
    systemUptimeSeconds: number;
  };
  alerts: {
    activeAlerts: number;
    recentViolations: { cameraId: string; violationType: string; timestamp: Date }[];
  };
}

export interface StatisticsSource {
  realtimeStatistics(now: Date): Promise<RealtimeStatistics>;
}
