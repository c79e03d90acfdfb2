import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createDispatchService } from '../../src/server/dispatch/dispatch.service.js'
import { createEngineService, type EngineService } from '../../src/server/engine/engine.service.js'
import { createFeedService } from '../../src/server/gbfs/gbfs.service.js'
import { silentLogger } from '../../src/server/logger.js'
import { createTripsService } from '../../src/server/trips/trips.service.js'
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.js'

/** The Stations table's "most urgent": the engine's expected failures, kept per run. */

const fixture = (name: string) =>
  join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'engine', name)
const SYSTEM = 'engine_fixture'
// Wednesday 2018-02-14, 07:55 local: the fixture's morning problem (north empty, south full).
const at = new Date('2018-02-14T15:55:00Z')
const BIKES: Record<string, number> = { '1': 1, '2': 2, '3': 1, '4': 14, '5': 15, '6': 13 }
const CAPACITY = 15

let test: TestDatabase
let engine: EngineService

async function setStatus(bikes: Record<string, number>): Promise<void> {
  await sql`delete from station_status_latest where system_id = ${SYSTEM}`.execute(test.db)
  await test.db
    .insertInto('station_status_latest')
    .values(
      Object.entries(bikes).map(([station, count]) => ({
        system_id: SYSTEM,
        station_id: station,
        ts: at,
        last_reported: at,
        num_bikes_available: count,
        num_ebikes_available: 0,
        num_docks_available: CAPACITY - count,
        num_bikes_disabled: 0,
        num_docks_disabled: 0,
        is_installed: true,
        is_renting: true,
        is_returning: true,
      })),
    )
    .execute()
}

const listAt = (now: Date) =>
  createFeedService({
    db: test.db,
    feedUrls: () => [],
    lockName: 'test',
    isLeader: () => false,
    now: () => now,
  }).stations({ systemId: SYSTEM })

async function kept() {
  return test.db
    .selectFrom('station_expected_failures')
    .selectAll()
    .where('system_id', '=', SYSTEM)
    .orderBy('station_id')
    .execute()
}

beforeAll(async () => {
  test = await createTestDatabase()
  const trips = createTripsService({ db: test.db, databaseUrl: test.url, logger: silentLogger() })
  await trips.importFiles({
    paths: [fixture('fordgobike-12-days.csv')],
    systemId: SYSTEM,
    stationsFile: fixture('station_information.json'),
  })
  engine = createEngineService({
    db: test.db,
    dispatch: createDispatchService(test.db, { leaseMs: 3_600_000 }),
    now: () => at,
  })
}, 60_000)

afterAll(async () => {
  await (test as TestDatabase | undefined)?.drop()
})

describe('expected failures per station', () => {
  it('answers none before the engine has run: the table orders by fill', async () => {
    await setStatus(BIKES)
    const stations = await listAt(at)
    expect(stations).toHaveLength(6)
    expect(stations.every((station) => station.expectedFailures === null)).toBe(true)
  })

  it('keeps each live station’s expected failures by count when the engine runs', async () => {
    const summary = await engine.run({ system_id: SYSTEM, crews: 3 })
    expect(summary.model_version).not.toBeNull()
    const rows = await kept()
    expect(rows.map((row) => row.station_id)).toEqual(['1', '2', '3', '4', '5', '6'])
    for (const row of rows) {
      // One value for each count 0..capacity, none negative, over the run's horizon and model.
      expect(row.by_bikes).toHaveLength(CAPACITY + 1)
      expect(row.by_bikes.every((value) => value >= 0)).toBe(true)
      expect(row.horizon_minutes).toBe(summary.horizon_minutes)
      expect(row.model_version).toBe(summary.model_version)
      expect(new Date(row.computed_at).getTime()).toBe(at.getTime())
    }
    // A morning with riders: some station expects failures.
    expect(rows.some((row) => row.by_bikes.some((value) => value > 0.1))).toBe(true)
  })

  it('the station list answers the value at each station’s latest count', async () => {
    const rows = new Map((await kept()).map((row) => [row.station_id, row.by_bikes]))
    const stations = await listAt(new Date(at.getTime() + 30 * 60_000))
    for (const station of stations) {
      const byBikes = rows.get(station.stationId) as number[]
      const expected = byBikes[BIKES[station.stationId] as number] as number
      expect(station.expectedFailures).toBeCloseTo(expected, 2)
      expect(station.expectedFailuresHorizonMinutes).toBe(180)
    }
    // Bikes brought to station 1 since the run: the value at its new count, not the old one.
    await setStatus({ ...BIKES, '1': 8 })
    const after = await listAt(at)
    const one = after.find((station) => station.stationId === '1')
    expect(one?.expectedFailures).toBeCloseTo(rows.get('1')?.[8] as number, 2)
  })

  it('answers none once the run is over 2 hours old', async () => {
    const stations = await listAt(new Date(at.getTime() + 2 * 3_600_000 + 60_000))
    expect(stations.every((station) => station.expectedFailures === null)).toBe(true)
  })

  it('a new run replaces the system’s values, leaving out stations it no longer plans for', async () => {
    await sql`update station_status_latest set last_reported = ${new Date(at.getTime() - 2 * 3_600_000)}
               where system_id = ${SYSTEM} and station_id = '5'`.execute(test.db)
    await engine.run({ system_id: SYSTEM, crews: 3 })
    expect((await kept()).map((row) => row.station_id)).toEqual(['1', '2', '3', '4', '6'])
  })
})
