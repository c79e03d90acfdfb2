-- No silent poison (issue 16): a trip import whose station ids match fewer than half of its
-- trips' ends is quarantined. Its table (trips_import_<id>) is kept apart, not a partition of
-- trips, and its counts are not in station_flows (so not in profiles nor in the engine's fit),
-- until a person accepts it (attached, counted) or discards it (its table and record deleted).
-- Frozen once released: later changes go in later files.

ALTER TABLE trip_imports
  ADD COLUMN status text NOT NULL DEFAULT 'imported'
    CHECK (status IN ('imported', 'quarantined')),
  -- Trip ends (starts and ends) that name a station id, and those that matched a station, at
  -- import time. NULL for imports before 0012.
  ADD COLUMN trip_ends integer CHECK (trip_ends >= 0),
  ADD COLUMN trip_ends_matched integer CHECK (trip_ends_matched BETWEEN 0 AND trip_ends),
  -- Who accepted a quarantined import, and when.
  ADD COLUMN accepted_by text,
  ADD COLUMN accepted_at timestamptz;

CREATE INDEX trip_imports_quarantined_idx ON trip_imports (system_id) WHERE status = 'quarantined';

-- The engine keeps its model when a new fit is worse on held-out days: each system's last
-- comparison of the two (both errors), which the System page shows, and which spares the
-- engine fitting the same data again until newer flows arrive or it is a day old.
CREATE TABLE engine_model_checks (
  system_id          text PRIMARY KEY REFERENCES systems ON UPDATE CASCADE ON DELETE CASCADE,
  checked_at         timestamptz NOT NULL DEFAULT now(),
  -- The newest station_flows bin when it was checked.
  latest_flow        timestamptz NOT NULL,
  held_out_from      timestamptz NOT NULL,
  held_out_to        timestamptz NOT NULL,
  held_out_days      integer NOT NULL CHECK (held_out_days > 0),
  -- The model in use and the new fit, as MAE of 15-minute counts on the held-out days.
  previous_version   integer NOT NULL,
  previous_mae       double precision NOT NULL CHECK (previous_mae >= 0),
  new_mae            double precision NOT NULL CHECK (new_mae >= 0),
  kept_previous      boolean NOT NULL
);
