-- Imports at the speed of COPY, continued (issue 18): station_flows partitioned by system and
-- time, so that an import whose quarter hours the system has no counts for yet (a new month,
-- the usual case) writes its counts into a table of its own, whose primary key is built once
-- over them, and attaches it as it commits. Inserting the four-month benchmark file's 491,764
-- bins through the key took 4.2 s; into a table of their own with the key built after, about a
-- third of that.
--   * one partition per range of a system's bins: an import's own, or, made here, one per
--     system for the counts written before;
--   * a default partition for counts that fall in no range (a remap, a rebuild, an import that
--     overlaps the counts of another: those add to the existing rows as before).
-- Frozen once released: later changes go in later files.

ALTER TABLE station_flows RENAME TO station_flows_before_0016;
ALTER TABLE station_flows_before_0016
  RENAME CONSTRAINT station_flows_key TO station_flows_before_0016_key;
ALTER INDEX station_flows_time_brin RENAME TO station_flows_before_0016_time_brin;

-- The same columns and checks (LIKE keeps the checks' names, which partitions share).
CREATE TABLE station_flows (
  LIKE station_flows_before_0016 INCLUDING DEFAULTS INCLUDING CONSTRAINTS,
  CONSTRAINT station_flows_key PRIMARY KEY (system_id, station_id, time_bin)
) PARTITION BY RANGE (system_id, time_bin);
CREATE INDEX station_flows_time_brin ON station_flows USING brin (time_bin)
  WITH (autosummarize = on);
-- The free 10 % of each page lets a later import's increments stay on the page (HOT).
CREATE TABLE station_flows_default PARTITION OF station_flows DEFAULT WITH (fillfactor = 90);

-- The counts so far: one partition per system, from its first bin to its last.
DO $$
DECLARE
  system record;
  part text;
  n integer := 0;
BEGIN
  FOR system IN
    SELECT system_id, min(time_bin) AS first_bin, max(time_bin) AS last_bin
      FROM station_flows_before_0016 GROUP BY system_id ORDER BY system_id
  LOOP
    n := n + 1;
    part := 'station_flows_system_' || n;
    EXECUTE format('CREATE TABLE %I (LIKE station_flows INCLUDING DEFAULTS INCLUDING CONSTRAINTS)'
                   ' WITH (fillfactor = 90)', part);
    EXECUTE format('INSERT INTO %I SELECT system_id, station_id, time_bin, outflow, inflow'
                   '  FROM station_flows_before_0016 WHERE system_id = %L'
                   ' ORDER BY time_bin, station_id', part, system.system_id);
    EXECUTE format('ALTER TABLE station_flows ATTACH PARTITION %I FOR VALUES FROM (%L, %L) TO (%L, %L)',
                   part, system.system_id, system.first_bin,
                   system.system_id, system.last_bin + interval '15 minutes');
  END LOOP;
END $$;

DROP TABLE station_flows_before_0016;
