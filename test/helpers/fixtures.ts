import type { Database } from '../../src/server/db/database.js'

export const SYSTEM = 'test_bay'

/** The seed's task shape (seed 001), in its order: what crew devices built for it read. */
export const SEED_TASK_FIELDS = [
  'id',
  'from_station_id',
  'to_station_id',
  'qty',
  'reason',
  'status',
  'worker_id',
  'created_at',
]

export interface StationSeed {
  station_id: string
  name?: string
  capacity?: number | null
  lat?: number
  lon?: number
  is_active?: boolean
}

/** A system and its stations, around San Francisco unless positions are given. */
export async function seedStations(
  db: Database,
  stations: StationSeed[],
  systemId: string = SYSTEM,
): Promise<void> {
  await db
    .insertInto('systems')
    .values({ system_id: systemId, name: `System ${systemId}` })
    .onConflict((oc) => oc.column('system_id').doNothing())
    .execute()
  await db
    .insertInto('stations')
    .values(
      stations.map((station, index) => ({
        system_id: systemId,
        station_id: station.station_id,
        name: station.name ?? `Station ${station.station_id}`,
        capacity: station.capacity === undefined ? 20 : station.capacity,
        lat: station.lat ?? 37.77 + index * 0.001,
        lon: station.lon ?? -122.42,
        is_active: station.is_active ?? true,
      })),
    )
    .execute()
}
