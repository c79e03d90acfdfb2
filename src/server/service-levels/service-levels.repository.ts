import { sql, type RawBuilder } from 'kysely'
import {
  CLUSTER_NEAREST,
  CLUSTER_RADIUS_METERS,
  SERVICE_HOURS,
} from '../../shared/service-levels.js'
import type { Database } from '../db/database.js'
import type { Queryable } from '../gbfs/gbfs.repository.js'
import type { Span, StationRows } from './timeline.js'

/** A local day's service hours as instants. */
export interface ServiceWindow {
  day: string
  start: Date
  end: Date
}

/** Each local day of [from, to) with its 06:00-22:00 on the system's clock (DST included). */
export async function serviceWindows(
  db: Queryable,
  timeZone: string,
  from: string,
  to: string,
): Promise<ServiceWindow[]> {
  const { rows } = await sql<{ day: string; start: Date; end: Date }>`
    select to_char(d, 'YYYY-MM-DD') as day,
           (d + ${SERVICE_HOURS.start}::time) at time zone ${timeZone} as start,
           (d + ${SERVICE_HOURS.end}::time) at time zone ${timeZone} as end
      from generate_series(${from}::date::timestamp, (${to}::date - 1)::timestamp,
                           interval '1 day') as d
     order by d`.execute(db)
  return rows
}

/** Local midnight of `from` and of `to` on the system's clock, as instants. */
export async function localMidnights(
  db: Queryable,
  timeZone: string,
  from: string,
  to: string,
): Promise<{ from: Date; to: Date }> {
  const { rows } = await sql<{ from: Date; to: Date }>`
    select (${from}::date::timestamp at time zone ${timeZone}) as from,
           (${to}::date::timestamp at time zone ${timeZone}) as to`.execute(db)
  const row = rows[0]
  if (!row) throw new Error('no instants')
  return row
}

/** The database's clock: the one reference every console and poll shares. */
export async function databaseNow(db: Queryable): Promise<Date> {
  const { rows } = await sql<{ now: Date }>`select now() as now`.execute(db)
  return rows[0]?.now ?? new Date()
}

/**
 * The local days on which the system has status snapshots, within [from, to) when given: one
 * index probe per day (a skip scan over (system_id, observed_at)), not a read of every snapshot.
 */
export async function daysWithSnapshots(
  db: Queryable,
  systemId: string,
  timeZone: string,
  range: { from?: string; to?: string } = {},
): Promise<string[]> {
  const low = range.from
    ? sql`(${range.from}::date::timestamp at time zone ${timeZone})`
    : sql`'-infinity'::timestamptz`
  const high = range.to
    ? sql`(${range.to}::date::timestamp at time zone ${timeZone})`
    : sql`'infinity'::timestamptz`
  const { rows } = await sql<{ day: string }>`
    with recursive days as (
      select (select (min(observed_at) at time zone ${timeZone})::date
                from status_snapshots
               where system_id = ${systemId} and observed_at >= ${low} and observed_at < ${high}) as day
      union all
      select (select (min(observed_at) at time zone ${timeZone})::date
                from status_snapshots
               where system_id = ${systemId}
                 and observed_at >= ((d.day + 1)::timestamp at time zone ${timeZone})
                 and observed_at < ${high})
        from days d
       where d.day is not null
    )
    select to_char(day, 'YYYY-MM-DD') as day from days where day is not null`.execute(db)
  return rows.map((row) => row.day)
}

export interface SnapshotRow {
  at: number
  source: 'poll' | 'import'
  importId: number | null
}

/** A system's recorded history around [start, end): what the timelines are made from. */
export interface History {
  /** The snapshots in the range, with the one before it and the one after it when they exist. */
  snapshots: SnapshotRow[]
  /** Each import's median snapshot spacing, in milliseconds. */
  importSpacingMs: Map<number, number>
  /** Per station: the class from each time on (the state in force at `start` first), changes only. */
  rows: Map<string, StationRows>
  /** Per station: when the status files left it out, sorted. */
  absences: Map<string, Span[]>
}

