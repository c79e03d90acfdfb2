import { sql } from 'kysely'
import type { Queryable } from '../gbfs/gbfs.repository.js'

/**
 * The crews' side of service levels (seed 002's "analytics"): tasks per day and hour, how long
 * each step of a task's life took, and what each crew did. Tasks are few (hundreds a day), so
 * these read tasks, task_assignments and crew_heartbeats directly; nothing is materialised.
 * A range is [from, to) of instants; days and hours are cut on the system's clock.
 */

export interface Instants {
  from: Date
  to: Date
  timeZone: string
}

interface CountsRow {
  created: number
  dispatched: number
  completed: number
  canceled: number
  released: number
  bikes_moved: number
}

/** One row per task event in the range: what each count is counted from. */
function events(systemId: string, range: Instants) {
  return sql`
    select created_at as at, 'created' as kind, 0 as bikes
      from tasks where system_id = ${systemId} and created_at >= ${range.from} and created_at < ${range.to}
    union all
    select completed_at, 'completed', coalesce(qty_moved, qty)
      from tasks
     where system_id = ${systemId} and status = 'completed'
       and completed_at >= ${range.from} and completed_at < ${range.to}
    union all
    select canceled_at, 'canceled', 0
      from tasks
     where system_id = ${systemId} and canceled_at >= ${range.from} and canceled_at < ${range.to}
    union all
    select a.assigned_at, 'dispatched', 0
      from task_assignments a join tasks t on t.id = a.task_id
     where t.system_id = ${systemId} and a.assigned_at >= ${range.from} and a.assigned_at < ${range.to}
    union all
    select a.ended_at, 'released', 0
      from task_assignments a join tasks t on t.id = a.task_id
     where t.system_id = ${systemId} and a.outcome = 'released'
       and a.ended_at >= ${range.from} and a.ended_at < ${range.to}`
}

const COUNTS = sql`count(e.kind) filter (where e.kind = 'created')::int as created,
  count(e.kind) filter (where e.kind = 'dispatched')::int as dispatched,
  count(e.kind) filter (where e.kind = 'completed')::int as completed,
  count(e.kind) filter (where e.kind = 'canceled')::int as canceled,
  count(e.kind) filter (where e.kind = 'released')::int as released,
  coalesce(sum(e.bikes), 0)::int as bikes_moved`

/** Task counts per local day of the range (days without any included) and per hour. */
export async function taskCounts(
  db: Queryable,
  systemId: string,
  range: Instants,
  days: readonly string[],
): Promise<{
  days: (CountsRow & { day: string })[]
  hours: (CountsRow & { start: Date; local: string })[]
}> {
  const [byDay, byHour] = await Promise.all([
    sql<CountsRow & { day: string }>`
      with e as (${events(systemId, range)})
      select d.day, ${COUNTS}
        from unnest(${days as string[]}::text[]) as d(day)
        left join e on to_char(e.at at time zone ${range.timeZone}, 'YYYY-MM-DD') = d.day
       group by d.day
       order by d.day`.execute(db),
    // Hours as instants from the range's start, so the hour repeated when clocks go back is
    // two hours, and a zone half an hour off UTC still gets its own hours.
    sql<CountsRow & { start: Date; local: string }>`
      with e as (${events(systemId, range)}),
      hours as (
        select h as start from generate_series(${range.from}::timestamptz,
                                               ${range.to}::timestamptz - interval '1 hour',
                                               interval '1 hour') as h
      )
      select h.start, to_char(h.start at time zone ${range.timeZone}, 'YYYY-MM-DD HH24:MI') as local,
             ${COUNTS}
        from hours h
        left join e on date_bin('1 hour', e.at, ${range.from}::timestamptz) = h.start
       group by h.start
       order by h.start`.execute(db),
  ])
  return { days: byDay.rows, hours: byHour.rows }
}

export interface DurationRow {
  count: number
  median_minutes: number | null
  p90_minutes: number | null
  mean_minutes: number | null
}

const STATS = sql`count(m)::int as count,
  percentile_cont(0.5) within group (order by m) as median_minutes,
  percentile_cont(0.9) within group (order by m) as p90_minutes,
  avg(m)::float8 as mean_minutes`

/**
 * Minutes from a suggestion to its approval (the task's creation), from a task's creation to its
 * first hand-out, and from a hand-out to its completion, for steps ending in the range.
 */
export async function taskDurations(
  db: Queryable,
  systemId: string,
  range: Instants,
): Promise<{
  suggestion_to_approval: DurationRow
  approval_to_claim: DurationRow
  claim_to_completion: DurationRow
}> {
  const { rows } = await sql<{ step: string } & DurationRow>`
    with steps as (
      select 'suggestion_to_approval' as step,
             extract(epoch from t.created_at - s.created_at) / 60 as m
        from tasks t join suggestions s on s.id = t.suggestion_id
       where t.system_id = ${systemId} and t.created_at >= ${range.from} and t.created_at < ${range.to}
      union all
      select 'approval_to_claim', extract(epoch from f.assigned_at - t.created_at) / 60
        from tasks t
        cross join lateral (
          select min(a.assigned_at) as assigned_at from task_assignments a where a.task_id = t.id
        ) f
       where t.system_id = ${systemId}
         and f.assigned_at >= ${range.from} and f.assigned_at < ${range.to}
      union all
      select 'claim_to_completion', extract(epoch from a.ended_at - a.assigned_at) / 60
        from task_assignments a join tasks t on t.id = a.task_id
       where t.system_id = ${systemId} and a.outcome = 'completed'
         and a.ended_at >= ${range.from} and a.ended_at < ${range.to}
    )
    select k.step, ${STATS}
      from unnest(array['suggestion_to_approval', 'approval_to_claim', 'claim_to_completion'])
           as k(step)
      left join steps s on s.step = k.step
     group by k.step`.execute(db)
  const empty: DurationRow = {
    count: 0,
    median_minutes: null,
    p90_minutes: null,
    mean_minutes: null,
  }
  const of = (step: string): DurationRow => {
    const row = rows.find((r) => r.step === step)
    return row
      ? {
          count: row.count,
          median_minutes: row.median_minutes,
          p90_minutes: row.p90_minutes,
          mean_minutes: row.mean_minutes,
        }
      : empty
  }
  return {
    suggestion_to_approval: of('suggestion_to_approval'),
    approval_to_claim: of('approval_to_claim'),
    claim_to_completion: of('claim_to_completion'),
  }
}

