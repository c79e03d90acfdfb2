import { sql } from 'kysely'
import type { Database } from '../db/database.js'
import type { StationFailures } from './planner.js'

/**
 * Replaces a system's expected failures per station with a run's, on `trx` (the run's one
 * transaction): what the Stations table's "most urgent" orders by.
 */
export async function keepExpectedFailures(
  trx: Database,
  systemId: string,
  failures: readonly StationFailures[],
  run: { horizonMinutes: number; computedAt: Date; modelVersion: number | null },
): Promise<void> {
  await sql`delete from station_expected_failures where system_id = ${systemId}`.execute(trx)
  if (failures.length === 0) return
  // One array literal per station ('{0.1,0.2}'): unnest cannot take an array of arrays of
  // different lengths.
  const ids = failures.map((station) => station.stationId)
  const values = failures.map((station) => `{${station.byBikes.join(',')}}`)
  await sql`
    insert into station_expected_failures
      (system_id, station_id, by_bikes, horizon_minutes, computed_at, model_version)
    select ${systemId}, f.station_id, f.by_bikes::real[], ${run.horizonMinutes},
           ${run.computedAt}, ${run.modelVersion}::int
      from unnest(${ids}::text[], ${values}::text[]) as f(station_id, by_bikes)
      join stations s on s.system_id = ${systemId} and s.station_id = f.station_id`.execute(trx)
}
