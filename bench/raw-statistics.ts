// Candidate for the realtimeStatistics goal (p50 <= 20 ms with 1M detection records today):
// per-minute totals kept by statement-level triggers, so "today" reads at most 1,440 summary
// rows plus the raw rows of the two partial minutes at its edges. PRE_AGGREGATION_DDL is the
// migration this needs (not applied by the project's migrations: the bench applies it to its own
// database); PreAggregatedStatistics is the repository query that would use it.
import { sql } from 'drizzle-orm';
import type { DatabaseHandle } from '../src/db/client.js';
import { RECENT_VIOLATIONS, uptimeSeconds } from '../src/domain/statistics-repository.js';
import type { RealtimeStatistics, StatisticsSource } from '../src/domain/types.js';

const MINUTE = `date_bin('1 minute', %s, timestamptz 'epoch')`;
const bin = (column: string) => MINUTE.replace('%s', column);

export const PRE_AGGREGATION_DDL = `
create table detection_stats_minute (
  bucket timestamptz primary key,
  detections bigint not null default 0,
  handwash bigint not null default 0,
  sanitize bigint not null default 0,
  hairnet bigint not null default 0,
  processing_sum double precision not null default 0,
  confidence_sum double precision not null default 0,
  violations bigint not null default 0
);
create function detection_stats_minute_add() returns trigger language plpgsql as $$
begin
  if tg_table_name = 'detection_records' then
    insert into detection_stats_minute as s
      (bucket, detections, handwash, sanitize, hairnet, processing_sum, confidence_sum)
    select ${bin('recorded_at')}, count(*) * tg_argv[0]::int,
      sum(handwash_events) * tg_argv[0]::int, sum(sanitize_events) * tg_argv[0]::int,
      sum(hairnet_violations) * tg_argv[0]::int, sum(processing_time) * tg_argv[0]::int,
      sum(avg_confidence::float8) * tg_argv[0]::int
    from changed group by 1
    on conflict (bucket) do update set detections = s.detections + excluded.detections,
      handwash = s.handwash + excluded.handwash, sanitize = s.sanitize + excluded.sanitize,
      hairnet = s.hairnet + excluded.hairnet,
      processing_sum = s.processing_sum + excluded.processing_sum,
      confidence_sum = s.confidence_sum + excluded.confidence_sum;
  else
    insert into detection_stats_minute as s (bucket, violations)
    select ${bin('occurred_at')}, count(*) * tg_argv[0]::int from changed group by 1
    on conflict (bucket) do update set violations = s.violations + excluded.violations;
  end if;
  return null;
end $$;
create trigger detection_stats_minute_ins after insert on detection_records
  referencing new table as changed for each statement execute function detection_stats_minute_add('1');
create trigger detection_stats_minute_del after delete on detection_records
  referencing old table as changed for each statement execute function detection_stats_minute_add('-1');
create trigger violation_stats_minute_ins after insert on violation_events
  referencing new table as changed for each statement execute function detection_stats_minute_add('1');
create trigger violation_stats_minute_del after delete on violation_events
  referencing old table as changed for each statement execute function detection_stats_minute_add('-1');
-- (an UPDATE of recorded_at/occurred_at or of the summed columns needs the same pair: -old, +new)
insert into detection_stats_minute
  (bucket, detections, handwash, sanitize, hairnet, processing_sum, confidence_sum)
select ${bin('recorded_at')}, count(*), sum(handwash_events), sum(sanitize_events),
  sum(hairnet_violations), sum(processing_time), sum(avg_confidence::float8)
from detection_records group by 1;
insert into detection_stats_minute as s (bucket, violations)
select ${bin('occurred_at')}, count(*) from violation_events group by 1
on conflict (bucket) do update set violations = s.violations + excluded.violations;
analyze detection_stats_minute;
`;

interface Totals {
  detections: string | number;
  handwash: string | number;
  sanitize: string | number;
  hairnet: string | number;
  avg_processing: number | null;
  avg_confidence: number | null;
  violations_today: string | number;
  pending: string | number;
}

