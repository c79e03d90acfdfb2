import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Database } from '../../src/server/db/database.js'
import { ServiceError } from '../../src/server/errors.js'
import {
  createFlowsService,
  MAX_FLOW_BINS,
  type FlowsService,
} from '../../src/server/flows/flows.service.js'
import { silentLogger } from '../../src/server/logger.js'
import { createTripsService } from '../../src/server/trips/trips.service.js'
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.js'
import { seedSfSystem, tripFixture, uuidOf } from '../helpers/trips.js'

let test: TestDatabase
let db: Database
let flows: FlowsService

beforeAll(async () => {
  test = await createTestDatabase()
  db = test.db
  const trips = createTripsService({ db, databaseUrl: test.url, logger: silentLogger() })
  flows = createFlowsService({ db, trips })
  await seedSfSystem(db, 'sf2023', '2023')
  await seedSfSystem(db, 'sf2018', '2018')
  for (const [file, systemId] of [
    ['lyft-2023-semicolon-crlf.csv', 'sf2023'],
    ['fordgobike-dst-2018.csv', 'sf2018'],
  ] as const) {
    const report = await trips.importFiles({ paths: [tripFixture(file)], systemId })
    expect(report.outcomes[0]?.status).toBe('imported')
  }
})
afterAll(async () => {
  await test.drop()
})

describe('flows of a station', () => {
  it('has every 15-minute bin of the range, with zeros where no trip left or arrived', async () => {
    const series = await flows.stationFlows({
      systemId: 'sf2023',
      stationId: uuidOf('3'),
      from: '2023-07-18T08:00',
      to: '2023-07-18T09:00',
    })
    expect(series).toMatchObject({
      stationName: 'Powell St BART Station (Market St at 4th St)',
      timeZone: 'America/Los_Angeles',
      bin: '15min',
      from: '2023-07-18T15:00:00.000Z',
      to: '2023-07-18T16:00:00.000Z',
      totals: { outflow: 1, inflow: 0 },
    })
    expect(series.points).toEqual([
      { start: '2023-07-18T15:00:00.000Z', local: '2023-07-18 08:00', outflow: 1, inflow: 0 },
      { start: '2023-07-18T15:15:00.000Z', local: '2023-07-18 08:15', outflow: 0, inflow: 0 },
      { start: '2023-07-18T15:30:00.000Z', local: '2023-07-18 08:30', outflow: 0, inflow: 0 },
      { start: '2023-07-18T15:45:00.000Z', local: '2023-07-18 08:45', outflow: 0, inflow: 0 },
    ])
  })

  it('cuts hours on the local clock: the day daylight time ends has 25, two of them 01:00', async () => {
    const series = await flows.stationFlows({
      systemId: 'sf2018',
      stationId: '15',
      from: '2018-11-04',
      to: '2018-11-05',
      bin: 'hour',
    })
    expect(series.points).toHaveLength(25)
    expect(series.points.slice(0, 4).map((p) => [p.local, p.start, p.outflow, p.inflow])).toEqual([
      ['2018-11-04 00:00', '2018-11-04T07:00:00.000Z', 0, 0],
      // The ride 15 -> 30 left at the first 01:10; the ride 3 -> 15 arrived at the second.
      ['2018-11-04 01:00', '2018-11-04T08:00:00.000Z', 1, 0],
      ['2018-11-04 01:00', '2018-11-04T09:00:00.000Z', 0, 1],
      ['2018-11-04 02:00', '2018-11-04T10:00:00.000Z', 0, 0],
    ])
  })

  it('cuts days at local midnight, whatever their length', async () => {
    const series = await flows.stationFlows({
      systemId: 'sf2018',
      stationId: '15',
      from: '2018-11-03',
      to: '2018-11-06',
      bin: 'day',
    })
    expect(series.points.map((p) => [p.local, p.start, p.outflow, p.inflow])).toEqual([
      ['2018-11-03 00:00', '2018-11-03T07:00:00.000Z', 0, 0],
      ['2018-11-04 00:00', '2018-11-04T07:00:00.000Z', 1, 1],
      ['2018-11-05 00:00', '2018-11-05T08:00:00.000Z', 0, 0],
    ])
  })

  it('takes instants with an offset as they are, and rounds from down to its bin', async () => {
    const series = await flows.stationFlows({
      systemId: 'sf2023',
      stationId: uuidOf('3'),
      from: '2023-07-18T15:07:00Z',
      to: '2023-07-18T15:30:00Z',
    })
    expect(series.points.map((p) => p.start)).toEqual([
      '2023-07-18T15:00:00.000Z',
      '2023-07-18T15:15:00.000Z',
    ])
  })

  it('equals a direct count over the trips, at every resolution', async () => {
    for (const bin of ['15min', 'hour', 'day'] as const) {
      const series = await flows.stationFlows({
        systemId: 'sf2018',
        stationId: '284',
        from: '2018-02-01',
        to: '2018-12-01',
        bin,
      })
      const { rows } = await sql<{ outflow: number; inflow: number }>`
        select count(*) filter (where start_station_id = '284')::int as outflow,
               count(*) filter (where end_station_id = '284')::int as inflow
          from trips where system_id = 'sf2018'`.execute(db)
      expect(series.totals, bin).toEqual(rows[0])
      expect(series.totals.outflow, bin).toBe(2)
    }
  })
})

