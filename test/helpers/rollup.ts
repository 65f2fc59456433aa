// The oracle for detection_stats_minute: per-minute aggregates of the source rows computed here in
// plain SQL (not through the migration's functions), compared with the table, both ways.
import { sql } from 'drizzle-orm';
import type { DatabaseHandle } from '../../src/db/client.js';

/** Minutes where the rollup and the rows disagree (a minute missing on either side counts). */
export async function rollupMismatches(handle: DatabaseHandle): Promise<number> {
  const [diff] = await handle.rows<{ n: number }>(sql`
    with source as (
      select bucket, sum(n) n, sum(hw) hw, sum(sz) sz, sum(hn) hn, sum(ps) ps, sum(cs) cs, sum(v) v
      from (
        select date_bin('1 minute', recorded_at, timestamptz 'epoch') bucket, 1 n,
          handwash_events hw, sanitize_events sz, hairnet_violations hn,
          processing_time::numeric ps, avg_confidence::float8::numeric cs, 0 v
        from detection_records
        union all
        select date_bin('1 minute', occurred_at, timestamptz 'epoch'), 0, 0, 0, 0, 0, 0, 1
        from violation_events) r
      group by bucket),
    rollup as (
      select bucket, detections, handwash, sanitize, hairnet, processing_sum, confidence_sum,
        violations from detection_stats_minute)
    select count(*)::int n from (
      (select * from source except all select * from rollup)
      union all (select * from rollup except all select * from source)) d`);
  return diff!.n;
}
