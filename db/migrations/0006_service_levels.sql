-- Service levels (issue 8): minutes empty and full, cluster outages, and how the crews did.
--   * status_snapshots: every moment a system's station_status was read (a poll that read new
--     data, or a snapshot of an imported history). station_status keeps a row only when a
--     station changed, so it alone cannot tell "no change" from "no poll"; "a polled state holds
--     until the next poll" is measured against these;
--   * station_status_absences: when a status file left a station out: from then until it is
--     listed again its numbers are unknown, not its last ones;
--   * status_imports / status_import_errors: recorded histories loaded with `import-status`;
--   * service_days, service_station_days, service_cluster_days: the daily summaries (seed 003's
--     junction_daily_stats), refreshed for the days new snapshots can change, so a month of 500
--     stations is read from 15,000 rows instead of being recomputed from the history.
-- Frozen once released: later changes go in later files.

-- ---------------------------------------------------------------------------------------------
-- Imported histories
-- ---------------------------------------------------------------------------------------------

CREATE TABLE status_imports (
  import_id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  system_id            text NOT NULL REFERENCES systems ON UPDATE CASCADE,
  file_name            text NOT NULL,
  -- Of the decompressed CSV: the same history as .csv or .csv.gz is one import.
  content_sha256       text NOT NULL CHECK (content_sha256 ~ '^[0-9a-f]{64}$'),
  rows_read            integer NOT NULL CHECK (rows_read >= 0),
  -- Rows kept: a station's row only where something changed since its previous one.
  rows_written         integer NOT NULL CHECK (rows_written >= 0),
  rows_rejected        integer NOT NULL CHECK (rows_rejected >= 0),
  -- Rows naming a station the system does not have (not written, counted).
  rows_unknown_station integer NOT NULL CHECK (rows_unknown_station >= 0),
  snapshots            integer NOT NULL CHECK (snapshots >= 0),
  stations             integer NOT NULL CHECK (stations >= 0),
  first_snapshot_at    timestamptz,
  last_snapshot_at     timestamptz,
  -- The median time between the file's consecutive snapshots: a gap longer than twice this is
  -- not bridged. The file's own, so a recorded week is judged by its own cadence.
  median_spacing_seconds double precision CHECK (median_spacing_seconds > 0),
  bytes                bigint NOT NULL CHECK (bytes >= 0),
  seconds              double precision NOT NULL CHECK (seconds >= 0),
  imported_at          timestamptz NOT NULL DEFAULT now(),
  UNIQUE (system_id, content_sha256)
);

CREATE TABLE status_import_errors (
  import_id  bigint NOT NULL REFERENCES status_imports ON DELETE CASCADE,
  -- The row's line in the file; the header is line 1.
  line       integer NOT NULL CHECK (line > 1),
  reason     text NOT NULL,
  fields     text[] NOT NULL,
  PRIMARY KEY (import_id, line)
);

-- ---------------------------------------------------------------------------------------------
-- Snapshots and absences
-- ---------------------------------------------------------------------------------------------

CREATE TABLE status_snapshots (
  system_id    text NOT NULL REFERENCES systems ON UPDATE CASCADE ON DELETE CASCADE,
  -- The instant the snapshot's station_status rows carry in ts.
  observed_at  timestamptz NOT NULL,
  source       text NOT NULL CHECK (source IN ('poll', 'import')),
  poll_id      bigint REFERENCES feed_polls ON DELETE SET NULL,
  import_id    bigint REFERENCES status_imports ON DELETE CASCADE,
  -- Stations the snapshot listed.
  stations     integer NOT NULL CHECK (stations >= 0),
  PRIMARY KEY (system_id, observed_at),
  CHECK (source = 'import' OR import_id IS NULL),
  CHECK (source = 'poll' OR (import_id IS NOT NULL AND poll_id IS NULL))
);

CREATE TABLE station_status_absences (
  system_id   text NOT NULL,
  station_id  text NOT NULL,
  -- The first snapshot that left the station out, and the first to list it again (NULL: not
  -- yet). An imported history closes its own at its last snapshot.
  since       timestamptz NOT NULL,
  until       timestamptz,
  PRIMARY KEY (system_id, station_id, since),
  FOREIGN KEY (system_id, station_id) REFERENCES stations ON UPDATE CASCADE,
  CHECK (until IS NULL OR until > since)
);
CREATE INDEX station_status_absences_open_idx ON station_status_absences (system_id, station_id)
  WHERE until IS NULL;

-- The polls before this migration: each that read a status file was a snapshot.
INSERT INTO status_snapshots (system_id, observed_at, source, poll_id, stations)
SELECT DISTINCT ON (f.system_id, p.started_at) f.system_id, p.started_at, 'poll', p.poll_id,
       p.stations_seen
  FROM feed_polls p
  JOIN feeds f USING (feed_id)
 WHERE p.outcome = 'ok' AND p.stations_seen > 0 AND f.system_id IS NOT NULL
 ORDER BY f.system_id, p.started_at, p.poll_id
ON CONFLICT DO NOTHING;

