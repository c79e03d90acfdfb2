-- Runs per van (issue 17): a run's stops become tasks planned for one crew, handed out in the
-- run's order.
--   * tasks.for_crew: the crew a task is for (the same column and rule as issue 16's 0013: the
--     claim hands such a task to that crew only, before anything else in its queue; IF NOT
--     EXISTS so that either file may come first);
--   * tasks.run_order: the task's place in its crew's run (1, 2, ...); NULL for a task that is
--     in no run (a dispatcher's assignment), which comes after the run's.
--   * the claim below is 0011's with those two rules (CREATE OR REPLACE, same signature).
-- Frozen once released: later changes go in later files.

ALTER TABLE tasks ADD COLUMN IF NOT EXISTS for_crew text REFERENCES crews ON UPDATE CASCADE;
ALTER TABLE tasks ADD COLUMN run_order integer CHECK (run_order >= 1);
ALTER TABLE tasks ADD CONSTRAINT tasks_run_order_for_crew CHECK (run_order IS NULL OR for_crew IS NOT NULL);
-- The claim's probe: the ready tasks for this crew, in run order.
CREATE INDEX tasks_ready_run_idx ON tasks (for_crew, run_order, priority DESC, created_at, id)
  WHERE status = 'ready' AND for_crew IS NOT NULL;

CREATE OR REPLACE FUNCTION claim_next_task(
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
    ), next_for_crew as (
      -- A task planned for (or assigned to) this crew comes first, whatever else is waiting,
      -- in its run's order: the engine's stops for this van, then a dispatcher's.
      select t.id from tasks t
       where t.status = 'ready' and t.for_crew = p_crew
         and t.qty <= coalesce((select capacity from crew), 2147483647)
         and not exists (select from held)
         and not exists (
           select from task_releases r
            where r.task_id = t.id and r.crew_id = p_crew and r.reason_code is not null
              and r.at > now() - make_interval(mins => p_cooldown_minutes))
       order by t.run_order nulls last, t.priority desc, t.created_at, t.id
       limit 1
       for update of t skip locked
    ), next_in_order as (
      select t.id from tasks t
       where t.status = 'ready' and t.for_crew is null
         and t.qty <= coalesce((select capacity from crew), 2147483647)
         and not exists (select from held)
         and not exists (select from next_for_crew)
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
       where t.status = 'ready' and t.for_crew is null
         and t.qty <= coalesce((select capacity from crew), 2147483647)
         and not exists (select from held)
         and not exists (select from next_for_crew)
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
        from (select id from next_for_crew
              union all select id from next_in_order
              union all select id from next_near) as next
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
