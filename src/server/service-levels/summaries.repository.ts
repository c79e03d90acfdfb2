import { sql } from 'kysely'
import type { Queryable } from '../gbfs/gbfs.repository.js'
import type { ClusterOutage, SecondsByState } from './service-levels.repository.js'

/**
 * Reads of the daily summaries (service_days, service_station_days, service_cluster_days): what
 * the Service page, the report and the API answer from. Seconds as stored; the service turns
 * them into minutes.
 */

export interface SummaryDayRow extends SecondsByState {
  day: string
  complete: boolean
  as_of: Date
  snapshots: number
  bridge_seconds: number | null
  stations: number
  clusters: number
  seconds_outage: number
  episodes: number
}

const FIGURES = sql`coalesce(sum(x.seconds_known), 0)::float8 as seconds_known,
  coalesce(sum(x.seconds_empty), 0)::float8 as seconds_empty,
  coalesce(sum(x.seconds_full), 0)::float8 as seconds_full,
  coalesce(sum(x.seconds_closed), 0)::float8 as seconds_closed,
  coalesce(sum(x.seconds_unknown), 0)::float8 as seconds_unknown,
  coalesce(sum(x.seconds_available_1), 0)::float8 as seconds_available_1,
  coalesce(sum(x.seconds_available_2), 0)::float8 as seconds_available_2`

/** Each summarised day of [from, to) with its stations' sums and its clusters' outages. */
export async function summaryDays(
  db: Queryable,
  systemId: string,
  from: string,
  to: string,
): Promise<SummaryDayRow[]> {
  const { rows } = await sql<SummaryDayRow>`
    select to_char(d.day, 'YYYY-MM-DD') as day, d.complete, d.as_of, d.snapshots,
           d.bridge_seconds, d.stations, d.clusters, s.*, c.seconds_outage, c.episodes
      from service_days d
      cross join lateral (
        select ${FIGURES} from service_station_days x
         where x.system_id = d.system_id and x.day = d.day
      ) s
      cross join lateral (
        select coalesce(sum(seconds_outage), 0)::float8 as seconds_outage,
               coalesce(sum(episodes), 0)::int as episodes
          from service_cluster_days y
         where y.system_id = d.system_id and y.day = d.day
      ) c
     where d.system_id = ${systemId} and d.day >= ${from}::date and d.day < ${to}::date
     order by d.day`.execute(db)
  return rows
}

/** The first and last summarised day of a system. */
export async function dataDays(
  db: Queryable,
  systemId: string,
): Promise<{ first_day: string; last_day: string } | null> {
  const { rows } = await sql<{ first_day: string | null; last_day: string | null }>`
    select to_char(min(day), 'YYYY-MM-DD') as first_day, to_char(max(day), 'YYYY-MM-DD') as last_day
      from service_days where system_id = ${systemId}`.execute(db)
  const row = rows[0]
  return row?.first_day && row.last_day
    ? { first_day: row.first_day, last_day: row.last_day }
    : null
}

export interface StationRangeRow extends SecondsByState {
  station_id: string
  name: string
  days: number
  seconds_outage: number
}

/** Every station's sums over [from, to), most seconds empty or full first. */
export async function stationRange(
  db: Queryable,
  systemId: string,
  from: string,
  to: string,
): Promise<StationRangeRow[]> {
  const { rows } = await sql<StationRangeRow>`
    with figures as (
      select x.station_id, count(*)::int as days, ${FIGURES}
        from service_station_days x
       where x.system_id = ${systemId} and x.day >= ${from}::date and x.day < ${to}::date
       group by x.station_id
    ),
    outages as (
      select station_id, sum(seconds_outage)::float8 as seconds_outage
        from service_cluster_days
       where system_id = ${systemId} and day >= ${from}::date and day < ${to}::date
       group by station_id
    )
    select f.*, s.name, coalesce(o.seconds_outage, 0)::float8 as seconds_outage
      from figures f
      join stations s on s.system_id = ${systemId} and s.station_id = f.station_id
      left join outages o on o.station_id = f.station_id
     order by f.seconds_empty + f.seconds_full desc, f.station_id`.execute(db)
  return rows
}

export interface ClusterRangeRow extends ClusterOutage {
  name: string
  members: { station_id: string; name: string; distance_meters: number }[]
}

/**
 * Every cluster's sums over [from, to) (or those with an outage), most outage first; members as
 * on the range's last day, with their distance from the cluster's own station.
 */
export async function clusterRange(
  db: Queryable,
  systemId: string,
  from: string,
  to: string,
  options: { withOutageOnly?: boolean } = {},
): Promise<ClusterRangeRow[]> {
  const { rows } = await sql<ClusterRangeRow>`
    with sums as (
      select station_id, sum(seconds_out)::float8 as seconds_out,
             sum(seconds_out_empty)::float8 as seconds_out_empty,
             sum(seconds_out_full)::float8 as seconds_out_full,
             sum(seconds_outage)::float8 as seconds_outage, sum(episodes)::int as episodes,
             max(longest_seconds)::float8 as longest_seconds, max(day) as last_day
        from service_cluster_days
       where system_id = ${systemId} and day >= ${from}::date and day < ${to}::date
       group by station_id
    )
    select c.station_id, s.name, c.seconds_out, c.seconds_out_empty, c.seconds_out_full,
           c.seconds_outage, c.episodes, c.longest_seconds,
           coalesce((
             select json_agg(json_build_object(
                      'station_id', m.id, 'name', n.name,
                      'distance_meters', round(great_circle_meters(s.lat, s.lon, n.lat, n.lon)::numeric, 1))
                    order by m.ord)
               from service_cluster_days z
               cross join lateral unnest(z.members) with ordinality as m(id, ord)
               join stations n on n.system_id = z.system_id and n.station_id = m.id
              where z.system_id = ${systemId} and z.station_id = c.station_id and z.day = c.last_day
           ), '[]') as members
      from sums c
      join stations s on s.system_id = ${systemId} and s.station_id = c.station_id
     where ${options.withOutageOnly ? sql`c.seconds_out > 0` : sql`true`}
     order by c.seconds_outage desc, c.seconds_out desc, c.station_id`.execute(db)
  return rows
}
