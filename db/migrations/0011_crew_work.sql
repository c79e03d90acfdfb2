-- The crew's working day (issue 15): shifts, the bikes picked up, tasks given back with a reason,
-- problem reports with a photo.
--   * a shift records the van's capacity and the bikes on board; a crew has at most one open
--     shift (the partial unique index), so a retried "Start shift" returns the open one;
--   * a pickup records the bikes actually taken and what the source showed at that moment, which
--     bound what a completion may say was moved;
--   * every give-back is kept in task_releases with its reason: the console reads it, and the
--     claim does not hand the task back to that crew for 30 minutes;
--   * problems are stored with their photo (at most 2 MB, JPEG, PNG or WebP) in the database.
--   * the claim, now a function: nearest of equal priorities, the give-back cooldown.
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

-- The claim (src/server/dispatch/dispatch.repository.ts explains it): the same one statement as
-- before, plus two things. Of equal priorities the shortest drive from the crew's last known
-- position goes first (the engine's detour factor and speed are passed in, from DEFAULT_TIMING);
-- without a position a one-time filter picks the index order as before. A task the crew gave
-- back with a reason_code within p_cooldown_minutes is skipped. In a PL/pgSQL function so that
-- each pooled connection plans the statement once and reuses the plan: planned afresh on every
-- call, its two queue reads cost more to plan than to run (measured with pgbench: about twice
-- the old claim's time; as a function, the old claim's time).
CREATE FUNCTION claim_next_task(
  p_crew text, p_actor text, p_role api_role, p_request_id text,
  p_detour double precision, p_speed_kmh double precision, p_cooldown_minutes integer
) RETURNS TABLE (task tasks, already_held boolean)
LANGUAGE plpgsql
AS $$
BEGIN
  RETURN QUERY
    with held as (
      select t.* from tasks t where t.worker_id = p_crew and t.status = 'assigned'
    ), crew as (
      select coalesce(c.van_capacity, 2147483647) as capacity, c.last_lat, c.last_lon
        from crews c where c.crew_id = p_crew
    ), next_in_order as (
      select t.id from tasks t
       where t.status = 'ready'
         and t.qty <= coalesce((select capacity from crew), 2147483647)
         and not exists (select from held)
         and (select last_lat from crew) is null
         and not exists (
           select from task_releases r
            where r.task_id = t.id and r.crew_id = p_crew and r.reason_code is not null
              and r.at > now() - make_interval(mins => p_cooldown_minutes))
       order by t.priority desc, t.created_at, t.id
       limit 1
       for update of t skip locked
    ), next_near as (
      select t.id from tasks t
        join stations s on s.system_id = t.system_id and s.station_id = t.from_station_id
       where t.status = 'ready'
         and t.qty <= coalesce((select capacity from crew), 2147483647)
         and not exists (select from held)
         and (select last_lat from crew) is not null
         and not exists (
           select from task_releases r
            where r.task_id = t.id and r.crew_id = p_crew and r.reason_code is not null
              and r.at > now() - make_interval(mins => p_cooldown_minutes))
       order by t.priority desc,
                2 * 6371.0088 * asin(least(1, sqrt(
                  sin(radians(s.lat - (select last_lat from crew)) / 2) ^ 2
                  + cos(radians(s.lat)) * cos(radians((select last_lat from crew)))
                    * sin(radians(s.lon - (select last_lon from crew)) / 2) ^ 2)))
                  * p_detour / p_speed_kmh * 60,
                t.created_at, t.id
       limit 1
       for update of t skip locked
    ), claimed as (
      update tasks t
         set status = 'assigned', worker_id = p_crew, assigned_at = now()
        from (select id from next_in_order union all select id from next_near) as next
       where t.id = next.id
      returning t.*
    ), history as (
      insert into task_assignments (task_id, worker_id, assigned_at)
      select c.id, c.worker_id, c.assigned_at from claimed c
    ), audit as (
      insert into audit_log (actor, actor_role, action, entity, entity_id, detail, request_id)
      select p_actor, p_role, 'task.dispatch', 'task', c.id::text,
             jsonb_build_object('worker_id', c.worker_id, 'qty', c.qty), p_request_id
        from claimed c
    ), notified as (
      select pg_notify('tasks', json_build_array(json_build_object('id', c.id, 'status', c.status))::text)
        from claimed c
    )
    select h::tasks, true from held h
    union all
    select c::tasks, false from claimed c, (select count(*) from notified) as n;
END $$;
