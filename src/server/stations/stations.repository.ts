import { sql } from 'kysely'
import type { Database } from '../db/database.js'
import type { FlowTime } from '../flows/flows.repository.js'

export interface StationRow {
  name: string
  lat: number
  lon: number
}

export async function stationOf(
  db: Database,
  systemId: string,
  stationId: string,
): Promise<StationRow | undefined> {
  return db
    .selectFrom('stations')
    .select(['name', 'lat', 'lon'])
    .where('system_id', '=', systemId)
    .where('station_id', '=', stationId)
    .executeTakeFirst()
}

/** A `from`/`to` as an instant: local times are read on the system's clock. */
export async function instantsOf(
  db: Database,
  times: readonly FlowTime[],
  timeZone: string,
): Promise<Date[]> {
  if (times.length === 0) return []
  const { rows } = await sql<{ at: Date }>`
    select case when t.kind = 'instant' then t.text::timestamptz
                else t.text::timestamp at time zone ${timeZone} end as at
      from unnest(${times.map((t) => t.kind)}::text[], ${times.map((t) => t.text)}::text[])
           with ordinality as t(kind, text, n)
     order by t.n`.execute(db)
  return rows.map((row) => row.at)
}

export interface StatusChangeRow {
  ts: Date
  bikes: number
  ebikes: number | null
  docks: number
  is_renting: boolean
}

/**
 * A station's states over [from, to): the one in force at `from` (its last change before), then
 * every change. station_status keeps a row only when something changed, so a state holds until
 * the next row. Both halves read the primary key (system, station, ts) of each month's partition.
 */
export async function statusChanges(
  db: Database,
  params: { systemId: string; stationId: string; from: Date; to: Date },
): Promise<StatusChangeRow[]> {
  const { systemId, stationId, from, to } = params
  const { rows } = await sql<StatusChangeRow>`
    (select ts, num_bikes_available as bikes, num_ebikes_available as ebikes,
            num_docks_available as docks, is_renting
       from station_status
      where system_id = ${systemId} and station_id = ${stationId} and ts <= ${from}
      order by ts desc
      limit 1)
    union all
    (select ts, num_bikes_available, num_ebikes_available, num_docks_available, is_renting
       from station_status
      where system_id = ${systemId} and station_id = ${stationId}
        and ts > ${from} and ts < ${to}
      order by ts)
    order by ts`.execute(db)
  return rows
}

export interface NeighbourRow {
  station_id: string
  distance_meters: number
}

/**
 * The active stations of a system nearest to one of them, nearest first. The ordering operator
 * `<->` on ll_to_earth (straight-line distance through the earth, in the same order as distance
 * along it) walks the GiST index stations_earth_idx nearest first, so no radius needs guessing.
 */
export async function nearestStations(
  db: Database,
  params: { systemId: string; stationId: string; limit: number },
): Promise<NeighbourRow[]> {
  const { rows } = await sql<NeighbourRow>`
    select n.station_id,
           earth_distance(ll_to_earth(c.lat, c.lon), ll_to_earth(n.lat, n.lon)) as distance_meters
      from stations c
      cross join lateral (
        select s.station_id, s.lat, s.lon
          from stations s
         where s.system_id = c.system_id and s.is_active and s.station_id <> c.station_id
         order by ll_to_earth(s.lat, s.lon) <-> ll_to_earth(c.lat, c.lon)
         limit ${params.limit}
      ) n
     where c.system_id = ${params.systemId} and c.station_id = ${params.stationId}
     order by distance_meters, n.station_id`.execute(db)
  return rows
}

/** Consecutive snapshots of a system further apart than the bridge, and the system's last one. */
export interface SnapshotSpacing {
  /** [one snapshot, the next] pairs further apart than `bridgeSeconds`; `next` null: the last. */
  spans: { at: Date; next: Date | null }[]
  /** The earliest snapshot read (the one in force at `from`, else the range's first). */
  first: Date | null
  bridgeSeconds: number | null
  lastAt: Date | null
}

/**
 * When the system's status was read over [from, to] (the snapshot in force at `from` included):
 * the spacings longer than the bridge, max(2 x their median, `floorSeconds`), which is what a
 * chart must not draw a line across. The primary key (system_id, observed_at) serves each part;
 * a month of 10-second polls is 260,000 snapshots, sorted once for the median.
 */
export async function snapshotSpacing(
  db: Database,
  params: { systemId: string; from: Date; to: Date; floorSeconds: number },
): Promise<SnapshotSpacing> {
  const { systemId, from, to, floorSeconds } = params
  const { rows } = await sql<{ at: Date; next: Date | null; bridge: number | null; first: Date }>`
    with s as (
      (select observed_at from status_snapshots
        where system_id = ${systemId} and observed_at <= ${from}
        order by observed_at desc limit 1)
      union all
      (select observed_at from status_snapshots
        where system_id = ${systemId} and observed_at > ${from} and observed_at <= ${to})
    ), d as (
      select observed_at as at, lead(observed_at) over (order by observed_at) as next from s
    ), b as (
      select greatest(2 * percentile_cont(0.5) within group (
               order by extract(epoch from next - at)::float8), ${floorSeconds}::float8) as bridge
        from d where next is not null
    )
    select d.at, d.next, b.bridge, (select min(at) from d) as first
      from d cross join b
     where d.next is null
        or extract(epoch from d.next - d.at)::float8 > coalesce(b.bridge, ${floorSeconds}::float8)
     order by d.at`.execute(db)
  const last = await db
    .selectFrom('status_snapshots')
    .select((eb) => eb.fn.max('observed_at').as('last'))
    .where('system_id', '=', systemId)
    .executeTakeFirst()
  return {
    spans: rows.map(({ at, next }) => ({ at, next })),
    first: rows[0]?.first ?? null,
    bridgeSeconds: rows[0]?.bridge ?? null,
    lastAt: last?.last ?? null,
  }
}