/** The service-level class of a station_status row (timeline.ts `stateClass`, in SQL). */
const CLASS = sql`(case when is_installed and is_renting then 1 else 0 end
                 | case when is_installed and is_returning then 2 else 0 end
                 | (least(case when is_installed and is_renting then num_bikes_available else 0 end, 2) << 2)
                 | (least(case when is_installed and is_returning then num_docks_available else 0 end, 2) << 4))`

/**
 * Loads what the timelines of [start, end) need. Rows whose class equals the station's previous
 * row are dropped in SQL: a Bay Wheels day has about 65,000 status rows (last_reported moves at
 * nearly every poll) and a few thousand class changes.
 */
export async function loadHistory(
  db: Queryable,
  systemId: string,
  start: Date,
  end: Date,
  stationIds: readonly string[] | null = null,
): Promise<History> {
  const only = stationIds ? sql`and station_id = any(${stationIds}::text[])` : sql``
  const onlyStations = stationIds ? sql`and s.station_id = any(${stationIds}::text[])` : sql``
  const [snapshots, rows, absences] = await Promise.all([
    sql<{
      at: number
      source: 'poll' | 'import'
      import_id: number | null
      spacing: number | null
    }>`
      select (extract(epoch from s.observed_at) * 1000)::float8 as at, s.source, s.import_id,
             i.median_spacing_seconds as spacing
        from status_snapshots s
        left join status_imports i using (import_id)
       where s.system_id = ${systemId}
         and s.observed_at >= coalesce((select max(observed_at) from status_snapshots
                                         where system_id = ${systemId} and observed_at <= ${start}),
                                       ${start})
         and s.observed_at <= coalesce((select min(observed_at) from status_snapshots
                                         where system_id = ${systemId} and observed_at >= ${end}),
                                       ${end})
       order by s.observed_at`.execute(db),
    sql<{ station_id: string; at: number[]; cls: number[] }>`
      with recorded as (
        select s.station_id, l.ts, l.cls
          from stations s
          cross join lateral (
            select h.ts, ${CLASS} as cls
              from station_status h
             where h.system_id = s.system_id and h.station_id = s.station_id and h.ts <= ${start}
             order by h.ts desc
             limit 1
          ) l
         where s.system_id = ${systemId} ${onlyStations}
        union all
        select station_id, ts, ${CLASS}
          from station_status
         where system_id = ${systemId} and ts > ${start} and ts < ${end} ${only}
      ),
      marked as (
        select station_id, ts, cls, lag(cls) over (partition by station_id order by ts) as previous
          from recorded
      )
      select station_id,
             array_agg((extract(epoch from ts) * 1000)::float8 order by ts) as at,
             array_agg(cls order by ts) as cls
        from marked
       where previous is distinct from cls
       group by station_id`.execute(db),
    sql<{ station_id: string; since: number; until: number | null }>`
      select station_id, (extract(epoch from since) * 1000)::float8 as since,
             (extract(epoch from until) * 1000)::float8 as until
        from station_status_absences
       where system_id = ${systemId} and since < ${end} and (until is null or until > ${start})
             ${only}
       order by station_id, since`.execute(db),
  ])
  const importSpacingMs = new Map<number, number>()
  for (const row of snapshots.rows) {
    if (row.import_id !== null && row.spacing !== null) {
      importSpacingMs.set(row.import_id, row.spacing * 1000)
    }
  }
  const absent = new Map<string, Span[]>()
  for (const row of absences.rows) {
    const list = absent.get(row.station_id) ?? []
    list.push({ start: row.since, end: row.until ?? Infinity })
    absent.set(row.station_id, list)
  }
  return {
    snapshots: snapshots.rows.map((row) => ({
      at: row.at,
      source: row.source,
      importId: row.import_id,
    })),
    importSpacingMs,
    rows: new Map(rows.rows.map((row) => [row.station_id, { at: row.at, cls: row.cls }])),
    absences: absent,
  }
}