describe('flows of the whole system', () => {
  it('sum every station’s flows per bin', async () => {
    const system = await flows.systemFlows({
      systemId: 'sf2023',
      from: '2023-07-18',
      to: '2023-07-20',
      bin: 'hour',
    })
    expect(system.stationId).toBeNull()
    expect(system.points).toHaveLength(48)
    const { rows } = await sql<{ outflow: number; inflow: number }>`
      select count(start_station_id)::int as outflow, count(end_station_id)::int as inflow
        from trips
       where system_id = 'sf2023'
         and started_at < timestamptz '2023-07-20 07:00Z'`.execute(db)
    expect(system.totals).toEqual(rows[0])
    const eight = system.points.find((p) => p.local === '2023-07-18 08:00')
    // Two rides left docks between 08:00 and 09:00 (the third was dockless); three arrived.
    expect(eight).toMatchObject({ outflow: 2, inflow: 3 })
  })
})

describe('the day-of-week and time-of-day profile', () => {
  /** Local dates with a trip leaving or reaching one of the system's stations, by ISO weekday. */
  async function tripDays(systemId: string, from: string, to: string): Promise<number[]> {
    const { rows } = await sql<{ dow: number; days: number }>`
      select extract(isodow from d)::int as dow, count(*)::int as days
        from (select (started_at at time zone 'America/Los_Angeles')::date as d from trips
               where system_id = ${systemId} and start_station_id is not null
              union
              select (ended_at at time zone 'America/Los_Angeles')::date from trips
               where system_id = ${systemId} and end_station_id is not null) t
       where d >= ${from}::date and d < ${to}::date
       group by 1`.execute(db)
    return [1, 2, 3, 4, 5, 6, 7].map((dow) => rows.find((r) => r.dow === dow)?.days ?? 0)
  }

  it('averages each weekday’s slots over the days of the imported range that have trips, never over the gaps between them', async () => {
    const profile = await flows.stationProfile({ systemId: 'sf2018', stationId: '284' })
    // The import's trips start on local dates from 2018-02-28 to 2018-11-04, a few days of them.
    expect(profile).toMatchObject({ from: '2018-02-28', to: '2018-11-05', bin: 'hour' })
    expect(profile.cells).toHaveLength(7 * 24)
    const days = await tripDays('sf2018', '2018-02-28', '2018-11-05')
    expect(profile.days).toEqual(days)
    // Months of calendar between them: far fewer days than the range has.
    expect(days.reduce((a, b) => a + b, 0)).toBeLessThan(20)
    // Left 284 on Wednesday 2018-02-28 at 23:59 and on Sunday 2018-03-11 at 01:50.
    const cell = (dayOfWeek: number, minuteOfDay: number) =>
      profile.cells.find((c) => c.dayOfWeek === dayOfWeek && c.minuteOfDay === minuteOfDay)
    expect(cell(3, 23 * 60)?.outflow).toBeCloseTo(1 / (days[2] ?? 0), 10)
    expect(cell(7, 60)?.outflow).toBeCloseTo(1 / (days[6] ?? 0), 10)
    const busy = profile.cells.filter((c) => c.outflow > 0)
    expect(busy).toHaveLength(2)
  })

  it('takes 15-minute slots and an explicit range', async () => {
    const profile = await flows.stationProfile({
      systemId: 'sf2018',
      stationId: '284',
      from: '2018-03-01',
      to: '2018-03-15',
      bin: '15min',
    })
    expect(profile.cells).toHaveLength(7 * 96)
    const days = await tripDays('sf2018', '2018-03-01', '2018-03-15')
    expect(profile.days).toEqual(days)
    expect(profile.cells.find((c) => c.outflow > 0)).toEqual({
      dayOfWeek: 7,
      minuteOfDay: 105,
      outflow: 1 / (days[6] ?? 0),
      inflow: 0,
    })
  })
})

