-- Keeps detection_stats_minute (0002) exactly equal to aggregating its sources by UTC minute:
-- detection_records by recorded_at (row count; sums of handwash_events, sanitize_events,
-- hairnet_violations, processing_time, avg_confidence) and violation_events by occurred_at (row
-- count, any status). Every change goes through detection_stats_minute_add, which adds signed
-- per-row shares to their minutes, with statement-level triggers and transition tables:
--   INSERT, DELETE  the inserted (+1) or deleted (-1) rows; COPY included.
--   UPDATE          the old rows (-1) and the new ones (+1): a row may move to another minute or
--                   day. An UPDATE that changes no share (e.g. a status change) writes nothing.
--                   (UPDATE OF column lists are not allowed with transition tables, and row-level
--                   triggers rewrite a minute once per row: quadratic in a bulk update.)
--   TRUNCATE        zeroes that table's columns; minutes left with nothing are deleted.
-- The sums are numeric, so they are exact and the order of adding and removing rows cannot change
-- them. A value enters as PostgreSQL's float8 -> numeric cast gives it (15 significant digits;
-- avg_confidence, a real, is widened to float8 first, as avg() does).
-- Concurrency: writers into the same minute wait for each other's commit on its row; a statement
-- takes its minutes in time order. Not seen by triggers: writes with session_replication_role =
-- replica (logical replication apply, pg_restore --disable-triggers). After such writes, or to
-- check, `select detection_stats_minute_rebuild()` recomputes the table from the sources.

-- One source row's share of its minute, times sign (+1 added, -1 removed).
CREATE FUNCTION detection_stats_minute_share(d detection_records, sign integer)
RETURNS detection_stats_minute LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT ROW(date_bin('1 minute', d.recorded_at, timestamptz 'epoch'), sign,
    sign * d.handwash_events, sign * d.sanitize_events, sign * d.hairnet_violations,
    sign * d.processing_time::numeric, sign * d.avg_confidence::float8::numeric,
    0)::detection_stats_minute
$$;
--> statement-breakpoint
CREATE FUNCTION detection_stats_minute_share(v violation_events, sign integer)
RETURNS detection_stats_minute LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT ROW(date_bin('1 minute', v.occurred_at, timestamptz 'epoch'), 0, 0, 0, 0, 0, 0,
    sign)::detection_stats_minute
$$;
--> statement-breakpoint
-- The one writer of the table: adds shares of rows in one minute to that minute. Nothing is written
-- when they cancel out (an UPDATE that moved nothing); after a removal, a minute left without rows
-- (its exact sums are then zero) is deleted.
CREATE FUNCTION detection_stats_minute_add(shares detection_stats_minute[], removal boolean)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  t detection_stats_minute;
BEGIN
  SELECT min(bucket), sum(detections), sum(handwash), sum(sanitize), sum(hairnet),
    sum(processing_sum), sum(confidence_sum), sum(violations)
  INTO t FROM unnest(shares);
  IF (t.detections, t.handwash, t.sanitize, t.hairnet, t.processing_sum, t.confidence_sum,
      t.violations) = (0, 0, 0, 0, 0, 0, 0) THEN
    RETURN;
  END IF;
  INSERT INTO detection_stats_minute AS m VALUES (t.*)
  ON CONFLICT (bucket) DO UPDATE SET
    detections = m.detections + excluded.detections,
    handwash = m.handwash + excluded.handwash,
    sanitize = m.sanitize + excluded.sanitize,
    hairnet = m.hairnet + excluded.hairnet,
    processing_sum = m.processing_sum + excluded.processing_sum,
    confidence_sum = m.confidence_sum + excluded.confidence_sum,
    violations = m.violations + excluded.violations
  RETURNING m.detections, m.violations INTO t.detections, t.violations;
  IF removal AND t.detections = 0 AND t.violations = 0 THEN
    DELETE FROM detection_stats_minute WHERE bucket = t.bucket;
  END IF;