/**
 * The median spacing of the system's polls in the 7 days before `end` (a poll counts where it
 * ends its spacing), in milliseconds; null without two polls there. The 7 days end with the day
 * judged, so a day's bridge no longer moves once the day is over.
 */
export async function pollSpacingMs(
  db: Queryable,
  systemId: string,
  end: Date,
): Promise<number | null> {
  const { rows } = await sql<{ median: number | null }>`
    select percentile_cont(0.5) within group (order by spacing) as median
      from (select extract(epoch from observed_at - lag(observed_at) over (order by observed_at))
                   * 1000 as spacing
              from status_snapshots
             where system_id = ${systemId} and source = 'poll'
               and observed_at >= ${end}::timestamptz - interval '7 days' and observed_at < ${end}) s`.execute(
    db,
  )
  return rows[0]?.median ?? null
}

/** A cluster's other stations, nearest first, with their distance from its own. */
export type Clusters = Map<string, { stationId: string; meters: number }[]>

/**
 * Each station's cluster among `stationIds`: every one within a third of a mile, or its 3 nearest
 * when fewer are that close. The earthdistance GiST index finds both (a box a little wider than
 * the radius; the nearest by `<->`); great_circle_meters decides.
 */
export async function buildClusters(
  db: Queryable,
  systemId: string,
  stationIds: readonly string[],
): Promise<Clusters> {
  const ids = stationIds as string[]
  // The other candidate stations around c, nearest first, as two parallel arrays.
  const around = (filter: RawBuilder<unknown>, order: RawBuilder<unknown>) => sql`
    select array_agg(n.station_id order by n.meters, n.station_id) as ids,
           array_agg(n.meters order by n.meters, n.station_id) as meters
      from (select n.station_id, great_circle_meters(c.lat, c.lon, n.lat, n.lon) as meters
              from stations n
             where n.system_id = c.system_id and n.station_id <> c.station_id
               and n.station_id = any(${ids}::text[]) ${filter}
             ${order}) n`
  const { rows } = await sql<{
    station_id: string
    within_ids: string[] | null
    within_m: number[] | null
    nearest_ids: string[] | null
    nearest_m: number[] | null
  }>`
    select c.station_id, w.ids as within_ids, w.meters as within_m,
           k.ids as nearest_ids, k.meters as nearest_m
      from stations c
      cross join lateral (${around(
        sql`and earth_box(ll_to_earth(c.lat, c.lon), ${CLUSTER_RADIUS_METERS * 1.01})
                @> ll_to_earth(n.lat, n.lon)
            and great_circle_meters(c.lat, c.lon, n.lat, n.lon) <= ${CLUSTER_RADIUS_METERS}`,
        sql``,
      )}) w
      cross join lateral (${around(
        sql``,
        sql`order by ll_to_earth(n.lat, n.lon) <-> ll_to_earth(c.lat, c.lon)
            limit ${CLUSTER_NEAREST}`,
      )}) k
     where c.system_id = ${systemId} and c.station_id = any(${ids}::text[])`.execute(db)
  const clusters: Clusters = new Map()
  for (const row of rows) {
    const within = row.within_ids ?? []
    const [memberIds, meters] =
      within.length >= CLUSTER_NEAREST
        ? [within, row.within_m ?? []]
        : [row.nearest_ids ?? [], row.nearest_m ?? []]
    clusters.set(
      row.station_id,
      memberIds.map((stationId, i) => ({ stationId, meters: meters[i] ?? 0 })),
    )
  }
  return clusters
}

/** A computed day, as service_days holds it. */
export interface DayRow {
  day: string
  windowStart: Date
  windowEnd: Date
  asOf: Date
  complete: boolean
  snapshots: number
  bridgeSeconds: number | null
  computeMs: number
}

