import { sql, type Kysely } from 'kysely'
import type { DB } from '../db/schema.js'

export interface Heartbeat {
  crewId: string
  lat: number | null
  lon: number | null
  battery: number | null
}

export interface CrewRow {
  crew_id: string
  name: string
  van_capacity: number | null
  last_seen_at: Date | null
  last_lat: number | null
  last_lon: number | null
  assigned_tasks: number
  active_tokens: number
  task_id: number | null
  bikes_moved_today: number
  /** The open shift (null columns without one). */
  shift_id: number | null
  shift_started_at: Date | null
  shift_van_capacity: number | null
  shift_bikes_on_board: number | null
  shift_bikes_moved: number | null
}

/** Records a heartbeat; false when the crew does not exist. */
export async function recordHeartbeat(db: Kysely<DB>, beat: Heartbeat): Promise<boolean> {
  // One statement: the latest state on the crew, the report in the history.
  const { rows } = await sql<{ crew_id: string }>`
    with seen as (
      update crews
         set last_seen_at = now(),
             last_lat = coalesce(${beat.lat}::float8, last_lat),
             last_lon = coalesce(${beat.lon}::float8, last_lon)
       where crew_id = ${beat.crewId}
      returning crew_id
    )
    insert into crew_heartbeats (crew_id, lat, lon, battery)
    select crew_id, ${beat.lat}::float8, ${beat.lon}::float8, ${beat.battery}::real from seen
    returning crew_id`.execute(db)
  return rows.length > 0
}

export async function listCrews(db: Kysely<DB>, crewId: string | null = null): Promise<CrewRow[]> {
  const { rows } = await sql<CrewRow>`
    select c.crew_id, c.name, c.van_capacity, c.last_seen_at, c.last_lat, c.last_lon,
           (select count(*)::int from tasks t
             where t.worker_id = c.crew_id and t.status = 'assigned') as assigned_tasks,
           (select count(*)::int from api_tokens k
             where k.crew_id = c.crew_id and k.revoked_at is null) as active_tokens,
           (select t.id from tasks t
             where t.worker_id = c.crew_id and t.status = 'assigned') as task_id,
           (select coalesce(sum(t.qty_moved), 0)::int from tasks t
             where t.worker_id = c.crew_id and t.status = 'completed'
               and t.completed_at >= date_trunc('day', now())) as bikes_moved_today,
           sh.shift_id, sh.started_at as shift_started_at, sh.van_capacity as shift_van_capacity,
           sh.bikes_on_board as shift_bikes_on_board,
           (select coalesce(sum(t.qty_moved), 0)::int from tasks t
             where sh.shift_id is not null and t.worker_id = c.crew_id
               and t.status = 'completed' and t.completed_at >= sh.started_at) as shift_bikes_moved
      from crews c
      left join crew_shifts sh on sh.crew_id = c.crew_id and sh.ended_at is null
     where ${crewId}::text is null or c.crew_id = ${crewId}
     order by c.name, c.crew_id`.execute(db)
  return rows
}
