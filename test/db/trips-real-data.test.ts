import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { TripImportDone, TripImportRequest } from '../../src/shared/trips.js'
import type { Database } from '../../src/server/db/database.js'
import { createFlowsService } from '../../src/server/flows/flows.service.js'
import { silentLogger } from '../../src/server/logger.js'
import { createTripsService, type TripsService } from '../../src/server/trips/trips.service.js'
import { hasSharedData, NEEDS_SHARED_DATA, sharedData } from '../helpers/shared-data.js'
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.js'
import { tripFixture } from '../helpers/trips.js'

let test: TestDatabase
let db: Database
let trips: TripsService

const trip = (name: string) => sharedData('trips', name)
const feed = (name: string) => sharedData('gbfs', name, 'station_information.json')
const MONTH = sharedData('trips', 'full-month', '201802-fordgobike-tripdata.csv.gz')

async function importDone(request: TripImportRequest): Promise<TripImportDone[]> {
  const report = await trips.importFiles(request)
  return report.outcomes.map((outcome) => {
    if (outcome.status !== 'imported') throw new Error(JSON.stringify(outcome))
    return outcome
  })
}

/** Rows of station_flows that differ from a count made directly over the trips. */
async function flowsDifferingFromTrips(systemId: string): Promise<number> {
  const { rows } = await sql<{ differing: number }>`
    with counted as (
      select station_id, time_bin, sum(outflow)::int as outflow, sum(inflow)::int as inflow
        from (select start_station_id as station_id,
                     date_bin('15 minutes', started_at, timestamptz '2000-01-01') as time_bin,
                     1 as outflow, 0 as inflow
                from trips where system_id = ${systemId} and start_station_id is not null
              union all
              select end_station_id, date_bin('15 minutes', ended_at, timestamptz '2000-01-01'), 0, 1
                from trips where system_id = ${systemId} and end_station_id is not null) e
       group by 1, 2)
    select count(*)::int as differing
      from counted c
      full join (select * from station_flows where system_id = ${systemId}) f
        using (station_id, time_bin)
     where c.outflow is distinct from f.outflow or c.inflow is distinct from f.inflow`.execute(db)
  return rows[0]?.differing ?? -1
}

