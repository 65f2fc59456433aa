// BEFORE, kept only for the benchmark: the domain path of realtimeStatistics as it was before the
// per-minute rollup (drizzle/0003_detection_stats_minute_triggers.sql), which aggregated the whole
// day of detection_records and counted today's violation_events on every request (p50 223 ms with
// 1M records today). The product reads the rollup (src/domain/statistics-repository.ts); the bench
// serves this from its 'statistics-raw' server to show both side by side. Not used by the gateway.
import { type SQL, sql } from 'drizzle-orm';
import { dayStartSql, StatisticsRepository } from '../src/repositories/statistics-repository.js';

/** The old totals statement (float8 avg(): equal to the rollup's means up to its rounding). */
export function rawDayTotalsSql(now: Date, timeZone: string): SQL {
  const dayStart = dayStartSql(now, timeZone);
  const hi = now.toISOString();
  return sql`
    select
      count(*) as detections,
      coalesce(sum(handwash_events), 0) as handwash,
      coalesce(sum(sanitize_events), 0) as sanitize,
      coalesce(sum(hairnet_violations), 0) as hairnet,
      avg(processing_time) as avg_processing,
      avg(avg_confidence)::float8 as avg_confidence,
      (select count(*) from violation_events
         where occurred_at >= ${dayStart} and occurred_at <= ${hi}::timestamptz) as violations_today,
      (select count(*) from violation_events where status = 'pending') as pending
    from detection_records
    where recorded_at >= ${dayStart} and recorded_at <= ${hi}::timestamptz`;
}

/** StatisticsRepository with the old totals statement; everything else is the product's. */
export class RawStatistics extends StatisticsRepository {
  protected override totalsSql(now: Date): SQL {
    return rawDayTotalsSql(now, this.options.timeZone);
  }
}