INSERT INTO station_status_absences (system_id, station_id, since)
SELECT system_id, station_id, missing_since
  FROM station_status_latest
 WHERE missing_since IS NOT NULL;

-- Great-circle metres on the mean Earth radius (IUGG, 6,371,008.8 m): what "within a third of a
-- mile" is decided by. earthdistance's earth() is 6,378,168 m, 0.11 % longer: 0.6 m at that
-- distance, and two pairs of Bay Wheels' 517 stations are between 536.0 and 536.5 m apart. Its
-- index still finds the candidates (earth_box, a little wider); this decides.
CREATE FUNCTION great_circle_meters(lat1 double precision, lon1 double precision,
                                    lat2 double precision, lon2 double precision)
RETURNS double precision LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
  SELECT 2 * 6371008.8 * asin(least(1, sqrt(
           sin(radians(lat2 - lat1) / 2) ^ 2
           + cos(radians(lat1)) * cos(radians(lat2)) * sin(radians(lon2 - lon1) / 2) ^ 2)))
$$;

-- ---------------------------------------------------------------------------------------------
-- Daily summaries
-- ---------------------------------------------------------------------------------------------

CREATE TABLE service_days (
  system_id       text NOT NULL REFERENCES systems ON UPDATE CASCADE ON DELETE CASCADE,
  day             date NOT NULL,
  -- The service hours (06:00-22:00 on the system's clock) as instants.
  window_start    timestamptz NOT NULL,
  window_end      timestamptz NOT NULL,
  -- The figures cover [window_start, least(as_of, window_end)).
  as_of           timestamptz NOT NULL,
  -- No poll still to come can change the day: a snapshot at or after window_end exists, or the
  -- last one before it is already further from as_of than the bridge.
  complete        boolean NOT NULL,
  snapshots       integer NOT NULL CHECK (snapshots >= 0),
  -- Polls at most this far apart were bridged (twice the median spacing); NULL without polls.
  bridge_seconds  double precision,
  stations        integer NOT NULL CHECK (stations >= 0),
  clusters        integer NOT NULL CHECK (clusters >= 0),
  computed_at     timestamptz NOT NULL DEFAULT now(),
  compute_ms      double precision NOT NULL DEFAULT 0,
  PRIMARY KEY (system_id, day),
  CHECK (window_end > window_start)
);

-- Seconds of the day's service hours each station spent in each state. empty, full, closed and
-- unknown never overlap; known = the service seconds up to as_of minus unknown.
CREATE TABLE service_station_days (
  system_id          text NOT NULL,
  day                date NOT NULL,
  station_id         text NOT NULL,
  seconds_known      double precision NOT NULL CHECK (seconds_known >= 0),
  seconds_empty      double precision NOT NULL CHECK (seconds_empty >= 0),
  seconds_full       double precision NOT NULL CHECK (seconds_full >= 0),
  seconds_closed     double precision NOT NULL CHECK (seconds_closed >= 0),
  seconds_unknown    double precision NOT NULL CHECK (seconds_unknown >= 0),
  -- At least 1 (2) usable bikes and 1 (2) operable docks.
  seconds_available_1 double precision NOT NULL CHECK (seconds_available_1 >= 0),
  seconds_available_2 double precision NOT NULL CHECK (seconds_available_2 >= 0),
  PRIMARY KEY (system_id, day, station_id),
  FOREIGN KEY (system_id, day) REFERENCES service_days ON UPDATE CASCADE ON DELETE CASCADE,
  FOREIGN KEY (system_id, station_id) REFERENCES stations ON UPDATE CASCADE
);

-- One cluster per station: itself and its neighbours that day.
CREATE TABLE service_cluster_days (
  system_id          text NOT NULL,
  day                date NOT NULL,
  station_id         text NOT NULL,
  -- The other stations of the cluster, nearest first.
  members            text[] NOT NULL,
  -- Out: no station of the cluster with a usable bike, or none with an operable dock.
  seconds_out        double precision NOT NULL CHECK (seconds_out >= 0),
  seconds_out_empty  double precision NOT NULL CHECK (seconds_out_empty >= 0),
  seconds_out_full   double precision NOT NULL CHECK (seconds_out_full >= 0),
  -- Of each outage, what lasted beyond the first 10 minutes in a row: the agreement's $1 minutes.
  seconds_outage     double precision NOT NULL CHECK (seconds_outage >= 0),
  episodes           integer NOT NULL CHECK (episodes >= 0),
  longest_seconds    double precision NOT NULL CHECK (longest_seconds >= 0),
  PRIMARY KEY (system_id, day, station_id),
  FOREIGN KEY (system_id, day) REFERENCES service_days ON UPDATE CASCADE ON DELETE CASCADE,
  FOREIGN KEY (system_id, station_id) REFERENCES stations ON UPDATE CASCADE,
  CHECK (seconds_outage <= seconds_out)
);

-- Crew analytics read completed tasks by time (tasks_status_idx covers created_at only).
CREATE INDEX tasks_completed_at_idx ON tasks (completed_at) WHERE completed_at IS NOT NULL;
CREATE INDEX task_assignments_assigned_at_idx ON task_assignments (assigned_at);