describe.skipIf(!hasSharedData)(`real Lyft trip files${NEEDS_SHARED_DATA}`, () => {
  beforeAll(async () => {
    test = await createTestDatabase()
    db = test.db
    trips = createTripsService({ db, databaseUrl: test.url, logger: silentLogger() })
  })
  afterAll(async () => {
    await test.drop()
  })

  describe('the full month of February 2018 against the 2018 Ford GoBike feed', () => {
    let month: TripImportDone

    beforeAll(async () => {
      ;[month] = (await importDone({
        paths: [MONTH],
        systemId: 'fgb',
        stationsFile: feed('fordgobike-legacy-2018-04-30'),
      })) as [TripImportDone]
    }, 120_000)

    it('imports all 106,718 rows, matching 273 of the 275 station ids by station_id', () => {
      expect(month).toMatchObject({
        format: 'fordgobike',
        rowsRead: 106_718,
        rowsImported: 106_718,
        rowsRejected: 0,
        firstStartedAt: '2018-02-01T08:00:05.036Z',
        lastEndedAt: '2018-03-01T08:09:45.187Z',
        stations: { matchedBy: 'station_id', ids: 275, idsMatched: 273 },
      })
      expect(month.stations.matchRate).toBeCloseTo(273 / 275, 6)
      expect(month.stations.unmatchedIds.map((u) => u.id).sort()).toEqual(['293', '342'])
    })

    it('keeps the first row of the file exactly, in Pacific time', async () => {
      const first = await db
        .selectFrom('trips')
        .selectAll()
        .where('system_id', '=', 'fgb')
        .where('started_at', '=', new Date('2018-03-01T07:59:47.097Z'))
        .where('start_station_raw', '=', '284')
        .executeTakeFirstOrThrow()
      expect(first).toMatchObject({
        duration_sec: 598,
        ended_at: new Date('2018-03-01T08:09:45.187Z'),
        start_station_id: '284',
        start_station_name: 'Yerba Buena Center for the Arts (Howard St at 3rd St)',
        start_lat: 37.78487208436062,
        start_lon: -122.40087568759917,
        end_station_id: '114',
        end_station_raw: '114',
        end_station_name: 'Rhode Island St at 17th St',
        bike_id: '1035',
        member_type: 'Subscriber',
      })
    })

    it('counts every trip end of a matched station in station_flows, and nothing else', async () => {
      expect(await flowsDifferingFromTrips('fgb')).toBe(0)
      const { rows } = await sql<{ ends: number; unmatched: number }>`
        select (select sum(outflow + inflow) from station_flows where system_id = 'fgb')::int as ends,
               (select count(*) from trips where system_id = 'fgb'
                  and (start_station_id is null or end_station_id is null))::int as unmatched`.execute(
        db,
      )
      expect(rows[0]?.ends).toBe(2 * 106_718 - 2_035 - 127)
      expect(rows[0]?.unmatched).toBe(month.stations.tripsUnmatched)
    })

    it('gives a station the hourly and daily flows a direct count over its trips gives', async () => {
      const flows = createFlowsService({ db, trips })
      const hourly = await flows.stationFlows({
        systemId: 'fgb',
        stationId: '30',
        from: '2018-02-01',
        to: '2018-03-01',
        bin: 'hour',
      })
      expect(hourly.points).toHaveLength(28 * 24)
      const { rows } = await sql<{ hour: Date; outflow: number; inflow: number }>`
        with ends as (
          select date_trunc('hour', started_at) as hour, 1 as outflow, 0 as inflow
            from trips where system_id = 'fgb' and start_station_id = '30'
          union all
          select date_trunc('hour', ended_at), 0, 1
            from trips where system_id = 'fgb' and end_station_id = '30')
        select h as hour, coalesce(sum(outflow), 0)::int as outflow,
               coalesce(sum(inflow), 0)::int as inflow
          from generate_series(timestamptz '2018-02-01 08:00Z', timestamptz '2018-03-01 07:00Z',
                               interval '1 hour') h
          left join ends on ends.hour = h
         group by h order by h`.execute(db)
      expect(hourly.points.map((p) => [p.start, p.outflow, p.inflow])).toEqual(
        rows.map((r) => [r.hour.toISOString(), r.outflow, r.inflow]),
      )
      expect(hourly.totals.outflow).toBeGreaterThan(1_000)

      const daily = await flows.stationFlows({
        systemId: 'fgb',
        stationId: '30',
        from: '2018-02-01',
        to: '2018-03-01',
        bin: 'day',
      })
      expect(daily.points).toHaveLength(28)
      expect(daily.totals).toEqual(hourly.totals)
      expect(daily.points[0]).toMatchObject({
        start: '2018-02-01T08:00:00.000Z',
        local: '2018-02-01 00:00',
      })
    })
  })

  it('matches an old-format file against the 2023 Bay Wheels feed by legacy_id, keeping NULL ids as none', async () => {
    const [done] = await importDone({
      paths: [trip('baywheels-fordgobike-201902-tripdata_first14646rows.csv')],
      systemId: 'bay2023',
      stationsFile: feed('baywheels-legacy-2023-07-19'),
    })
    expect(done).toMatchObject({ rowsRead: 14_646, rowsImported: 14_646, rowsRejected: 0 })
    expect(done?.stations.matchedBy).toBe('legacy_id')
    expect(done?.stations.ids).toBe(324)
    expect(done?.stations.idsMatched).toBeGreaterThanOrEqual(300)
    const { rows } = await sql<{ dockless: number }>`
      select count(*)::int as dockless from trips
       where system_id = 'bay2023' and start_station_raw is null and start_station_id is null`.execute(
      db,
    )
    expect(rows[0]?.dockless).toBe(14)
    expect(await flowsDifferingFromTrips('bay2023')).toBe(0)
  })

  it('imports the small files of both formats with their exact row counts', async () => {
    const outcomes = await importDone({
      paths: [
        trip('baywheels-fordgobike-201801-first49rows.csv'),
        trip('baywheels-201911-semicolon-delimited-1row.csv'),
      ],
      systemId: 'fgb',
    })
    expect(outcomes.map((o) => [o.format, o.rowsRead, o.rowsImported])).toEqual([
      ['fordgobike', 49, 49],
      ['fordgobike', 1, 1],
    ])
    const [divvy] = await importDone({
      paths: [trip('divvy-202102-tripdata-first82rows-crlf.csv')],
      systemId: 'divvy',
      stationsFile: feed('divvy-2.3-2025-01-29'),
    })
    // SOURCES.md: all 72 Divvy trip ids are GBFS short_names.
    expect(divvy).toMatchObject({
      format: 'lyft',
      rowsRead: 82,
      rowsImported: 82,
      stations: { matchedBy: 'short_name', ids: 72, idsMatched: 72 },
    })
    const more = await importDone({
      paths: [
        trip('divvy-202101-tripdata-15rows.csv'),
        trip('bluebikes-201805-tripdata-5rows.csv'),
        trip('bluebikes-202301-tripdata-5rows.csv'),
        // Named "5rows", it holds 6: its last row has no line ending.
        trip('bluebikes-202401-tripdata-5rows.csv'),
      ],
      systemId: 'divvy',
      // The formats are the point here: Boston's files in Chicago's system would be quarantined.
      acceptUnmatched: true,
    })
    expect(more.map((o) => [o.format, o.rowsRead, o.rowsImported])).toEqual([
      ['lyft', 15, 15],
      ['motivate', 5, 5],
      ['motivate', 5, 5],
      ['lyft', 6, 6],
    ])
  })

  it('keeps a Citi Bike short_name such as "5065.10" exactly, matched to its station', async () => {
    const [done] = await importDone({
      paths: [tripFixture('lyft-citibike-short-names.csv')],
      systemId: 'nyc',
      stationsFile: feed('citibike-legacy-2019-07-05'),
      timeZone: 'America/New_York',
    })
    expect(done?.stations).toMatchObject({ matchedBy: 'short_name', ids: 4, idsMatched: 4 })
    const row = await db
      .selectFrom('trips')
      .select(['start_station_raw', 'start_station_id', 'started_at'])
      .where('system_id', '=', 'nyc')
      .where('ride_id', '=', '0A1B2C3D4E5F6071')
      .executeTakeFirstOrThrow()
    expect(row).toEqual({
      start_station_raw: '5065.10',
      start_station_id: '264',
      started_at: new Date('2019-07-05T12:01:02Z'),
    })
  })
})