export interface CrewRow extends DurationRow {
  crew_id: string
  name: string
  claimed: number
  completed: number
  released: number
  canceled: number
  bikes_moved: number
  hours_on_shift: number
}

/** A crew's heartbeats this close together mean it was on shift between them. */
const SHIFT_GAP = '15 minutes'

/**
 * Each crew with work or heartbeats in the range. Hours on shift: the union of the time it held
 * tasks and the time between heartbeats at most 15 minutes apart, clipped to the range (a
 * crew holding a task while its phone reports does not count twice).
 */
export async function crewRows(
  db: Queryable,
  systemId: string,
  range: Instants,
): Promise<CrewRow[]> {
  const { rows } = await sql<CrewRow>`
    with held as (
      select a.worker_id, a.assigned_at, a.ended_at, a.outcome, t.qty, t.qty_moved
        from task_assignments a join tasks t on t.id = a.task_id
       where t.system_id = ${systemId}
         and a.assigned_at < ${range.to} and coalesce(a.ended_at, now()) > ${range.from}
    ),
    beats as (
      select crew_id, at, lead(at) over (partition by crew_id order by at) as next
        from crew_heartbeats
       where at >= ${range.from}::timestamptz - ${SHIFT_GAP}::interval and at < ${range.to}
    ),
    spans as (
      select worker_id as crew_id, tstzrange(greatest(assigned_at, ${range.from}::timestamptz),
                                             least(coalesce(ended_at, now()), ${range.to}::timestamptz)) as r
        from held
      union all
      select crew_id, tstzrange(greatest(at, ${range.from}::timestamptz), least(next, ${range.to}::timestamptz))
        from beats
       where next - at <= ${SHIFT_GAP}::interval and next > ${range.from}
    ),
    shift as (
      select crew_id, coalesce(sum(extract(epoch from upper(p) - lower(p))), 0) / 3600 as hours
        from (select crew_id, unnest(range_agg(r)) as p from spans where not isempty(r) group by crew_id) u
       group by crew_id
    ),
    work as (
      select worker_id as crew_id,
             count(*) filter (where assigned_at >= ${range.from})::int as claimed,
             count(*) filter (where outcome = 'completed' and ended_at < ${range.to}
                                and ended_at >= ${range.from})::int as completed,
             count(*) filter (where outcome = 'released' and ended_at < ${range.to}
                                and ended_at >= ${range.from})::int as released,
             count(*) filter (where outcome = 'canceled' and ended_at < ${range.to}
                                and ended_at >= ${range.from})::int as canceled,
             coalesce(sum(coalesce(qty_moved, qty)) filter (
               where outcome = 'completed' and ended_at < ${range.to} and ended_at >= ${range.from}), 0)::int
               as bikes_moved
        from held
       group by worker_id
    ),
    durations as (
      select worker_id as crew_id, extract(epoch from ended_at - assigned_at) / 60 as m
        from held
       where outcome = 'completed' and ended_at >= ${range.from} and ended_at < ${range.to}
    ),
    crews_seen as (
      select crew_id from work union select crew_id from shift
    )
    select c.crew_id, coalesce(k.name, c.crew_id) as name,
           coalesce(w.claimed, 0) as claimed, coalesce(w.completed, 0) as completed,
           coalesce(w.released, 0) as released, coalesce(w.canceled, 0) as canceled,
           coalesce(w.bikes_moved, 0) as bikes_moved, coalesce(s.hours, 0)::float8 as hours_on_shift,
           d.*
      from crews_seen c
      left join crews k on k.crew_id = c.crew_id
      left join work w on w.crew_id = c.crew_id
      left join shift s on s.crew_id = c.crew_id
      cross join lateral (select ${STATS} from durations x where x.crew_id = c.crew_id) d
     order by coalesce(w.bikes_moved, 0) desc, c.crew_id`.execute(db)
  return rows
}

export interface CompletedTaskRow {
  id: number
  worker_id: string | null
  completed_at: Date
  qty: number
  bikes_moved: number
  from_station_id: string
  to_station_id: string
  from_name: string
  to_name: string
}

/** Tasks completed in the range, oldest first. */
export async function completedTasks(
  db: Queryable,
  systemId: string,
  range: Instants,
): Promise<CompletedTaskRow[]> {
  const { rows } = await sql<CompletedTaskRow>`
    select t.id, t.worker_id, t.completed_at, t.qty, coalesce(t.qty_moved, t.qty) as bikes_moved,
           t.from_station_id, t.to_station_id, f.name as from_name, o.name as to_name
      from tasks t
      join stations f on f.system_id = t.system_id and f.station_id = t.from_station_id
      join stations o on o.system_id = t.system_id and o.station_id = t.to_station_id
     where t.system_id = ${systemId} and t.status = 'completed'
       and t.completed_at >= ${range.from} and t.completed_at < ${range.to}
     order by t.completed_at, t.id`.execute(db)
  return rows
}
