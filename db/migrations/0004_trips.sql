-- Trip import and station flows (issue 5).
--   * trip_imports: one row per imported file, keyed by the hash of its CSV content, so the same
--     file imported again is recognised; trip_import_errors keeps every rejected row;
--   * trips: the foreign keys to systems and stations become one set-based check per
--     statement, and the two (system, station, time) btree indexes go (figures below);
--   * station_flows becomes a table that each import brings up to date for its own trips
--     instead of a materialized view refreshed over all history.

-- ---------------------------------------------------------------------------------------------
-- Imports and rejected rows
-- ---------------------------------------------------------------------------------------------

CREATE TABLE trip_imports (
  import_id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  system_id            text NOT NULL REFERENCES systems ON UPDATE CASCADE,
  file_name            text NOT NULL,
  -- Of the decompressed CSV: the same trips as .csv, .csv.gz or .zip are one import.
  content_sha256       text NOT NULL CHECK (content_sha256 ~ '^[0-9a-f]{64}$'),
  format               text NOT NULL CHECK (format IN ('fordgobike', 'lyft', 'motivate')),
  timezone             text NOT NULL,
  -- The stations column the file's ids were matched against; NULL when the system had none.
  station_key          text CHECK (station_key IN ('station_id', 'short_name', 'legacy_id', 'external_id')),
  rows_read            integer NOT NULL CHECK (rows_read >= 0),
  rows_imported        integer NOT NULL CHECK (rows_imported >= 0),
  rows_rejected        integer NOT NULL CHECK (rows_rejected >= 0),
  -- Distinct station ids the file names, and how many of them matched a station.
  station_ids          integer NOT NULL CHECK (station_ids >= 0),
  station_ids_matched  integer NOT NULL CHECK (station_ids_matched BETWEEN 0 AND station_ids),
  -- Trips with an end whose id matched no station, at import time (a later remap lowers it).
  trips_unmatched      integer NOT NULL CHECK (trips_unmatched >= 0),
  first_started_at     timestamptz,
  last_started_at      timestamptz,
  last_ended_at        timestamptz,
  bytes                bigint NOT NULL CHECK (bytes >= 0),
  seconds              double precision NOT NULL CHECK (seconds >= 0),
  imported_at          timestamptz NOT NULL DEFAULT now(),
  CHECK (rows_imported + rows_rejected = rows_read),
  UNIQUE (system_id, content_sha256)
);

CREATE TABLE trip_import_errors (
  import_id  bigint NOT NULL REFERENCES trip_imports ON DELETE CASCADE,
  -- The row's line in the file; the header is line 1.
  line       integer NOT NULL CHECK (line > 1),
  reason     text NOT NULL,
  -- The row as the file gave it, one element per column of the header.
  fields     text[] NOT NULL,
  PRIMARY KEY (import_id, line)
);

-- ---------------------------------------------------------------------------------------------
-- Trips: bulk-loaded, read by time range
-- ---------------------------------------------------------------------------------------------

ALTER TABLE trips ADD COLUMN import_id bigint;

-- Inserting one month (106,718 trips, PostgreSQL 15, 2 cores): 2.5 s with the 0001 foreign keys
-- and indexes; 1.4 s without the two station foreign keys (each row ran two RI lookups), 1.1 s
-- without the system's as well; 0.35 s without the two (system, station, time) btree indexes
-- too (random inserts into text-keyed btrees). A COPY of the same rows takes 0.3 s.
-- Station-level reads go to station_flows; trips are read by time range (BRIN) and by import.
DROP INDEX trips_start_station_idx;
DROP INDEX trips_end_station_idx;
ALTER TABLE trips DROP CONSTRAINT trips_system_id_start_station_id_fkey;
ALTER TABLE trips DROP CONSTRAINT trips_system_id_end_station_id_fkey;
ALTER TABLE trips DROP CONSTRAINT trips_system_id_fkey;

-- Trips whose file id matched no station yet: what a remap after a feed poll looks at.
CREATE INDEX trips_unmatched_idx ON trips (system_id, import_id)
  WHERE (start_station_id IS NULL AND start_station_raw IS NOT NULL)
     OR (end_station_id IS NULL AND end_station_raw IS NOT NULL);