/** Seconds of a station's (or a day's, a range's) service hours in each state. */
export interface SecondsByState {
  seconds_known: number
  seconds_empty: number
  seconds_full: number
  seconds_closed: number
  seconds_unknown: number
  /** At least 1 (2) usable bikes and 1 (2) operable docks. */
  seconds_available_1: number
  seconds_available_2: number
}

export interface StationDayRow extends SecondsByState {
  station_id: string
}

/** A cluster's outage figures, of a day or summed over a range. */
export interface ClusterOutage {
  station_id: string
  seconds_out: number
  seconds_out_empty: number
  seconds_out_full: number
  seconds_outage: number
  episodes: number
  longest_seconds: number
}

export interface ClusterDayRow extends ClusterOutage {
  members: string[]
}

/** Replaces one day's summaries in one transaction; readers see the old day or the new one. */
export async function writeDay(
  db: Database,
  systemId: string,
  day: DayRow,
  stations: readonly StationDayRow[],
  clusters: readonly ClusterDayRow[],
): Promise<void> {
  await db.transaction().execute(async (trx) => {
    // Two refreshes of one system (a console's job and a command) write a day in turns.
    await sql`select pg_advisory_xact_lock(hashtext('service_levels'), hashtext(${systemId}))`.execute(
      trx,
    )
    await sql`
      insert into service_days (system_id, day, window_start, window_end, as_of, complete,
                                snapshots, bridge_seconds, stations, clusters, computed_at,
                                compute_ms)
      values (${systemId}, ${day.day}, ${day.windowStart}, ${day.windowEnd}, ${day.asOf},
              ${day.complete}, ${day.snapshots}, ${day.bridgeSeconds}, ${stations.length},
              ${clusters.length}, now(), ${day.computeMs})
      on conflict (system_id, day) do update
        set window_start = excluded.window_start, window_end = excluded.window_end,
            as_of = excluded.as_of, complete = excluded.complete, snapshots = excluded.snapshots,
            bridge_seconds = excluded.bridge_seconds, stations = excluded.stations,
            clusters = excluded.clusters, computed_at = excluded.computed_at,
            compute_ms = excluded.compute_ms`.execute(trx)
    await sql`delete from service_station_days where system_id = ${systemId} and day = ${day.day}`.execute(
      trx,
    )
    await sql`delete from service_cluster_days where system_id = ${systemId} and day = ${day.day}`.execute(
      trx,
    )
    if (stations.length > 0) {
      await sql`
        insert into service_station_days
        select ${systemId}, ${day.day}::date, r.*
          from jsonb_to_recordset(${JSON.stringify(stations)}::jsonb) as r(
                 station_id text, seconds_known float8, seconds_empty float8, seconds_full float8,
                 seconds_closed float8, seconds_unknown float8, seconds_available_1 float8,
                 seconds_available_2 float8)`.execute(trx)
    }
    if (clusters.length > 0) {
      await sql`
        insert into service_cluster_days
        select ${systemId}, ${day.day}::date, r.*
          from jsonb_to_recordset(${JSON.stringify(clusters)}::jsonb) as r(
                 station_id text, members text[], seconds_out float8, seconds_out_empty float8,
                 seconds_out_full float8, seconds_outage float8, episodes integer,
                 longest_seconds float8)`.execute(trx)
    }
  })
}

/** Which of `days` are already summarised, whether each is complete, and as of when. */
export async function summarisedDays(
  db: Queryable,
  systemId: string,
  days: readonly string[],
): Promise<Map<string, { complete: boolean; asOf: Date }>> {
  if (days.length === 0) return new Map()
  const { rows } = await sql<{ day: string; complete: boolean; as_of: Date }>`
    select to_char(day, 'YYYY-MM-DD') as day, complete, as_of
      from service_days
     where system_id = ${systemId} and day = any(${days}::date[])`.execute(db)
  return new Map(rows.map((row) => [row.day, { complete: row.complete, asOf: row.as_of }]))
}
