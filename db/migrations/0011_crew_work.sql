-- The crew's working day (issue 15): shifts, the bikes picked up, tasks given back with a reason,
-- problem reports with a photo.
--   * a shift records the van's capacity and the bikes on board; a crew has at most one open
--     shift (the partial unique index), so a retried "Start shift" returns the open one;
--   * a pickup records the bikes actually taken and what the source showed at that moment, which
--     bound what a completion may say was moved;
--   * every give-back is kept in task_releases with its reason: the console reads it, and the
--     claim does not hand the task back to that crew for 30 minutes;
--   * problems are stored with their photo (at most 2 MB, JPEG, PNG or WebP) in the database.
-- Does not depend on 0010 (crew devices). Frozen once released: later changes go in later files.

CREATE TABLE crew_shifts (
  shift_id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  crew_id                 text NOT NULL REFERENCES crews ON UPDATE CASCADE,
  started_at              timestamptz NOT NULL DEFAULT now(),
  ended_at                timestamptz,
  van_capacity            integer NOT NULL CHECK (van_capacity BETWEEN 1 AND 200),
  bikes_on_board_at_start integer NOT NULL CHECK (bikes_on_board_at_start >= 0),
  -- On board now: the start's count while the shift is open, the end's once it ended.
  bikes_on_board          integer NOT NULL CHECK (bikes_on_board >= 0),
  CHECK (bikes_on_board_at_start <= van_capacity),
  CHECK (bikes_on_board <= van_capacity),
  CHECK (ended_at IS NULL OR ended_at >= started_at)
);
-- One open shift per crew: the start's retry finds it.
CREATE UNIQUE INDEX crew_shifts_one_open ON crew_shifts (crew_id) WHERE ended_at IS NULL;
CREATE INDEX crew_shifts_crew_idx ON crew_shifts (crew_id, started_at DESC);

ALTER TABLE tasks
  ADD COLUMN qty_picked integer CHECK (qty_picked >= 0),
  ADD COLUMN picked_at timestamptz,
  -- Bikes the source showed (station_status_latest) when the crew picked up.
  ADD COLUMN source_bikes_at_pickup integer CHECK (source_bikes_at_pickup >= 0),
  ADD CONSTRAINT tasks_picked_together CHECK ((qty_picked IS NULL) = (picked_at IS NULL));

CREATE TABLE task_releases (
  release_id  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  task_id     bigint NOT NULL REFERENCES tasks,
  crew_id     text NOT NULL,
  at          timestamptz NOT NULL DEFAULT now(),
  reason_code text CHECK (reason_code IN
                ('station_blocked', 'fewer_bikes', 'no_docks', 'van_full', 'station_broken', 'other')),
  reason      text NOT NULL CHECK (reason <> ''),
  released_by text NOT NULL
);
-- The claim's probe: was this task given back by this crew lately?
CREATE INDEX task_releases_task_crew_idx ON task_releases (task_id, crew_id, at DESC);

CREATE TABLE problems (
  problem_id      bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  system_id       text NOT NULL,
  station_id      text NOT NULL,
  kind            text NOT NULL CHECK (kind IN ('broken_docks', 'station_offline', 'vandalism', 'other')),
  note            text,
  photo           bytea CHECK (octet_length(photo) BETWEEN 1 AND 2097152),
  photo_type      text CHECK (photo_type IN ('image/jpeg', 'image/png', 'image/webp')),
  reported_by     text NOT NULL,
  crew_id         text REFERENCES crews ON UPDATE CASCADE,
  created_at      timestamptz NOT NULL DEFAULT now(),
  resolved_at     timestamptz,
  resolved_by     text,
  resolution_note text,
  FOREIGN KEY (system_id, station_id) REFERENCES stations (system_id, station_id),
  CHECK ((photo IS NULL) = (photo_type IS NULL)),
  CHECK ((resolved_at IS NULL) = (resolved_by IS NULL))
);
-- Photos are stored as they come (already compressed images).
ALTER TABLE problems ALTER COLUMN photo SET STORAGE EXTERNAL;
CREATE INDEX problems_open_idx ON problems (created_at DESC) WHERE resolved_at IS NULL;
CREATE INDEX problems_station_idx ON problems (system_id, station_id, created_at DESC);