-- The foreign keys, checked once per statement over all its rows (one join of the distinct
-- systems and station ids, about 300 for a month, instead of three lookups per row). The rows
-- are locked FOR KEY SHARE exactly as an RI check locks them, so that they cannot be deleted
-- between this check and the commit; the triggers further down cover the other side.
-- One pass over the statement's rows: grouped by all four references at once (a month: 107k
-- rows, about 14k groups), then the systems, stations and imports from the groups: about 55 ms
-- of the month's insert, where three passes of DISTINCT/UNION over the rows took about 105 ms.
CREATE FUNCTION trips_check_references() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  missing record;
BEGIN
  WITH refs AS MATERIALIZED (
    SELECT system_id, import_id, start_station_id, end_station_id
      FROM new_trips GROUP BY 1, 2, 3, 4
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
  -- EXCEPT reads all of each side, so every row wanted is locked before the answer.
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
           LIMIT 1) AS import_id
    INTO missing;
  IF missing.system_id IS NOT NULL THEN
    RAISE EXCEPTION 'trips name system "%", which does not exist', missing.system_id
      USING ERRCODE = 'foreign_key_violation', CONSTRAINT = 'trips_system_references',
            TABLE = 'trips';
  END IF;
  IF missing.station IS NOT NULL THEN
    RAISE EXCEPTION 'trips name station "%" of system "%", which does not exist',
      missing.station[2], missing.station[1]
      USING ERRCODE = 'foreign_key_violation', CONSTRAINT = 'trips_station_references',
            TABLE = 'trips';
  END IF;
  IF missing.import_id IS NOT NULL THEN
    RAISE EXCEPTION 'trips name import %, which does not exist', missing.import_id
      USING ERRCODE = 'foreign_key_violation', CONSTRAINT = 'trips_import_references',
            TABLE = 'trips';
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER trips_station_references_insert AFTER INSERT ON trips
  REFERENCING NEW TABLE AS new_trips
  FOR EACH STATEMENT EXECUTE FUNCTION trips_check_references();
CREATE TRIGGER trips_station_references_update AFTER UPDATE ON trips
  REFERENCING NEW TABLE AS new_trips
  FOR EACH STATEMENT EXECUTE FUNCTION trips_check_references();

-- The referenced side: a station (or import) that trips name cannot be deleted or re-keyed.
-- Checked at commit, so that renaming a system (which cascades to stations and to trips in
-- one statement) is judged on the result. Stations are never deleted in normal operation,
-- which is why a scan of trips is acceptable here.
CREATE FUNCTION stations_keep_trip_references() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE' AND NEW.system_id = OLD.system_id AND NEW.station_id = OLD.station_id THEN
    RETURN NULL;
  END IF;
  IF EXISTS (SELECT 1 FROM stations
              WHERE system_id = OLD.system_id AND station_id = OLD.station_id) THEN
    RETURN NULL;
  END IF;
  IF EXISTS (SELECT 1 FROM trips
              WHERE system_id = OLD.system_id
                AND (start_station_id = OLD.station_id OR end_station_id = OLD.station_id)) THEN
    RAISE EXCEPTION 'station "%" of system "%" is named by trips', OLD.station_id, OLD.system_id
      USING ERRCODE = 'foreign_key_violation', CONSTRAINT = 'trips_station_references',
            TABLE = 'stations';
  END IF;
  RETURN NULL;
END $$;
CREATE CONSTRAINT TRIGGER stations_keep_trip_references
  AFTER DELETE OR UPDATE OF system_id, station_id ON stations
  DEFERRABLE INITIALLY DEFERRED
  FOR EACH ROW EXECUTE FUNCTION stations_keep_trip_references();

-- A renamed system takes its trips and flows along (as ON UPDATE CASCADE did); one with trips
-- cannot be deleted. Runs after the RI cascades (trigger order is by name: "RI_..." first), so
-- the system's stations already carry the new id when the trips follow.
CREATE FUNCTION systems_carry_trips() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE' THEN
    IF NEW.system_id <> OLD.system_id THEN
      UPDATE trips SET system_id = NEW.system_id WHERE system_id = OLD.system_id;
      UPDATE station_flows SET system_id = NEW.system_id WHERE system_id = OLD.system_id;
    END IF;
  ELSIF EXISTS (SELECT 1 FROM trips WHERE system_id = OLD.system_id) THEN
    RAISE EXCEPTION 'system "%" has trips', OLD.system_id
      USING ERRCODE = 'foreign_key_violation', CONSTRAINT = 'trips_system_references',
            TABLE = 'systems';
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER systems_carry_trips AFTER UPDATE OF system_id OR DELETE ON systems
  FOR EACH ROW EXECUTE FUNCTION systems_carry_trips();

CREATE FUNCTION trip_imports_keep_trips() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM trips WHERE import_id = OLD.import_id) THEN
    RAISE EXCEPTION 'import % still has trips', OLD.import_id
      USING ERRCODE = 'foreign_key_violation', CONSTRAINT = 'trips_import_references',
            TABLE = 'trip_imports';
  END IF;
  RETURN NULL;
