import type { StationKey } from '../../shared/trips.js'
import type { ImportConnection } from '../imports/import-connection.js'
import { createNewFlows, flowBin } from './trip-flows.repository.js'
import { bestStationKey, buildStationMap } from './trip-stations.repository.js'

/**
 * Trips kept without their stations (ids no station had at import time), mapped once stations
 * that match them appear (a feed poll, a station file): `balancer refresh`.
 */

const UNMATCHED = `((start_station_id is null and start_station_raw is not null)
                or (end_station_id is null and end_station_raw is not null))`

export interface UnmatchedImport {
  importId: number
  stationKey: StationKey | null
}

/** Imports of a system that kept trips whose station ids matched nothing (trips_unmatched_idx). */
export async function importsWithUnmatchedTrips(
  client: ImportConnection,
  systemId: string,
): Promise<UnmatchedImport[]> {
  const { rows } = await client.query<{ import_id: string; station_key: StationKey | null }>(
    `select i.import_id::text, i.station_key
       from trip_imports i
      where i.system_id = $1
        and exists (select 1 from trips t
                     where t.system_id = $1 and t.import_id = i.import_id and ${UNMATCHED})
      order by i.import_id`,
    [systemId],
  )
  return rows.map((r) => ({ importId: Number(r.import_id), stationKey: r.station_key }))
}

export interface Remapped {
  stationKey: StationKey | null
  tripEnds: number
}

/**
 * Maps the kept-but-unmatched trips of one import to stations that exist now (a feed was polled,
 * or a station file loaded, after the import), with the import's own stations column (or the
 * best one, if it had none), and adds their counts to trip_new_flows.
 */
export async function remapImport(
  client: ImportConnection,
  systemId: string,
  unmatched: UnmatchedImport,
): Promise<Remapped> {
  const params = [systemId, unmatched.importId]
  await client.query('drop table if exists remap_ids, remap_map')
  await client.query(
    `create temp table remap_ids on commit drop as
     select start_station_raw as raw from trips
      where system_id = $1 and import_id = $2
        and start_station_id is null and start_station_raw is not null
     union
     select end_station_raw from trips
      where system_id = $1 and import_id = $2
        and end_station_id is null and end_station_raw is not null`,
    params,
  )
  const key = unmatched.stationKey ?? (await bestStationKey(client, systemId, 'remap_ids'))
  const found = await buildStationMap(client, systemId, key, 'remap_ids', 'remap_map')
  if (found === 0) return { stationKey: key, tripEnds: 0 }

  await createNewFlows(client)
  await client.query('truncate trip_new_flows')
  // Each end of the trips in turn: the ends mapped now, and the flows they add.
  const ends = [
    ['start', 'started_at', 'count(*), 0'],
    ['end', 'ended_at', '0, count(*)'],
  ] as const
  for (const [end, at, flows] of ends) {
    await client.query(
      `with mapped as (
         update trips t set ${end}_station_id = m.station_id
           from remap_map m
          where t.system_id = $1 and t.import_id = $2 and t.${end}_station_id is null
            and t.${end}_station_raw is not null and t.${end}_station_raw = m.raw
         returning t.${end}_station_id as station_id, t.${at} as at)
       insert into trip_new_flows (station_id, time_bin, outflow, inflow)
       select station_id, ${flowBin('at')}, ${flows} from mapped group by 1, 2`,
      params,
    )
  }
  const moved = await client.query<{ ends: number }>(
    `select coalesce(sum(outflow + inflow), 0)::int as ends from trip_new_flows`,
  )
  await client.query(
    `update trip_imports
        set station_key = coalesce(station_key, $3),
            station_ids_matched = least(station_ids, station_ids_matched + $4),
            trips_unmatched = (select count(*) from trips
                                where system_id = $1 and import_id = $2 and ${UNMATCHED})
      where import_id = $2`,
    [...params, key, found],
  )
  return { stationKey: key, tripEnds: moved.rows[0]?.ends ?? 0 }
}
