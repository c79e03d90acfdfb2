import { spawnSync } from 'node:child_process'
import { createReadStream, createWriteStream } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pipeline } from 'node:stream/promises'
import { sql } from 'kysely'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { TripImportOutcome } from '../../src/shared/trips.js'
import type { Database } from '../../src/server/db/database.js'
import { silentLogger } from '../../src/server/logger.js'
import { createTripsService, type TripsService } from '../../src/server/trips/trips.service.js'
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.js'
import { seedSfSystem, tripFixture } from '../helpers/trips.js'

/**
 * The two ways a trip file comes in (issue 18): a file that can be read again is copied straight
 * into the import's own partition of trips; a pipe goes the careful way through staging. Both
 * must give the same trips and the same flows.
 */

let test: TestDatabase
let db: Database
let trips: TripsService
let scratch: string

beforeAll(async () => {
  test = await createTestDatabase()
  db = test.db
  trips = createTripsService({ db, databaseUrl: test.url, logger: silentLogger() })
  scratch = await mkdtemp(join(tmpdir(), 'balancer-trips-straight-'))
  for (const system of ['straight2018', 'careful2018']) await seedSfSystem(db, system, '2018')
  for (const system of ['straight2023', 'careful2023']) await seedSfSystem(db, system, '2023')
})
afterAll(async () => {
  await test.drop()
  await rm(scratch, { recursive: true, force: true })
})

function imported(outcome: TripImportOutcome | undefined) {
  if (outcome?.status !== 'imported') throw new Error(`not imported: ${JSON.stringify(outcome)}`)
  return outcome
}

/** The file's bytes through a named pipe: it cannot be read twice, so it goes the careful way. */
async function importThroughPipe(file: string, systemId: string, name: string) {
  const fifo = join(scratch, name)
  expect(spawnSync('mkfifo', [fifo]).status).toBe(0)
  const writing = pipeline(createReadStream(file), createWriteStream(fifo))
  const report = await trips.importFiles({ paths: [fifo], systemId })
  await writing
  return imported(report.outcomes[0])
}

async function tripsOf(systemId: string) {
  const { rows } = await sql<Record<string, unknown>>`
    select ride_id, started_at, ended_at, duration_sec, start_station_id, end_station_id,
           start_station_raw, end_station_raw, start_station_name, end_station_name,
           start_lat, start_lon, end_lat, end_lon, rideable_type, member_type, bike_id
      from trips where system_id = ${systemId}
     order by started_at, ended_at, start_station_raw, end_station_raw, bike_id, ride_id`.execute(
    db,
  )
  return rows
}

async function flowsOf(systemId: string) {
  const { rows } = await sql`
    select station_id, time_bin, outflow, inflow from station_flows
     where system_id = ${systemId} order by station_id, time_bin`.execute(db)
  return rows
}

describe('a trip file copied straight into its own partition of trips', () => {
  it.each([
    ['fordgobike-dst-2018.csv', '2018'],
    ['lyft-2023-semicolon-crlf.csv', '2023'],
  ])('gives %s the trips and flows the careful way gives it', async (file, year) => {
    const straight = imported(
      (await trips.importFiles({ paths: [tripFixture(file)], systemId: `straight${year}` }))
        .outcomes[0],
    )
    const careful = await importThroughPipe(tripFixture(file), `careful${year}`, `${file}.fifo`)
    expect(straight.rowsImported).toBe(careful.rowsImported)
    expect(straight.stations).toEqual(careful.stations)
    expect(straight.firstStartedAt).toBe(careful.firstStartedAt)
    expect(straight.lastEndedAt).toBe(careful.lastEndedAt)
    expect(await tripsOf(`straight${year}`)).toEqual(await tripsOf(`careful${year}`))
    expect(await flowsOf(`straight${year}`)).toEqual(await flowsOf(`careful${year}`))

    // Each import is one partition of trips, attached with nothing of its loading left over.
    for (const importId of [straight.importId, careful.importId]) {
      const { rows } = await sql<{ partition: boolean; columns: string[] }>`
        select c.relispartition as partition,
               array(select attname::text from pg_attribute
                      where attrelid = c.oid and attnum > 0 and not attisdropped
                      order by attname) as columns
          from pg_class c where c.relname = ${`trips_import_${importId}`}`.execute(db)
      expect(rows[0]?.partition).toBe(true)
      expect(rows[0]?.columns).toEqual(
        (
          await sql<{ attname: string }>`
            select attname::text from pg_attribute
             where attrelid = 'trips'::regclass and attnum > 0 and not attisdropped
             order by attname`.execute(db)
        ).rows.map((r) => r.attname),
      )
    }
  })

  it('leaves nothing when its connection is lost while it copies', async () => {
    await seedSfSystem(db, 'killed2018', '2018')
    const admin = new pg.Client({ connectionString: test.url })
    await admin.connect()
    const kills: Promise<unknown>[] = []
    try {
      const report = await trips.importFiles(
        { paths: [tripFixture('fordgobike-dst-2018.csv')], systemId: 'killed2018' },
        (progress) => {
          if (progress.phase === 'reading' && kills.length === 0) {
            kills.push(
              admin.query(
                `select pg_terminate_backend(pid) from pg_stat_activity
                  where datname = current_database() and application_name = 'balancer import-trips'`,
              ),
            )
          }
        },
      )
      await Promise.all(kills)
      expect(kills).toHaveLength(1)
      expect(report.outcomes[0]?.status).toBe('failed')
    } finally {
      await admin.end()
    }
    const left = await sql<{ trips: number; imports: number; tables: number }>`
      select (select count(*) from trips where system_id = 'killed2018')::int as trips,
             (select count(*) from trip_imports where system_id = 'killed2018')::int as imports,
             (select count(*) from pg_class
               where relname like 'trips_import_%' and relkind = 'r'
                 and not relispartition)::int as tables`.execute(db)
    expect(left.rows[0]).toEqual({ trips: 0, imports: 0, tables: 0 })
  })
})