export class PreAggregatedStatistics implements StatisticsSource {
  constructor(
    private readonly handle: DatabaseHandle,
    private readonly options: { timeZone: string; startedAt: Date },
  ) {}

  async realtimeStatistics(now: Date): Promise<RealtimeStatistics> {
    const tz = this.options.timeZone;
    const hi = now.toISOString();
    // [lo, hi] = [lo, blo) raw ∪ [blo, bhi) whole minutes ∪ [max(bhi, blo), hi] raw.
    const [totals, areas, recent] = await Promise.all([
      // name: statistics.totalsPreAggregated
      this.handle.rows<Totals>(sql`
        with w as (
          select lo, hi, blo + case when blo < lo then interval '1 minute' else interval '0' end as blo,
            ${sql.raw(bin('hi'))} as bhi
          from (select lo, hi, ${sql.raw(bin('lo'))} as blo from (select
            (date_trunc('day', ${hi}::timestamptz at time zone ${tz}) at time zone ${tz}) as lo,
            ${hi}::timestamptz as hi) t) t),
        raw as (
          select d.* from detection_records d, w where recorded_at >= w.lo and recorded_at < w.blo and recorded_at <= w.hi
          union all
          select d.* from detection_records d, w where recorded_at >= greatest(w.bhi, w.blo) and recorded_at <= w.hi),
        parts as (
          select sum(detections) n, sum(handwash) hw, sum(sanitize) sz, sum(hairnet) hn,
            sum(processing_sum) ps, sum(confidence_sum) cs, sum(violations) v
          from detection_stats_minute, w where bucket >= w.blo and bucket < w.bhi
          union all
          select count(*), sum(handwash_events), sum(sanitize_events), sum(hairnet_violations),
            sum(processing_time), sum(avg_confidence::float8), 0 from raw
          union all
          select 0, 0, 0, 0, 0, 0, count(*) from violation_events v, w
          where occurred_at >= w.lo and occurred_at < w.blo and occurred_at <= w.hi
          union all
          select 0, 0, 0, 0, 0, 0, count(*) from violation_events v, w
          where occurred_at >= greatest(w.bhi, w.blo) and occurred_at <= w.hi)
        select coalesce(sum(n), 0) as detections, coalesce(sum(hw), 0) as handwash,
          coalesce(sum(sz), 0) as sanitize, coalesce(sum(hn), 0) as hairnet,
          sum(ps) / nullif(sum(n), 0) as avg_processing, sum(cs) / nullif(sum(n), 0) as avg_confidence,
          coalesce(sum(v), 0) as violations_today,
          (select count(*) from violation_events where status = 'pending') as pending
        from parts`),
      // name: statistics.monitoredAreas
      this.handle.rows<{ name: string }>(sql`
        select distinct r.name collate "C" as name from cameras c join regions r on r.id = c.region_id
        where c.is_active order by 1`),
      // name: statistics.recentViolations
      this.handle.rows<{
        camera_id: string;
        violation_type: string;
        occurred_at: string | Date;
      }>(sql`
        select camera_id, violation_type, occurred_at from violation_events
        where status = 'pending' order by occurred_at desc, id desc limit ${RECENT_VIOLATIONS}`),
    ]);
    const t = totals[0]!;
    return {
      timestamp: now,
      systemStatus: 'active',
      source: 'domain',
      detectionStats: {
        totalDetectionsToday: Number(t.detections),
        handwashingDetections: Number(t.handwash),
        disinfectionDetections: Number(t.sanitize),
        hairnetDetections: Number(t.hairnet),
        violationCount: Number(t.violations_today),
      },
      regionStats: { activeRegions: areas.length, monitoredAreas: areas.map((a) => a.name) },
      performanceMetrics: {
        averageProcessingTime: Number(t.avg_processing ?? 0),
        detectionAccuracy: Number(t.avg_confidence ?? 0),
        systemUptimeSeconds: uptimeSeconds(this.options.startedAt, now),
      },
      alerts: {
        activeAlerts: Number(t.pending),
        recentViolations: recent.map((v) => ({
          cameraId: v.camera_id,
          violationType: v.violation_type,
          timestamp: new Date(v.occurred_at),
        })),
      },
    };
  }
}