END $$;
CREATE CONSTRAINT TRIGGER trip_imports_keep_trips
  AFTER DELETE ON trip_imports
  DEFERRABLE INITIALLY DEFERRED
  FOR EACH ROW EXECUTE FUNCTION trip_imports_keep_trips();

-- ---------------------------------------------------------------------------------------------
-- Local times of trip files
-- ---------------------------------------------------------------------------------------------

-- The instants a local time (no offset, as trip files give it) can mean in a time zone: one,
-- or two in the hour repeated when daylight time ends (PostgreSQL itself picks the later).
-- A time in the hour skipped when daylight time starts keeps PostgreSQL's reading.
CREATE FUNCTION local_time_instants(local_time timestamp, tz text)
RETURNS timestamptz[] LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT coalesce(array_agg(DISTINCT v.instant ORDER BY v.instant)
                    FILTER (WHERE v.instant AT TIME ZONE tz = local_time),
                  ARRAY[c.chosen])
    FROM (SELECT local_time AT TIME ZONE tz AS chosen) c,
         -- the same wall time read with the offsets in force 12 hours either side of it
         LATERAL (VALUES (c.chosen),
                         ((local_time - ((c.chosen - interval '12 hours') AT TIME ZONE tz
                                         - (c.chosen - interval '12 hours') AT TIME ZONE 'UTC'))
                          AT TIME ZONE 'UTC'),
                         ((local_time - ((c.chosen + interval '12 hours') AT TIME ZONE tz
                                         - (c.chosen + interval '12 hours') AT TIME ZONE 'UTC'))
                          AT TIME ZONE 'UTC')) AS v (instant)
   GROUP BY c.chosen
$$;

-- Start and end instants of a trip given in local times. Only called for the few trips whose
-- default reading disagrees with their duration (or ends before it starts): of the candidate
-- readings, the one whose length best matches duration_sec (files give floor(end - start)),
-- or without a duration the shortest that does not end before it starts.
CREATE FUNCTION trip_instants(start_local timestamp, end_local timestamp, duration_sec integer,
                              tz text, OUT started_at timestamptz, OUT ended_at timestamptz)
LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT s, e
    FROM unnest(local_time_instants(start_local, tz)) AS s,
         unnest(local_time_instants(end_local, tz)) AS e
   ORDER BY CASE
              WHEN duration_sec IS NOT NULL
                THEN abs(extract(epoch FROM e - s) - duration_sec - 0.5)
              WHEN e >= s THEN extract(epoch FROM e - s)
              ELSE 1e12
            END,
            -- ties: PostgreSQL's own reading (the later instants)
            s DESC, e DESC
   LIMIT 1
$$;

-- A cast that answers NULL instead of failing, for the careful pass over a file whose values do
-- not all parse (the fast pass casts directly; see trips.repository.ts). Only dates need it:
-- a pattern can tell a number, not whether February has a 30th.
CREATE FUNCTION try_timestamp(value text) RETURNS timestamp LANGUAGE plpgsql STABLE AS $$
BEGIN
  RETURN value::timestamp;
EXCEPTION WHEN data_exception THEN
  RETURN NULL;
END $$;

-- ---------------------------------------------------------------------------------------------
-- Station flows: a table kept up to date by each import
-- ---------------------------------------------------------------------------------------------

-- A concurrent refresh of the materialized view recounts all history (2.5-3 s for one month,
-- growing with every month imported); each import instead adds its own trips' counts to the
-- bins they touch, in its own transaction (readers see the old counts until it commits).
-- Same name and columns as the view it replaces.
DROP MATERIALIZED VIEW station_flows;
CREATE TABLE station_flows (
  system_id   text NOT NULL,
  station_id  text NOT NULL,
  -- Cut on the UTC quarter hour, which is a local quarter hour in every time zone in use.
  time_bin    timestamptz NOT NULL
    CHECK (time_bin = date_bin('15 minutes', time_bin, timestamptz '2000-01-01 00:00:00+00')),
  outflow     integer NOT NULL CHECK (outflow >= 0),
  inflow      integer NOT NULL CHECK (inflow >= 0),
  CONSTRAINT station_flows_key PRIMARY KEY (system_id, station_id, time_bin)
) WITH (fillfactor = 90);
-- System-wide reads by time. Imports write their bins in time order, so a BRIN index finds a
-- range; a btree on (system_id, time_bin) added 0.4 s to the 0.5 s write of a month's 123k bins.
-- The free 10 % of each page lets a later import's increments stay on the page (HOT).
CREATE INDEX station_flows_time_brin ON station_flows USING brin (time_bin)
  WITH (autosummarize = on);
