import { sql, type RawBuilder } from 'kysely'
import type { Database } from '../db/database.js'

/** Stations as a run sees them: with their latest (or a past) status, and their nearest ones. */

type Db = Database

export interface StationStateRow {
  station_id: string
  name: string
  lat: number
  lon: number
  capacity: number | null
  is_active: boolean
  /** From the status (latest, or at a time); null when none is known. */
  ts: Date | null
  num_bikes_available: number | null
  num_ebikes_available: number | null
  num_docks_available: number | null
  num_bikes_disabled: number | null
  num_docks_disabled: number | null
  is_installed: boolean | null
  is_renting: boolean | null
  is_returning: boolean | null
}

/**
 * Active stations with the status row `status` joins as `l` (none: nulls), one query for the
 * latest status and for the status at a past time.
 */
async function stationsWithStatus(
  db: Db,
  systemId: string,
  status: RawBuilder<unknown>,
): Promise<StationStateRow[]> {
  const { rows } = await sql<StationStateRow>`
    select s.station_id, s.name, s.lat, s.lon, s.capacity, s.is_active,
           l.ts, l.num_bikes_available, l.num_ebikes_available, l.num_docks_available,
           l.num_bikes_disabled, l.num_docks_disabled, l.is_installed, l.is_renting, l.is_returning
      from stations s
      left join ${status}
     where s.system_id = ${systemId} and s.is_active
     order by s.station_id`.execute(db)
  return rows
}

/** Active stations with their latest known status. */
export async function stationsWithLatestStatus(
  db: Db,
  systemId: string,
): Promise<StationStateRow[]> {
  return stationsWithStatus(
    db,
    systemId,
    sql`station_status_latest l using (system_id, station_id)`,
  )
}

/** Active stations with their status as the history had it at `at` (the last row before). */
export async function stationsWithStatusAt(
  db: Db,
  systemId: string,
  at: Date,
): Promise<StationStateRow[]> {
  return stationsWithStatus(
    db,
    systemId,
    sql`lateral (
        select * from station_status h
         where h.system_id = s.system_id and h.station_id = s.station_id
           and h.ts <= ${at} and h.ts > ${at}::timestamptz - interval '1 day'
         order by h.ts desc limit 1
      ) l on true`,
  )
}

/**
 * For each given station, its nearest active stations within `radiusKm` (at most `limit`), by
 * the earthdistance GiST index on ll_to_earth(lat, lon) (stations_earth_idx): a K-nearest scan
 * of the cube index, cut at the radius.
 */
export async function nearestStations(
  db: Db,
  systemId: string,
  stationIds: readonly string[],
  radiusKm: number,
  limit: number,
): Promise<{ station_id: string; neighbour_id: string; km: number }[]> {
  if (stationIds.length === 0) return []
  const metres = radiusKm * 1000
  const { rows } = await sql<{ station_id: string; neighbour_id: string; km: number }>`
    select a.station_id, n.station_id as neighbour_id, n.metres / 1000 as km
      from stations a
      cross join lateral (
        select b.station_id, earth_distance(ll_to_earth(a.lat, a.lon), ll_to_earth(b.lat, b.lon)) as metres
          from stations b
         where b.system_id = a.system_id and b.is_active and b.station_id <> a.station_id
           and earth_box(ll_to_earth(a.lat, a.lon), ${metres}) @> ll_to_earth(b.lat, b.lon)
         order by ll_to_earth(b.lat, b.lon) <-> ll_to_earth(a.lat, a.lon)
         limit ${limit}
      ) n
     where a.system_id = ${systemId} and a.station_id = any(${stationIds})
       and n.metres <= ${metres}
     order by a.station_id, n.metres`.execute(db)
  return rows
}

/** Why a station's numbers are not to be planned from (station_freshness's reasons). */
export interface Freshness {
  /** Whether the system has a feed that was read: then a stale feed makes every station stale. */
  polled: boolean
  stale: Map<string, string>
}

/**
 * The stations whose status is stale at `at`, by station_freshness() (migration 0003): a station
 * left out of the feed, reporting no real time or not for an hour; every station when the
 * system's feed was read but is not live now. A system whose status was never polled (imported
 * or written by hand: evaluation, tests) has only its stations' own reasons.
 */
export async function stationFreshness(db: Db, systemId: string, at: Date): Promise<Freshness> {
  // station_freshness() names a stale feed first; without a polled feed, the station's own
  // reasons (the function's others, same rules) still apply.
  const { rows } = await sql<{ station_id: string; stale_reason: string | null; polled: boolean }>`
    select x.station_id,
           case when x.stale_reason <> 'feed_stale' or p.polled then x.stale_reason
                when l.missing_since is not null then 'missing_from_feed'
                when l.last_reported is null then 'never_reported'
                when ${at}::timestamptz - l.last_reported > interval '1 hour' then 'report_old'
           end as stale_reason,
           p.polled
      from station_freshness(${at}) x
      join station_status_latest l using (system_id, station_id)
     cross join (select exists(select 1 from feeds f
                                where f.system_id = ${systemId}
                                  and f.last_success_at is not null) as polled) p
     where x.system_id = ${systemId} and x.stale`.execute(db)
  const stale = new Map<string, string>()
  for (const row of rows) if (row.stale_reason) stale.set(row.station_id, row.stale_reason)
  return { polled: rows[0]?.polled ?? false, stale }
}
