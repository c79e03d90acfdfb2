import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createDispatchService } from '../../src/server/dispatch/dispatch.service.js'
import { createEngineService, type EngineService } from '../../src/server/engine/engine.service.js'
import { silentLogger } from '../../src/server/logger.js'
import { createTripsService } from '../../src/server/trips/trips.service.js'
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.js'

/** Honest inputs: stations whose status is stale are not planned from. */

const fixture = (name: string) =>
  join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'engine', name)
const SYSTEM = 'engine_fixture'
// Wednesday 2018-02-14, 07:55 local: the fixture's morning problem (north empty, south full).
const at = new Date('2018-02-14T15:55:00Z')
const BIKES: Record<string, number> = { '1': 1, '2': 2, '3': 1, '4': 14, '5': 15, '6': 13 }

let test: TestDatabase
let engine: EngineService

async function setStatus(reportedAt: Record<string, Date>): Promise<void> {
  await sql`delete from station_status_latest where system_id = ${SYSTEM}`.execute(test.db)
  await test.db
    .insertInto('station_status_latest')
    .values(
      Object.entries(BIKES).map(([station, count]) => ({
        system_id: SYSTEM,
        station_id: station,
        ts: at,
        last_reported: reportedAt[station] ?? at,
        num_bikes_available: count,
        num_ebikes_available: 0,
        num_docks_available: 15 - count,
        num_bikes_disabled: 0,
        num_docks_disabled: 0,
        is_installed: true,
        is_renting: true,
        is_returning: true,
      })),
    )
    .execute()
}

const stationsIn = (summary: Awaited<ReturnType<EngineService['run']>>) =>
  new Set(summary.suggestions.flatMap((s) => [s.from_station_id, s.to_station_id]))

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

describe('stale status', () => {
  it('plans from every station while each reported within the hour', async () => {
    await setStatus({})
    const summary = await engine.run({ system_id: SYSTEM, crews: 3 })
    expect(summary.stations).toBe(6)
    expect(stationsIn(summary).has('5')).toBe(true)
  })

  it('leaves out a station that last reported more than an hour before the run', async () => {
    await setStatus({ '5': new Date(at.getTime() - 2 * 3_600_000) })
    const summary = await engine.run({ system_id: SYSTEM, crews: 3 })
    expect(summary.stations).toBe(5)
    expect(summary.created).toBeGreaterThan(0)
    expect(stationsIn(summary).has('5')).toBe(false)
  })

  it("plans from nothing when the system's polled feed is not live", async () => {
    await setStatus({})
    await test.db
      .insertInto('feeds')
      .values({
        url: 'https://example.test/gbfs.json',
        system_id: SYSTEM,
        ttl_seconds: 60,
        feed_last_updated: new Date(at.getTime() - 20 * 60_000),
        last_success_at: new Date(at.getTime() - 20 * 60_000),
      })
      .execute()
    const summary = await engine.run({ system_id: SYSTEM, crews: 3 })
    expect(summary.stations).toBe(0)
    expect(summary.created).toBe(0)
    expect(summary.note).toMatch(/6 stations left out: their status is stale/)
    await sql`update feeds set feed_last_updated = ${at} where system_id = ${SYSTEM}`.execute(
      test.db,
    )
    const live = await engine.run({ system_id: SYSTEM, crews: 3 })
    expect(live.stations).toBe(6)
  })
})
