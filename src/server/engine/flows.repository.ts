import { sql } from 'kysely'
import type { Database } from '../db/database.js'
import type { SystemRow } from '../systems/system-choice.js'

/**
 * What the engine reads of a system's past: station flows, status history and trips. Dates are
 * the system's local calendar dates (`YYYY-MM-DD`); a range [from, to) of them is cut at local
 * midnight.
 */

type Db = Database

/** First and last local dates with any station flow. */
export async function flowDates(
  db: Db,
  system: SystemRow,
): Promise<{ first: string; last: string } | null> {
  const { rows } = await sql<{ first: string | null; last: string | null }>`
    select to_char(min(time_bin) at time zone ${system.timezone}, 'YYYY-MM-DD') as first,
           to_char(max(time_bin) at time zone ${system.timezone}, 'YYYY-MM-DD') as last
      from station_flows where system_id = ${system.systemId}`.execute(db)
  const row = rows[0]
  return row?.first && row.last ? { first: row.first, last: row.last } : null
}

/**
 * The local dates of [from, to) on which the system has any station flow: the days with trips,
 * which fits and profiles average over (never the calendar gap between two files).
 */
export async function flowDays(
  db: Db,
  system: SystemRow,
  from: string,
  to: string,
): Promise<string[]> {
  const { rows } = await sql<{ day: string }>`
    select distinct to_char(bin at time zone ${system.timezone}, 'YYYY-MM-DD') as day
      from (select distinct time_bin as bin from station_flows
             where system_id = ${system.systemId}
               and time_bin >= (${from}::date::timestamp) at time zone ${system.timezone}
               and time_bin < (${to}::date::timestamp) at time zone ${system.timezone}) bins
     order by 1`.execute(db)
  return rows.map((row) => row.day)
}

/** The newest flow bin: a model fitted before it is out of date. */
export async function latestFlow(db: Db, systemId: string): Promise<Date | null> {
  const { rows } = await sql<{ latest: Date | null }>`
    select max(time_bin) as latest from station_flows where system_id = ${systemId}`.execute(db)
  return rows[0]?.latest ?? null
}

/** Local midnight of a date as an instant. */
export async function localMidnight(db: Db, timezone: string, date: string): Promise<Date> {
  const { rows } = await sql<{ at: Date }>`
    select (${date}::date::timestamp) at time zone ${timezone} as at`.execute(db)
  return (rows[0] as { at: Date }).at
}

export interface SlotFlowRow {
  station_id: string
  isodow: number
  slot: number
  outflow: number
  inflow: number
}

/** The system's station_flows over local days [from, to), each bin on the local clock (`local`). */
function localFlowBins(system: SystemRow, from: string, to: string) {
  return sql`
    select station_id, time_bin at time zone ${system.timezone} as local, outflow, inflow
      from station_flows
     where system_id = ${system.systemId}
       and time_bin >= (${from}::date::timestamp) at time zone ${system.timezone}
       and time_bin < (${to}::date::timestamp) at time zone ${system.timezone}`
}

/** A local time's quarter-hour slot of the day, 0-95. */
const LOCAL_SLOT = sql`(extract(hour from local) * 4 + floor(extract(minute from local) / 15))::int`

/** Flows summed per station, ISO weekday and local quarter-hour slot over [from, to). */
export async function flowsBySlot(
  db: Db,
  system: SystemRow,
  from: string,
  to: string,
): Promise<SlotFlowRow[]> {
  const { rows } = await sql<SlotFlowRow>`
    with bins as (${localFlowBins(system, from, to)})
    select station_id,
           extract(isodow from local)::int as isodow,
           ${LOCAL_SLOT} as slot,
           sum(outflow)::int as outflow,
           sum(inflow)::int as inflow
      from bins
     group by 1, 2, 3`.execute(db)
  return rows
}

export interface DayFlowRow {
  station_id: string
  day: string
  slot: number
  outflow: number
  inflow: number
}

/** Flows per station, local day and slot over [from, to): held-out days and their week before. */
export async function flowsByDay(
  db: Db,
  system: SystemRow,
  from: string,
  to: string,
): Promise<DayFlowRow[]> {
  const { rows } = await sql<DayFlowRow>`
    with bins as (${localFlowBins(system, from, to)})
    select station_id, to_char(local, 'YYYY-MM-DD') as day,
           ${LOCAL_SLOT} as slot,
           outflow, inflow
      from bins`.execute(db)
  return rows
}