END $$;
--> statement-breakpoint
CREATE FUNCTION detection_stats_minute_track() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  sign integer := CASE TG_OP WHEN 'DELETE' THEN -1 ELSE 1 END;
BEGIN
  IF TG_OP = 'TRUNCATE' THEN
    IF TG_TABLE_NAME = 'detection_records' THEN
      UPDATE detection_stats_minute SET detections = 0, handwash = 0, sanitize = 0, hairnet = 0,
        processing_sum = 0, confidence_sum = 0
      WHERE detections <> 0;
    ELSE
      UPDATE detection_stats_minute SET violations = 0 WHERE violations <> 0;
    END IF;
    DELETE FROM detection_stats_minute WHERE detections = 0 AND violations = 0;
  -- One call per minute the statement touched, in time order. The rows of a transition table are
  -- records: their type is named to pick the share function.
  ELSIF TG_OP = 'UPDATE' AND TG_TABLE_NAME = 'detection_records' THEN
    PERFORM detection_stats_minute_add(array_agg(s), true)
    FROM (SELECT detection_stats_minute_share(o::detection_records, -1) s FROM old_rows o
          UNION ALL SELECT detection_stats_minute_share(n::detection_records, 1) FROM new_rows n) t
    GROUP BY (s).bucket ORDER BY (s).bucket;
  ELSIF TG_OP = 'UPDATE' THEN
    PERFORM detection_stats_minute_add(array_agg(s), true)
    FROM (SELECT detection_stats_minute_share(o::violation_events, -1) s FROM old_rows o
          UNION ALL SELECT detection_stats_minute_share(n::violation_events, 1) FROM new_rows n) t
    GROUP BY (s).bucket ORDER BY (s).bucket;
  ELSIF TG_TABLE_NAME = 'detection_records' THEN
    PERFORM detection_stats_minute_add(array_agg(s), sign < 0)
    FROM (SELECT detection_stats_minute_share(c::detection_records, sign) s FROM changed c) t
    GROUP BY (s).bucket ORDER BY (s).bucket;
  ELSE
    PERFORM detection_stats_minute_add(array_agg(s), sign < 0)
    FROM (SELECT detection_stats_minute_share(c::violation_events, sign) s FROM changed c) t
    GROUP BY (s).bucket ORDER BY (s).bucket;
  END IF;
  RETURN NULL;
END $$;
--> statement-breakpoint
-- Recomputes the whole table from the sources. Writers of the sources wait meanwhile (so nothing
-- is counted twice or missed), readers do not; concurrent rebuilds run one after the other.
CREATE FUNCTION detection_stats_minute_rebuild() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  LOCK TABLE detection_records, violation_events IN SHARE MODE;
  LOCK TABLE detection_stats_minute IN EXCLUSIVE MODE;
  DELETE FROM detection_stats_minute;
  PERFORM detection_stats_minute_add(array_agg(s), false)
  FROM (SELECT detection_stats_minute_share(d, 1) s FROM detection_records d) t
  GROUP BY (s).bucket ORDER BY (s).bucket;
  PERFORM detection_stats_minute_add(array_agg(s), false)
  FROM (SELECT detection_stats_minute_share(v, 1) s FROM violation_events v) t
  GROUP BY (s).bucket ORDER BY (s).bucket;
END $$;
--> statement-breakpoint
-- The same four triggers on both sources.
DO $$
DECLARE
  source text;
BEGIN
  FOREACH source IN ARRAY ARRAY['detection_records', 'violation_events'] LOOP
    EXECUTE format('CREATE TRIGGER detection_stats_minute_insert AFTER INSERT ON %I
      REFERENCING NEW TABLE AS changed FOR EACH STATEMENT
      EXECUTE FUNCTION detection_stats_minute_track()', source);
    EXECUTE format('CREATE TRIGGER detection_stats_minute_delete AFTER DELETE ON %I
      REFERENCING OLD TABLE AS changed FOR EACH STATEMENT
      EXECUTE FUNCTION detection_stats_minute_track()', source);
    EXECUTE format('CREATE TRIGGER detection_stats_minute_update AFTER UPDATE ON %I
      REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT
      EXECUTE FUNCTION detection_stats_minute_track()', source);
    EXECUTE format('CREATE TRIGGER detection_stats_minute_truncate AFTER TRUNCATE ON %I
      FOR EACH STATEMENT EXECUTE FUNCTION detection_stats_minute_track()', source);
  END LOOP;
END $$;
--> statement-breakpoint
-- Backfill: the rows a running deployment already has. The triggers above already hold off the
-- sources' writers until this migration commits.
SELECT detection_stats_minute_rebuild();
--> statement-breakpoint
ANALYZE detection_stats_minute;
