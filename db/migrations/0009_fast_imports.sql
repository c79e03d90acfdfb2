-- Imports at the speed of COPY (issue 18).
--   * trips becomes a table partitioned by import: a trip file is copied straight into a table
--     of its own, typed by COPY, its stations mapped as the rows arrive, and attached to trips
--     as the import commits, so its rows are written once (the staging table and the INSERT of
--     every row a second time are gone). The trips written before (and trips written by hand,
--     without an import) stay in trips_legacy;
--   * the set-based reference check of trips, which a table copied into and then attached does
--     not pass through, can be run on such a table as well.
-- Frozen once released: later changes go in later files.

-- ---------------------------------------------------------------------------------------------
-- trips, partitioned by import_id
-- ---------------------------------------------------------------------------------------------

ALTER TABLE trips RENAME TO trips_legacy;
DROP TRIGGER trips_station_references_insert ON trips_legacy;
DROP TRIGGER trips_station_references_update ON trips_legacy;

-- The same columns, defaults and checks (LIKE keeps the checks' names, which a partition must
-- share with its parent). A partitioned table cannot have a primary key that leaves out its
-- partition key, and import_id is NULL for trips written by hand: trip_id stays unique through
-- its identity (each partition keeps or gets its own index on it where reads need one).
CREATE TABLE trips (LIKE trips_legacy INCLUDING DEFAULTS INCLUDING CONSTRAINTS)
  PARTITION BY LIST (import_id);

DO $$
DECLARE
  last_trip bigint;
  imported text;
BEGIN
  SELECT max(trip_id) INTO last_trip FROM trips_legacy;
  ALTER TABLE trips_legacy ALTER COLUMN trip_id DROP IDENTITY;
  ALTER TABLE trips ALTER COLUMN trip_id ADD GENERATED ALWAYS AS IDENTITY;
  IF last_trip IS NOT NULL THEN
    PERFORM setval(pg_get_serial_sequence('trips', 'trip_id'), last_trip);
  END IF;
  -- Trips by hand (no import) and those of every import so far: later imports get their own.
  SELECT string_agg(import_id::text, ', ' ORDER BY import_id) INTO imported
    FROM (SELECT import_id FROM trip_imports
          UNION SELECT import_id FROM trips_legacy WHERE import_id IS NOT NULL) i;
  EXECUTE format('ALTER TABLE trips ATTACH PARTITION trips_legacy FOR VALUES IN (%s)',
                 concat_ws(', ', 'NULL', imported));
END $$;

-- The indexes of 0001 and 0004 on every partition (trips_legacy's own are adopted, not rebuilt).
-- An import's table gets them when it is attached, built once over its rows: cheaper than
-- keeping them up to date row by row while they arrive.
ALTER INDEX trips_started_at_brin RENAME TO trips_legacy_started_at_brin;
ALTER INDEX trips_unmatched_idx RENAME TO trips_legacy_unmatched_idx;
CREATE INDEX trips_started_at_brin ON trips USING brin (started_at);
CREATE INDEX trips_unmatched_idx ON trips (system_id, import_id)
  WHERE (start_station_id IS NULL AND start_station_raw IS NOT NULL)
     OR (end_station_id IS NULL AND end_station_raw IS NOT NULL);

-- ---------------------------------------------------------------------------------------------
-- The set-based reference check, for a statement's rows and for an import's table
-- ---------------------------------------------------------------------------------------------

-- The query of 0004's trips_check_references over any relation of trips' columns: a
-- statement's transition table (new_trips) or an import's table before it is attached. The
-- rows it names are locked FOR KEY SHARE, as an RI check locks them.
CREATE FUNCTION trips_missing_references_sql(relation text) RETURNS text
LANGUAGE sql IMMUTABLE AS $fn$
  SELECT format($q$
    WITH refs AS MATERIALIZED (
      SELECT system_id, import_id, start_station_id, end_station_id
        FROM %s GROUP BY 1, 2, 3, 4
    ), systems_wanted AS MATERIALIZED (
      SELECT DISTINCT system_id FROM refs
    ), systems_found AS MATERIALIZED (
      SELECT s.system_id FROM systems s JOIN systems_wanted w USING (system_id)
         FOR KEY SHARE OF s
    ), stations_wanted AS MATERIALIZED (
      SELECT system_id, start_station_id AS station_id FROM refs WHERE start_station_id IS NOT NULL
      UNION
      SELECT system_id, end_station_id FROM refs WHERE end_station_id IS NOT NULL
    ), stations_found AS MATERIALIZED (
      SELECT s.system_id, s.station_id
        FROM stations s JOIN stations_wanted w USING (system_id, station_id)
         FOR KEY SHARE OF s
    )
    SELECT (SELECT system_id FROM (SELECT system_id FROM systems_wanted
                                   EXCEPT SELECT system_id FROM systems_found) m
             LIMIT 1) AS system_id,
           (SELECT array[system_id, station_id]
              FROM (SELECT system_id, station_id FROM stations_wanted
                    EXCEPT SELECT system_id, station_id FROM stations_found) m
             LIMIT 1) AS station,
           (SELECT n.import_id
              FROM (SELECT DISTINCT import_id FROM refs WHERE import_id IS NOT NULL) n
             WHERE NOT EXISTS (SELECT 1 FROM trip_imports i WHERE i.import_id = n.import_id)
             LIMIT 1) AS import_id$q$, relation)
$fn$;

CREATE FUNCTION trips_raise_missing_references(system_id text, station text[], import_id bigint)
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  IF system_id IS NOT NULL THEN
    RAISE EXCEPTION 'trips name system "%", which does not exist', system_id
      USING ERRCODE = 'foreign_key_violation', CONSTRAINT = 'trips_system_references',
            TABLE = 'trips';
  END IF;
  IF station IS NOT NULL THEN
    RAISE EXCEPTION 'trips name station "%" of system "%", which does not exist',
      station[2], station[1]
      USING ERRCODE = 'foreign_key_violation', CONSTRAINT = 'trips_station_references',
            TABLE = 'trips';
  END IF;
  IF import_id IS NOT NULL THEN
    RAISE EXCEPTION 'trips name import %, which does not exist', import_id
      USING ERRCODE = 'foreign_key_violation', CONSTRAINT = 'trips_import_references',
            TABLE = 'trips';
  END IF;
END $$;

-- The statement trigger's check, now written once (the transition table is only visible to
-- the trigger function's own queries, hence the query text rather than a function call).
CREATE OR REPLACE FUNCTION trips_check_references() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  missing record;
BEGIN
  EXECUTE trips_missing_references_sql('new_trips') INTO missing;
  PERFORM trips_raise_missing_references(missing.system_id, missing.station, missing.import_id);
  RETURN NULL;
END $$;
CREATE TRIGGER trips_station_references_insert AFTER INSERT ON trips
  REFERENCING NEW TABLE AS new_trips
  FOR EACH STATEMENT EXECUTE FUNCTION trips_check_references();
CREATE TRIGGER trips_station_references_update AFTER UPDATE ON trips
  REFERENCING NEW TABLE AS new_trips
  FOR EACH STATEMENT EXECUTE FUNCTION trips_check_references();

-- An import's table, checked once before it is attached (COPY into it fires no trigger of trips).
CREATE FUNCTION trips_check_table_references(relation regclass) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
  missing record;
BEGIN
  EXECUTE trips_missing_references_sql(relation::text) INTO missing;
  PERFORM trips_raise_missing_references(missing.system_id, missing.station, missing.import_id);
END $$;