describe('requests that cannot be answered', () => {
  it('say what is wrong, as not found or invalid', async () => {
    const cases: [() => Promise<unknown>, string, RegExp][] = [
      [
        () =>
          flows.stationFlows({
            systemId: 'sf2018',
            stationId: 'nope',
            from: '2018-02-01',
            to: '2018-02-02',
          }),
        'not_found',
        /no station "nope" in system sf2018/,
      ],
      [
        () => flows.systemFlows({ systemId: 'atlantis', from: '2018-02-01', to: '2018-02-02' }),
        'invalid',
        /no system "atlantis"; the systems are sf2018/,
      ],
      [
        () => flows.systemFlows({ systemId: 'sf2018', from: '2018-02-30', to: '2018-03-02' }),
        'invalid',
        /from "2018-02-30" is not a real date/,
      ],
      [
        () => flows.systemFlows({ systemId: 'sf2018', from: 'yesterday', to: '2018-03-02' }),
        'invalid',
        /from must be a date/,
      ],
      [
        () => flows.systemFlows({ systemId: 'sf2018', from: '2018-03-02', to: '2018-03-01' }),
        'invalid',
        /to \(2018-03-01\) must be after from/,
      ],
      [
        () => flows.systemFlows({ systemId: 'sf2018', from: '2015-01-01', to: '2018-01-01' }),
        'invalid',
        new RegExp(`at most ${MAX_FLOW_BINS} per request`),
      ],
    ]
    for (const [request, code, message] of cases) {
      const error = await request().then(
        () => null,
        (e: unknown) => e,
      )
      expect(error).toBeInstanceOf(ServiceError)
      expect((error as ServiceError).kind).toBe(code)
      expect((error as ServiceError).detail).toMatch(message)
    }
  })
})

describe('refresh', () => {
  it('rebuilt from all trips, station_flows equals what the imports added', async () => {
    const before = await db
      .selectFrom('station_flows')
      .selectAll()
      .orderBy('system_id')
      .orderBy('station_id')
      .orderBy('time_bin')
      .execute()
    const report = await flows.refresh({ rebuild: true })
    expect(report.rebuilt.map((r) => r.systemId).sort()).toEqual(['sf2018', 'sf2023'])
    const after = await db
      .selectFrom('station_flows')
      .selectAll()
      .orderBy('system_id')
      .orderBy('station_id')
      .orderBy('time_bin')
      .execute()
    expect(after).toEqual(before)
    expect(before.length).toBeGreaterThan(10)
  })
})
