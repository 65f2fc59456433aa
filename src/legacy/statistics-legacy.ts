// Legacy path of `realtimeStatistics`: what the event log alone can tell, reported with
// source LEGACY_LOG so callers know it is the fallback. Definitions (README "Statistics"):
// - today = [local midnight in TIME_ZONE, now]; every count is over today's log records.
// - totalDetectionsToday: all records; handwashingDetections: HANDWASHING_ACTIVE;
//   hairnetDetections: NO_HAIRNET_AT_SINK; disinfectionDetections: 0 (the log has no such type);
//   violationCount = activeAlerts: records of violation types (the log knows no handling status).
// - monitoredAreas: distinct evidence.region names seen today; detectionAccuracy: mean
//   evidence.confidence; averageProcessingTime: 0 (not logged).
// - recentViolations: the newest 10 violation records of today.
// Given the event log itself (LegacyEventLog), the counts are kept up to date from the lines
// appended since the previous request (day-tally.ts), under the log's time budget and
// concurrency bound; any other scanner is scanned in full, one scan serving requests for
// `maxAgeMs` after it finished.
import { startOfDay } from '../domain/local-time.js';
import { uptimeSeconds } from '../domain/statistics.js';
import type { EventRecord, RealtimeStatistics, StatisticsSource } from '../domain/types.js';
import { type DayCounts, dayCounts, Tally } from './day-counts.js';
import { DayTally, TallyClosed } from './day-tally.js';
import type { LogFiles } from './event-log.js';

/** Visits every record with ts >= since, newest first. */
export interface LogScanner {
  scanSince(since: Date, visit: (record: EventRecord) => void): Promise<unknown>;
  /** The log's files, when the scanner reads them (LegacyEventLog): counted incrementally. */
  readonly files?: LogFiles;
}

export interface LegacyStatisticsOptions {
  timeZone: string;
  startedAt: Date;
  /**
   * For a scanner read in full: how long one scan of the day's log serves later requests, in
   * ms, from when the scan finished. Concurrent requests share one scan. Default 5000; 0 = never.
   */
  maxAgeMs?: number;
}

export class LegacyStatistics implements StatisticsSource {
  private cached:
    | { day: number; start: number; at: number; counts: Promise<DayCounts> }
    | undefined;
  private tally: DayTally | undefined;

  constructor(
    private readonly log: LogScanner,
    private readonly options: LegacyStatisticsOptions,
  ) {}

  async realtimeStatistics(now: Date): Promise<RealtimeStatistics> {
    const files = this.log.files;
    const { detectionAccuracy, ...counts } = files
      ? await this.incremental(files, now)
      : await this.scanned(now);
    return {
      ...counts,
      timestamp: now,
      performanceMetrics: {
        averageProcessingTime: 0,
        detectionAccuracy,
        systemUptimeSeconds: uptimeSeconds(this.options.startedAt, now),
      },
    };
  }

  /** The day's tally (the incremental counts), if there is one: for tests and benchmarks. */
  get dayTally(): DayTally | undefined {
    return this.tally;
  }

  /** Closes the files the day's tally holds open. */
  async close(): Promise<void> {
    const tally = this.tally;
    this.tally = undefined;
    await tally?.close();
  }

  private async incremental(files: LogFiles, now: Date): Promise<DayCounts> {
    const day = startOfDay(now, this.options.timeZone).getTime();
    for (;;) {
      let tally = this.tally;
      if (!tally || tally.failure || tally.dayStart !== day) {
        void tally?.close();
        tally = this.tally = new DayTally(files, day);
      }
      const current = tally;
      try {
        const limiter = files.limiter;
        if (limiter) {
          await limiter.run((budget) =>
            current.update(now, budget.deadline, () => limiter.timeout()),
          );
        } else await current.update(now, Number.POSITIVE_INFINITY, () => new Error('unreachable'));
        return current.snapshot(now);
      } catch (err) {
        // Replaced by a request of another day while this one waited: ask the current one.
        if (err instanceof TallyClosed) continue;
        throw err;
      }
    }
  }

  private scanned(now: Date): Promise<DayCounts> {
    const day = startOfDay(now, this.options.timeZone).getTime();
    const maxAge = this.options.maxAgeMs ?? 5000;
    const t = now.getTime();
    const c = this.cached;
    // A scan under way is joined; a finished one serves until it is maxAge old, counted from
    // when it finished (a scan longer than maxAge must not be stale on arrival).
    if (!c || c.day !== day || t < c.start || (c.at >= 0 && (maxAge === 0 || t - c.at >= maxAge))) {
      const started = performance.now();
      const counts = this.countDay(new Date(day), now);
      const entry = { day, start: t, at: -1, counts };
      this.cached = entry;
      counts.then(
        () => {
          entry.at = t + (performance.now() - started);
        },
        () => {
          if (this.cached === entry) this.cached = undefined;
        },
      );
    }
    return this.cached!.counts;
  }

  /** One backwards scan of the day (the scanner's order: newest written first). */
  private async countDay(dayStart: Date, now: Date): Promise<DayCounts> {
    const tally = new Tally();
    let seq = 0;
    await this.log.scanSince(dayStart, (record) => {
      if (record.occurredAt > now) return;
      tally.add(record, --seq);
    });
    return dayCounts([tally]);
  }
}