export interface UnusableRow {
  station_id: string
  isodow: number
  slot: number
  empty_minutes: number
  full_minutes: number
}

/**
 * Minutes each station stood empty (or not renting) and full (or not returning) per ISO weekday
 * and slot over [from, to), from the status history: each status row holds until the next one
 * (a row is written only on change), for at most 6 hours (a longer silence is a gap in
 * polling, not a state). Stations without history have no rows here: no correction.
 */
export async function unusableMinutes(
  db: Db,
  system: SystemRow,
  from: string,
  to: string,
): Promise<UnusableRow[]> {
  const { rows } = await sql<UnusableRow>`
    with bounds as (
      select (${from}::date::timestamp) at time zone ${system.timezone} as lo,
             (${to}::date::timestamp) at time zone ${system.timezone} as hi
    ), states as (
      select s.station_id, s.ts,
             lead(s.ts) over (partition by s.station_id order by s.ts) as next_ts,
             (s.num_bikes_available = 0 or not s.is_renting) as is_empty,
             (s.num_docks_available = 0 or not s.is_returning) as is_full
        from station_status s, bounds b
       where s.system_id = ${system.systemId}
         and s.ts >= b.lo - interval '6 hours' and s.ts < b.hi
    ), spans as (
      select station_id, is_empty, is_full,
             greatest(ts, b.lo) as a,
             least(coalesce(next_ts, ts + interval '6 hours'), ts + interval '6 hours', b.hi) as z
        from states, bounds b
       where is_empty or is_full
    ), pieces as (
      select station_id, is_empty, is_full, greatest(a, g) as a, least(z, g + interval '15 minutes') as z
        from spans,
             generate_series(date_bin('15 minutes', a, timestamptz '2000-01-01 00:00:00+00'), z,
                             interval '15 minutes') as g
       where z > a
    )
    select station_id,
           extract(isodow from a at time zone ${system.timezone})::int as isodow,
           (extract(hour from a at time zone ${system.timezone}) * 4
            + floor(extract(minute from a at time zone ${system.timezone}) / 15))::int as slot,
           coalesce(sum(extract(epoch from z - a) / 60) filter (where is_empty), 0)::float8 as empty_minutes,
           coalesce(sum(extract(epoch from z - a) / 60) filter (where is_full), 0)::float8 as full_minutes
      from pieces
     where z > a
     group by 1, 2, 3`.execute(db)
  return rows
}

export interface DayTripRow {
  start_station_id: string
  end_station_id: string
  start_minute: number
  minutes: number
}

/** The trips that started on a local day between both of whose ends are known stations. */
export async function tripsOfDay(db: Db, system: SystemRow, day: string): Promise<DayTripRow[]> {
  const { rows } = await sql<DayTripRow>`
    select start_station_id, end_station_id,
           extract(epoch from (started_at at time zone ${system.timezone})
                              - ${day}::date::timestamp)::float8 / 60 as start_minute,
           extract(epoch from ended_at - started_at)::float8 / 60 as minutes
      from trips
     where system_id = ${system.systemId}
       and started_at >= (${day}::date::timestamp) at time zone ${system.timezone}
       and started_at < ((${day}::date + 1)::timestamp) at time zone ${system.timezone}
       and start_station_id is not null and end_station_id is not null
     order by started_at, trip_id`.execute(db)
  return rows
}
/**
 * The seed heuristic's "average net flow of that weekday/hour/quarter": returns - rentals per
 * station in this ISO weekday's slot, averaged over every such weekday the flows cover.
 */
export async function seedNetFlows(
  db: Db,
  system: SystemRow,
  isodow: number,
  slot: number,
): Promise<Map<string, number>> {
  const { rows } = await sql<{ station_id: string; net: number; days: number }>`
    with local as (
      select station_id, time_bin at time zone ${system.timezone} as at, inflow - outflow as net
        from station_flows where system_id = ${system.systemId}
    ), span as (
      select min(at)::date as first, max(at)::date as last from local
    ), days as (
      select count(*)::int as days
        from span, generate_series(span.first, span.last, interval '1 day') d
       where extract(isodow from d) = ${isodow}
    )
    select station_id, sum(net)::float8 as net, (select days from days) as days
      from local
     where extract(isodow from at) = ${isodow}
       and extract(hour from at) * 4 + floor(extract(minute from at) / 15) = ${slot}
     group by station_id`.execute(db)
  return new Map(rows.map((row) => [row.station_id, row.days > 0 ? row.net / row.days : 0]))
}
