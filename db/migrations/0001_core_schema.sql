-- The core schema: the seed's tables and views (seed 000), reconciled.
--   * stations are keyed by (system_id, station_id), ids TEXT, so several GBFS systems share one
--     database; everything that names a station has a foreign key to it;
--   * one task lifecycle (ready -> assigned -> completed, plus canceled) with an assignment
--     history, and the seed's backend_tasks shape as a view;
--   * suggestions keep their outcome instead of being deleted on approval;
--   * station_status is range-partitioned by time with BRIN;
--   * station_flows and imbalance_scores are materialized views with unique indexes, so they
--     refresh concurrently;
--   * from seeds 003/004: an append-only audit log, feed health, CHECK constraints everywhere.
-- Frozen once released: later changes go in later files.

CREATE EXTENSION IF NOT EXISTS cube;
CREATE EXTENSION IF NOT EXISTS earthdistance;

-- updated_at maintenance, shared by every table that has the column.
CREATE FUNCTION touch_updated_at() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.updated_at := now();
  RETURN NEW;
END $$;

-- ---------------------------------------------------------------------------------------------
-- Systems and stations
-- ---------------------------------------------------------------------------------------------

-- One bike-share system (one GBFS feed's system_id, e.g. "lyft_bay", "fgb", "divvy").
CREATE TABLE systems (
  system_id   text PRIMARY KEY CHECK (system_id <> ''),
  name        text NOT NULL,
  timezone    text NOT NULL DEFAULT 'America/Los_Angeles',
  language    text,
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE TRIGGER systems_touch BEFORE UPDATE ON systems
  FOR EACH ROW EXECUTE FUNCTION touch_updated_at();

CREATE TABLE stations (
  system_id     text NOT NULL REFERENCES systems ON UPDATE CASCADE,
  -- Opaque GBFS ids: "74", UUIDs, "00010001", 19-digit numbers, "5065.10".
  station_id    text NOT NULL CHECK (station_id <> ''),
  name          text NOT NULL,
  -- Trip files name stations by these rather than by station_id.
  short_name    text,
  legacy_id     text,
  external_id   text,
  region_id     text,
  -- NULL when the feed does not say (BCycle publishes no capacity at all).
  capacity      integer CHECK (capacity >= 0),
  lat           double precision NOT NULL CHECK (lat BETWEEN -90 AND 90),
  lon           double precision NOT NULL CHECK (lon BETWEEN -180 AND 180),
  -- Stations gone from the feed are marked inactive, never deleted: history refers to them.
  is_active     boolean NOT NULL DEFAULT true,
  first_seen_at timestamptz NOT NULL DEFAULT now(),
  last_seen_at  timestamptz NOT NULL DEFAULT now(),
  updated_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (system_id, station_id)
);
CREATE TRIGGER stations_touch BEFORE UPDATE ON stations
  FOR EACH ROW EXECUTE FUNCTION touch_updated_at();
-- Nearest-station queries (cube + earthdistance exist on every PostgreSQL).
CREATE INDEX stations_earth_idx ON stations USING gist (ll_to_earth(lat, lon));
CREATE INDEX stations_short_name_idx ON stations (system_id, short_name) WHERE short_name IS NOT NULL;
CREATE INDEX stations_legacy_id_idx ON stations (system_id, legacy_id) WHERE legacy_id IS NOT NULL;
CREATE INDEX stations_external_id_idx ON stations (system_id, external_id) WHERE external_id IS NOT NULL;

-- ---------------------------------------------------------------------------------------------
-- Station status: a row only when something about a station changed
-- ---------------------------------------------------------------------------------------------

CREATE TABLE station_status (
  system_id             text NOT NULL,
  station_id            text NOT NULL,
  -- When this state was observed (the poll's time); the seed's insert timestamp.
  ts                    timestamptz NOT NULL,
  -- The feed's own time; NULL when it sent a sentinel (0, 86400, 18001) rather than a time.
  last_reported         timestamptz,
  num_bikes_available   integer NOT NULL CHECK (num_bikes_available >= 0),
  num_ebikes_available  integer CHECK (num_ebikes_available >= 0),
  num_docks_available   integer NOT NULL CHECK (num_docks_available >= 0),
  num_bikes_disabled    integer CHECK (num_bikes_disabled >= 0),
  num_docks_disabled    integer CHECK (num_docks_disabled >= 0),
  is_installed          boolean NOT NULL,
  is_renting            boolean NOT NULL,
  is_returning          boolean NOT NULL,
  PRIMARY KEY (system_id, station_id, ts),
  FOREIGN KEY (system_id, station_id) REFERENCES stations
) PARTITION BY RANGE (ts);
-- Rows arrive in time order, so a BRIN index answers time ranges at a tiny fraction of a btree.
CREATE INDEX station_status_ts_brin ON station_status USING brin (ts);

-- Monthly partitions, created ahead for the future and on demand for any past range written
-- (a replayed or imported week). Writers call this before writing a time range.
CREATE FUNCTION ensure_station_status_partitions(range_start timestamptz, range_end timestamptz)
RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
  month_start timestamptz;
  month_end   timestamptz;
  part_name   text;
  created     integer := 0;
BEGIN
  IF range_end < range_start THEN
    RAISE EXCEPTION 'range_end % is before range_start %', range_end, range_start
      USING ERRCODE = '22023';
  END IF;
  -- Months are cut in UTC so that partition bounds do not depend on the session time zone.
  month_start := date_trunc('month', range_start AT TIME ZONE 'UTC') AT TIME ZONE 'UTC';
  WHILE month_start <= range_end LOOP
    month_end := (date_trunc('month', month_start AT TIME ZONE 'UTC') + interval '1 month')
                 AT TIME ZONE 'UTC';
    part_name := 'station_status_' || to_char(month_start AT TIME ZONE 'UTC', 'YYYY_MM');
    IF to_regclass(part_name) IS NULL THEN
      -- Serialise creators (two consoles, or a poll racing an import). The catalog lookup above
      -- can still miss a partition the lock holder just committed, so its "already exists" is
      -- the answer "made by someone else".
      PERFORM pg_advisory_xact_lock(hashtext('station_status_partitions'));
      BEGIN
        EXECUTE format(
          'CREATE TABLE %I PARTITION OF station_status FOR VALUES FROM (%L) TO (%L)',
          part_name, month_start, month_end);
        created := created + 1;
      EXCEPTION WHEN duplicate_table THEN
        NULL;
      END;
    END IF;
    month_start := month_end;
  END LOOP;
  RETURN created;
END $$;

SELECT ensure_station_status_partitions(now() - interval '1 month', now() + interval '3 months');

-- The latest known state of every station, kept by the writers in the same transaction as the
-- history rows; what the console and imbalance_scores read.
CREATE TABLE station_status_latest (
  LIKE station_status INCLUDING DEFAULTS INCLUDING CONSTRAINTS,
  PRIMARY KEY (system_id, station_id),
  FOREIGN KEY (system_id, station_id) REFERENCES stations
);

-- ---------------------------------------------------------------------------------------------
-- Feeds: what is polled, how it went, and every poll
-- ---------------------------------------------------------------------------------------------

CREATE TABLE feeds (
  feed_id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  url                   text NOT NULL UNIQUE CHECK (url ~ '^(https?|file)://'),
  -- Known once the feed has been read (system_information.system_id).
  system_id             text REFERENCES systems ON UPDATE CASCADE,
  enabled               boolean NOT NULL DEFAULT true,
  gbfs_version          text,
  ttl_seconds           integer CHECK (ttl_seconds >= 0),
  feed_last_updated     timestamptz,
  last_attempt_at       timestamptz,
  last_success_at       timestamptz,
  last_error_at         timestamptz,
  last_error            text,
  consecutive_failures  integer NOT NULL DEFAULT 0 CHECK (consecutive_failures >= 0),
  warnings              jsonb NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(warnings) = 'array'),
  station_count         integer CHECK (station_count >= 0),
  next_poll_at          timestamptz,
  created_at            timestamptz NOT NULL DEFAULT now(),
  updated_at            timestamptz NOT NULL DEFAULT now()
);
CREATE TRIGGER feeds_touch BEFORE UPDATE ON feeds
  FOR EACH ROW EXECUTE FUNCTION touch_updated_at();

-- Every poll, so that "no change" and "no poll" stay distinguishable.
CREATE TABLE feed_polls (
  poll_id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  feed_id             bigint NOT NULL REFERENCES feeds ON DELETE CASCADE,
  started_at          timestamptz NOT NULL,
  finished_at         timestamptz NOT NULL,
  outcome             text NOT NULL CHECK (outcome IN ('ok', 'not_modified', 'error')),
  http_status         integer,
  feed_last_updated   timestamptz,
  stations_seen       integer CHECK (stations_seen >= 0),
  status_rows_written integer CHECK (status_rows_written >= 0),
  stations_added      integer CHECK (stations_added >= 0),
  stations_inactivated integer CHECK (stations_inactivated >= 0),
  warnings            jsonb NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(warnings) = 'array'),
  error               text,
  CHECK (finished_at >= started_at),
  CHECK ((outcome = 'error') = (error IS NOT NULL))
);
CREATE INDEX feed_polls_feed_time_idx ON feed_polls (feed_id, started_at DESC);

-- ---------------------------------------------------------------------------------------------
-- Trips (Lyft trip files) and station flows
-- ---------------------------------------------------------------------------------------------

CREATE TABLE trips (
  trip_id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  system_id           text NOT NULL REFERENCES systems ON UPDATE CASCADE,
  ride_id             text,
  started_at          timestamptz NOT NULL,
  ended_at            timestamptz NOT NULL,
  duration_sec        integer CHECK (duration_sec >= 0),
  -- Mapped to the feed's station_id; NULL when the file's id matched no station.
  start_station_id    text,
  end_station_id      text,
  -- As the file gave them (a legacy number, a short_name, or NULL for dockless trips).
  start_station_raw   text,
  end_station_raw     text,
  start_station_name  text,
  end_station_name    text,
  start_lat           double precision CHECK (start_lat BETWEEN -90 AND 90),
  start_lon           double precision CHECK (start_lon BETWEEN -180 AND 180),
  end_lat             double precision CHECK (end_lat BETWEEN -90 AND 90),
  end_lon             double precision CHECK (end_lon BETWEEN -180 AND 180),
  rideable_type       text,
  member_type         text,
  bike_id             text,
  CHECK (ended_at >= started_at),
  FOREIGN KEY (system_id, start_station_id) REFERENCES stations (system_id, station_id),
  FOREIGN KEY (system_id, end_station_id) REFERENCES stations (system_id, station_id)
);
CREATE INDEX trips_started_at_brin ON trips USING brin (started_at);
CREATE INDEX trips_start_station_idx ON trips (system_id, start_station_id, started_at);
CREATE INDEX trips_end_station_idx ON trips (system_id, end_station_id, ended_at);

-- 15-minute inflow/outflow per station. Bins are cut on the UTC quarter hour, which is a local
-- quarter hour in every time zone a bike-share system uses.
CREATE MATERIALIZED VIEW station_flows AS
WITH events AS (
  SELECT system_id, start_station_id AS station_id,
         date_bin('15 minutes', started_at, timestamptz '2000-01-01 00:00:00+00') AS time_bin,
         1 AS outflow, 0 AS inflow
    FROM trips WHERE start_station_id IS NOT NULL
  UNION ALL
  SELECT system_id, end_station_id,
         date_bin('15 minutes', ended_at, timestamptz '2000-01-01 00:00:00+00'),
         0, 1
    FROM trips WHERE end_station_id IS NOT NULL
)
SELECT system_id, station_id, time_bin,
       sum(outflow)::integer AS outflow,
       sum(inflow)::integer AS inflow
  FROM events
 GROUP BY system_id, station_id, time_bin;
CREATE UNIQUE INDEX station_flows_key ON station_flows (system_id, station_id, time_bin);
CREATE INDEX station_flows_time_idx ON station_flows (time_bin);

-- The seed's urgency score over the latest status: bikes <= 2 -> 70, docks <= 2 -> 30.
CREATE MATERIALIZED VIEW imbalance_scores AS
SELECT s.system_id,
       s.station_id,
       s.name,
       l.num_bikes_available AS bikes,
       l.num_docks_available AS docks,
       s.capacity,
       l.last_reported,
       l.ts AS observed_at,
       now() AS computed_at,
       (CASE WHEN l.num_bikes_available <= 2 THEN 70 ELSE 0 END
        + CASE WHEN l.num_docks_available <= 2 THEN 30 ELSE 0 END) AS score
  FROM stations s
  JOIN station_status_latest l USING (system_id, station_id)
 WHERE s.is_active;
CREATE UNIQUE INDEX imbalance_scores_key ON imbalance_scores (system_id, station_id);
CREATE INDEX imbalance_scores_score_idx ON imbalance_scores (score DESC);

-- ---------------------------------------------------------------------------------------------
-- Suggestions, tasks, assignments
-- ---------------------------------------------------------------------------------------------

CREATE TYPE suggestion_status AS ENUM ('open', 'approved', 'rejected', 'superseded');
CREATE TYPE suggestion_source AS ENUM ('engine', 'seed_heuristic', 'dispatcher', 'external');

CREATE TABLE suggestions (
  id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  system_id       text NOT NULL REFERENCES systems ON UPDATE CASCADE,
  from_station_id text NOT NULL,
  to_station_id   text NOT NULL,
  qty             integer NOT NULL CHECK (qty > 0),
  reason          text NOT NULL DEFAULT '',
  source          suggestion_source NOT NULL DEFAULT 'external',
  -- The engine's estimate of what the move is worth; becomes the task's dispatch priority.
  value           double precision NOT NULL DEFAULT 0,
  status          suggestion_status NOT NULL DEFAULT 'open',
  created_by      text,
  created_at      timestamptz NOT NULL DEFAULT now(),
  decided_at      timestamptz,
  decided_by      text,
  decision_note   text,
  superseded_by   bigint REFERENCES suggestions,
  FOREIGN KEY (system_id, from_station_id) REFERENCES stations (system_id, station_id),
  FOREIGN KEY (system_id, to_station_id) REFERENCES stations (system_id, station_id),
  CHECK (from_station_id <> to_station_id),
  CHECK ((status = 'open') = (decided_at IS NULL)),
  CHECK (status = 'superseded' OR superseded_by IS NULL)
);
CREATE INDEX suggestions_open_idx ON suggestions (created_at, id) WHERE status = 'open';

CREATE TYPE task_status AS ENUM ('ready', 'assigned', 'completed', 'canceled');

CREATE TABLE tasks (
  id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  system_id       text NOT NULL REFERENCES systems ON UPDATE CASCADE,
  from_station_id text NOT NULL,
  to_station_id   text NOT NULL,
  qty             integer NOT NULL CHECK (qty > 0),
  -- What the crew reports it actually moved.
  qty_moved       integer CHECK (qty_moved >= 0),
  reason          text,
  -- Dispatch order: highest priority first, then oldest (the seed's order).
  priority        double precision NOT NULL DEFAULT 0,
  status          task_status NOT NULL DEFAULT 'ready',
  -- The crew holding the task (assigned) or that finished it (completed).
  worker_id       text,
  -- One approval makes at most one task.
  suggestion_id   bigint UNIQUE REFERENCES suggestions,
  note            text,
  created_by      text,
  created_at      timestamptz NOT NULL DEFAULT now(),
  assigned_at     timestamptz,
  completed_at    timestamptz,
  canceled_at     timestamptz,
  updated_at      timestamptz NOT NULL DEFAULT now(),
  FOREIGN KEY (system_id, from_station_id) REFERENCES stations (system_id, station_id),
  FOREIGN KEY (system_id, to_station_id) REFERENCES stations (system_id, station_id),
  CHECK (from_station_id <> to_station_id),
  CHECK (status <> 'ready' OR worker_id IS NULL),
  CHECK (status <> 'assigned' OR (worker_id IS NOT NULL AND assigned_at IS NOT NULL)),
  CHECK (status <> 'completed' OR (worker_id IS NOT NULL AND completed_at IS NOT NULL)),
  CHECK (status <> 'canceled' OR canceled_at IS NOT NULL),
  CHECK (qty_moved IS NULL OR status = 'completed')
);
CREATE TRIGGER tasks_touch BEFORE UPDATE ON tasks
  FOR EACH ROW EXECUTE FUNCTION touch_updated_at();
-- The dispatch queue: the claim reads the head of this index and skips locked rows.
CREATE INDEX tasks_ready_queue_idx ON tasks (priority DESC, created_at, id) WHERE status = 'ready';
CREATE INDEX tasks_status_idx ON tasks (status, created_at);
CREATE INDEX tasks_worker_idx ON tasks (worker_id, status) WHERE worker_id IS NOT NULL;
CREATE INDEX tasks_from_station_idx ON tasks (system_id, from_station_id);
CREATE INDEX tasks_to_station_idx ON tasks (system_id, to_station_id);

-- Legal status changes, enforced where no code path can skip them.
CREATE FUNCTION tasks_check_transition() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.status IS DISTINCT FROM OLD.status AND NOT (
       (OLD.status = 'ready'    AND NEW.status IN ('assigned', 'canceled'))
    OR (OLD.status = 'assigned' AND NEW.status IN ('completed', 'ready', 'canceled'))
  ) THEN
    RAISE EXCEPTION 'task % cannot go from % to %', OLD.id, OLD.status, NEW.status
      USING ERRCODE = '23514', CONSTRAINT = 'tasks_status_transition';
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER tasks_transition BEFORE UPDATE OF status ON tasks
  FOR EACH ROW EXECUTE FUNCTION tasks_check_transition();

CREATE FUNCTION suggestions_check_transition() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.status IS DISTINCT FROM OLD.status AND OLD.status <> 'open' THEN
    RAISE EXCEPTION 'suggestion % is already %', OLD.id, OLD.status
      USING ERRCODE = '23514', CONSTRAINT = 'suggestions_status_transition';
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER suggestions_transition BEFORE UPDATE OF status ON suggestions
  FOR EACH ROW EXECUTE FUNCTION suggestions_check_transition();

-- Who held each task and how it ended: the seed's `assignments`, kept for every hand-out.
CREATE TABLE task_assignments (
  assignment_id   bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  task_id         bigint NOT NULL REFERENCES tasks,
  worker_id       text NOT NULL,
  assigned_at     timestamptz NOT NULL DEFAULT now(),
  ended_at        timestamptz,
  outcome         text CHECK (outcome IN ('completed', 'released', 'canceled')),
  end_reason      text,
  CHECK ((ended_at IS NULL) = (outcome IS NULL)),
  CHECK (ended_at IS NULL OR ended_at >= assigned_at)
);
-- A task is held by at most one crew at a time.
CREATE UNIQUE INDEX task_assignments_open_idx ON task_assignments (task_id) WHERE ended_at IS NULL;
CREATE INDEX task_assignments_task_idx ON task_assignments (task_id, assigned_at);
CREATE INDEX task_assignments_worker_idx ON task_assignments (worker_id, assigned_at);

-- The seed's backend table shape, for tools built against it.
CREATE VIEW backend_tasks AS
SELECT id, from_station_id, to_station_id, qty, reason, status, worker_id, created_at
  FROM tasks;

-- The seed's warehouse `assignments` shape over the history.
CREATE VIEW assignments AS
SELECT assignment_id, task_id, worker_id AS assignee, assigned_at,
       CASE WHEN outcome = 'completed' THEN ended_at END AS completed_at
  FROM task_assignments;

-- ---------------------------------------------------------------------------------------------
-- Audit log of dispatcher and crew actions (seed 003): append-only
-- ---------------------------------------------------------------------------------------------

CREATE TABLE audit_log (
  audit_id    bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  at          timestamptz NOT NULL DEFAULT now(),
  actor       text NOT NULL,
  actor_role  text,
  action      text NOT NULL CHECK (action ~ '^[a-z_]+\.[a-z_]+$'),
  entity      text NOT NULL,
  entity_id   text,
  detail      jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(detail) = 'object'),
  request_id  text
);
CREATE INDEX audit_log_at_brin ON audit_log USING brin (at);
CREATE INDEX audit_log_entity_idx ON audit_log (entity, entity_id);

CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_log is append-only' USING ERRCODE = '42501';
END $$;
CREATE TRIGGER audit_log_no_update BEFORE UPDATE OR DELETE ON audit_log
  FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();

-- ---------------------------------------------------------------------------------------------
-- PostGIS, where the server has it: the seed's geom column for GIS tools (QGIS, Metabase).
-- Also called at every start, so a server that gains PostGIS later gains the column.
-- ---------------------------------------------------------------------------------------------

CREATE FUNCTION enable_postgis_geometry() RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'postgis') THEN
    RETURN false;
  END IF;
  BEGIN
    CREATE EXTENSION IF NOT EXISTS postgis;
  EXCEPTION WHEN insufficient_privilege THEN
    RAISE WARNING 'PostGIS is available but this role may not create it; stations.geom is skipped';
    RETURN false;
  END;
  IF NOT EXISTS (SELECT 1 FROM information_schema.columns
                  WHERE table_schema = current_schema() AND table_name = 'stations'
                    AND column_name = 'geom') THEN
    EXECUTE 'ALTER TABLE stations ADD COLUMN geom geography(Point, 4326) GENERATED ALWAYS AS '
         || '(ST_SetSRID(ST_MakePoint(lon, lat), 4326)::geography) STORED';
    EXECUTE 'CREATE INDEX stations_geom_idx ON stations USING gist (geom)';
  END IF;
  RETURN true;
END $$;

SELECT enable_postgis_geometry();
