import { spawnSync } from 'node:child_process'
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { TripImportOutcome, TripImportProgress } from '../../src/shared/trips.js'
import type { Database } from '../../src/server/db/database.js'
import { silentLogger } from '../../src/server/logger.js'
import { loadStationFile } from '../../src/server/trips/station-file.js'
import { createTripsService, type TripsService } from '../../src/server/trips/trips.service.js'
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.js'
import { seedSfSystem, tripFixture, uuidOf } from '../helpers/trips.js'

let test: TestDatabase
let db: Database
let trips: TripsService
let scratch: string

beforeAll(async () => {
  test = await createTestDatabase()
  db = test.db
  trips = createTripsService({ db, databaseUrl: test.url, logger: silentLogger() })
  scratch = await mkdtemp(join(tmpdir(), 'balancer-trips-'))
  // The same stations keyed as the 2018 feed keyed them, and as the 2023 feed does.
  await seedSfSystem(db, 'sf2018', '2018')
  await seedSfSystem(db, 'sf2023', '2023')
})
afterAll(async () => {
  await test.drop()
  await rm(scratch, { recursive: true, force: true })
})

async function importOne(
  path: string,
  systemId: string,
  extra: { maxRejected?: string; progress?: TripImportProgress[]; timeZone?: string } = {},
): Promise<TripImportOutcome> {
  const report = await trips.importFiles(
    { paths: [path], systemId, maxRejected: extra.maxRejected, timeZone: extra.timeZone },
    (progress) => extra.progress?.push(progress),
  )
  const outcome = report.outcomes[0]
  if (!outcome) throw new Error('no outcome')
  return outcome
}

function imported(outcome: TripImportOutcome) {
  if (outcome.status !== 'imported') {
    throw new Error(`expected an import, got ${JSON.stringify(outcome)}`)
  }
  return outcome
}

async function tripsOf(importId: number) {
  return db
    .selectFrom('trips')
    .selectAll()
    .where('import_id', '=', importId)
    .orderBy('started_at')
    .execute()
}

async function leftovers(systemId: string) {
  const { rows } = await sql<{ trips: number; imports: number; flows: number }>`
    select (select count(*) from trips where system_id = ${systemId})::int as trips,
           (select count(*) from trip_imports where system_id = ${systemId})::int as imports,
           (select count(*) from station_flows where system_id = ${systemId})::int as flows`.execute(
    db,
  )
  return rows[0]
}

describe('importing the old Ford GoBike format', () => {
  it('imports every row with times read in the system time zone and station ids matched by station_id', async () => {
    const outcome = imported(await importOne(tripFixture('fordgobike-dst-2018.csv'), 'sf2018'))
    expect(outcome).toMatchObject({
      format: 'fordgobike',
      timeZone: 'America/Los_Angeles',
      rowsRead: 7,
      rowsImported: 7,
      rowsRejected: 0,
      stations: { matchedBy: 'station_id', ids: 6, idsMatched: 6, matchRate: 1 },
    })
    const rows = await tripsOf(outcome.importId)
    const winter = rows.find((r) => r.duration_sec === 598)
    expect(winter).toMatchObject({
      system_id: 'sf2018',
      started_at: new Date('2018-03-01T07:59:47.097Z'),
      ended_at: new Date('2018-03-01T08:09:45.187Z'),
      start_station_id: '284',
      start_station_raw: '284',
      start_station_name: 'Yerba Buena Center for the Arts (Howard St at 3rd St)',
      end_station_id: '114',
      start_lat: 37.78487208436062,
      start_lon: -122.40087568759917,
      bike_id: '1035',
      member_type: 'Subscriber',
      ride_id: null,
    })
  })

  it('reads the hour repeated when daylight time ends by each trip’s duration', async () => {
    const outcome = imported(
      await importOne(tripFixture('fordgobike-dst-2018.csv'), 'sf2023', {
        timeZone: 'America/Los_Angeles',
      }),
    )
    const rows = await tripsOf(outcome.importId)
    const byBike = new Map(rows.map((r) => [r.bike_id, r]))
    const instants = (bike: string) => {
      const row = byBike.get(bike)
      return [row?.started_at.toISOString(), row?.ended_at.toISOString()]
    }
    // 01:50 -> 01:10 in 1,200 s: left at 01:50 daylight time, arrived at 01:10 standard time.
    expect(instants('1035')).toEqual(['2018-11-04T08:50:00.123Z', '2018-11-04T09:10:00.999Z'])
    // 01:10 -> 01:50 in 6,000 s: the first 01:10, the second 01:50.
    expect(instants('2765')).toEqual(['2018-11-04T08:10:00.000Z', '2018-11-04T09:50:00.500Z'])
    // 00:50 -> 01:20 in 1,800 s: the first 01:20.
    expect(instants('1290')).toEqual(['2018-11-04T07:50:00.000Z', '2018-11-04T08:20:00.400Z'])
    // Across the skipped hour in March: 01:50 standard time to 03:10 daylight time, 1,200 s.
    expect(instants('2042')).toEqual(['2018-03-11T09:50:00.000Z', '2018-03-11T10:10:00.700Z'])
    for (const row of rows) {
      if (row.duration_sec === null) continue
      const seconds = (row.ended_at.getTime() - row.started_at.getTime()) / 1000
      expect(Math.floor(seconds), `bike ${row.bike_id}`).toBe(row.duration_sec)
    }
  })

  it('matches an old file against a 2023 feed by legacy_id, and keeps the literal NULL as no station', async () => {
    const rows = await db
      .selectFrom('trips')
      .innerJoin('trip_imports', 'trip_imports.import_id', 'trips.import_id')
      .select(['trips.start_station_id', 'trips.start_station_raw', 'trip_imports.station_key'])
      .where('trips.system_id', '=', 'sf2023')
      .orderBy('trips.started_at')
      .execute()
    expect(rows.every((r) => r.station_key === 'legacy_id')).toBe(true)
    expect(rows).toContainEqual({
      start_station_id: uuidOf('284'),
      start_station_raw: '284',
      station_key: 'legacy_id',
    })
    // The dockless trip: kept, with no station at either end and no raw id.
    expect(rows).toContainEqual({
      start_station_id: null,
      start_station_raw: null,
      station_key: 'legacy_id',
    })
  })
})

describe('importing the Lyft format', () => {
  it('reads semicolons, CRLF and quoted fields, matches short_name, keeps unknown and missing stations', async () => {
    const outcome = imported(await importOne(tripFixture('lyft-2023-semicolon-crlf.csv'), 'sf2023'))
    expect(outcome).toMatchObject({
      format: 'lyft',
      rowsRead: 6,
      rowsImported: 6,
      stations: {
        matchedBy: 'short_name',
        ids: 7,
        idsMatched: 6,
        unmatchedIds: [{ id: 'SF-Z99', tripEnds: 1 }],
        tripsUnmatched: 1,
      },
    })
    const rows = await tripsOf(outcome.importId)
    expect(rows[0]).toMatchObject({
      ride_id: 'A1B2C3D4E5F60718',
      rideable_type: 'classic_bike',
      started_at: new Date('2023-07-18T15:01:02.345Z'),
      ended_at: new Date('2023-07-18T15:14:59.001Z'),
      duration_sec: null,
      start_station_id: uuidOf('3'),
      start_station_raw: 'SF-G27',
      end_station_id: uuidOf('15'),
      member_type: 'member',
    })
    const dockless = rows.find((r) => r.ride_id === 'C1B2C3D4E5F60718')
    expect(dockless).toMatchObject({ start_station_id: null, start_station_raw: null })
    const unknown = rows.find((r) => r.ride_id === 'D1B2C3D4E5F60718')
    expect(unknown).toMatchObject({ end_station_id: null, end_station_raw: 'SF-Z99' })
    // No duration in this format: 01:50 -> 01:10 on the night clocks go back is read as the
    // shortest trip that does not end before it starts (20 minutes).
    const night = rows.find((r) => r.ride_id === 'E1B2C3D4E5F60718')
    expect(night?.started_at).toEqual(new Date('2023-11-05T08:50:00Z'))
    expect(night?.ended_at).toEqual(new Date('2023-11-05T09:10:00Z'))
  })

  it('treats the same trips as .csv, .csv.gz and .zip as one file: the second and third are no-ops that say so', async () => {
    const first = await importOne(tripFixture('lyft-2023-semicolon-crlf.csv'), 'sf2018')
    const gz = await importOne(tripFixture('lyft-2023-semicolon-crlf.csv.gz'), 'sf2018')
    const zip = await importOne(tripFixture('lyft-2023-semicolon-crlf.zip'), 'sf2018')
    const importId = imported(first).importId
    expect(gz).toMatchObject({ status: 'already-imported', importId, rowsImported: 6 })
    expect(zip).toMatchObject({
      status: 'already-imported',
      importId,
      file: 'lyft-2023-semicolon-crlf.zip:lyft-2023-semicolon-crlf.csv',
    })
    const { count } = await db
      .selectFrom('trips')
      .select((eb) => eb.fn.countAll<number>().as('count'))
      .where('import_id', '=', importId)
      .executeTakeFirstOrThrow()
    expect(count).toBe(6)
  })

  it('imports the same file sent twice at once only once: the other answers "already imported"', async () => {
    await seedSfSystem(db, 'sftwice', '2023')
    const file = tripFixture('lyft-2023-semicolon-crlf.csv')
    const outcomes = await Promise.all([importOne(file, 'sftwice'), importOne(file, 'sftwice')])
    expect(outcomes.map((outcome) => outcome.status).sort()).toEqual([
      'already-imported',
      'imported',
    ])
    const { count } = await db
      .selectFrom('trips')
      .select((eb) => eb.fn.countAll<number>().as('count'))
      .where('system_id', '=', 'sftwice')
      .executeTakeFirstOrThrow()
    expect(count).toBe(6)
  })

  it('reads a .zip the same as the plain file (the __MACOSX entry is skipped)', async () => {
    await seedSfSystem(db, 'sfzip', '2023')
    const outcome = imported(await importOne(tripFixture('lyft-2023-semicolon-crlf.zip'), 'sfzip'))
    expect(outcome).toMatchObject({ rowsImported: 6, stations: { idsMatched: 6 } })
  })
})

describe('files that cannot be imported as they are', () => {
  it('refuses an unknown header, naming the columns each format expects', async () => {
    const outcome = await importOne(tripFixture('lyft-missing-column.csv'), 'sf2018')
    expect(outcome.status).toBe('failed')
    const error = outcome.status === 'failed' ? outcome.error : ''
    expect(error).toMatch(/unrecognised trip file header/)
    expect(error).toMatch(/looks like Lyft .* without member_casual/)
    expect(error).toMatch(/duration_sec, start_time, end_time/)
    expect(error).toMatch(/ride_id, rideable_type, started_at/)
  })

  it('refuses a file cut off mid-row, naming the line, and leaves nothing behind', async () => {
    await seedSfSystem(db, 'sfcut', '2018')
    const outcome = await importOne(tripFixture('fordgobike-cut-off.csv'), 'sfcut')
    expect(outcome.status).toBe('failed')
    expect(outcome.status === 'failed' && outcome.error).toMatch(
      /fordgobike-cut-off\.csv, line 5: unterminated CSV quoted field; the file is damaged or cut off/,
    )
    expect(await leftovers('sfcut')).toEqual({ trips: 0, imports: 0, flows: 0 })
  })

  it('refuses a row with a field too few, and a truncated gzip, leaving nothing behind', async () => {
    const lines = (await readFile(tripFixture('fordgobike-dst-2018.csv'), 'utf8')).split('\n')
    const short = join(scratch, 'short-row.csv')
    await writeFile(short, [...lines.slice(0, 3), '598,"2018-02-28 23:59:47.0970"', ''].join('\n'))
    const outcome = await importOne(short, 'sfcut')
    expect(outcome.status === 'failed' && outcome.error).toMatch(/line 4: missing data for column/)

    const gz = join(scratch, 'truncated.csv.gz')
    const whole = spawnSync('gzip', ['-c', tripFixture('fordgobike-dst-2018.csv')]).stdout
    await writeFile(gz, whole.subarray(0, Math.floor(whole.length * 0.8)))
    const truncated = await importOne(gz, 'sfcut')
    expect(truncated.status === 'failed' && truncated.error).toMatch(/truncated|unexpected end/)
    expect(await leftovers('sfcut')).toEqual({ trips: 0, imports: 0, flows: 0 })
  })

  it('keeps bad rows with their line and reason, imports the rest, and drops impossible positions only', async () => {
    await seedSfSystem(db, 'sfbad', '2018')
    const outcome = imported(await importOne(tripFixture('fordgobike-bad-rows.csv'), 'sfbad'))
    expect(outcome).toMatchObject({ rowsRead: 7, rowsImported: 2, rowsRejected: 5 })
    const errors = await db
      .selectFrom('trip_import_errors')
      .select(['line', 'reason', 'fields'])
      .where('import_id', '=', outcome.importId)
      .orderBy('line')
      .execute()
    expect(errors.map((e) => [e.line, e.reason])).toEqual([
      [3, 'start_time "2018-02-30 08:00:00.0000" is not a date and time'],
      [4, 'ends (2018-02-01 08:00:00.0000) before it starts (2018-02-01 09:00:00.0000)'],
      [5, 'negative duration_sec -60'],
      [6, 'start_time is empty'],
      [7, 'duration_sec "abc" is not a number'],
    ])
    expect(errors[0]?.fields.slice(0, 4)).toEqual([
      '300',
      '2018-02-30 08:00:00.0000',
      '2018-02-30 08:05:00.0000',
      '3',
    ])
    const kept = await tripsOf(outcome.importId)
    expect(kept.map((t) => t.bike_id)).toEqual(['1001', '1007'])
    expect(kept[1]).toMatchObject({ start_lat: null, start_lon: -122.395282 })
  })

  it('refuses a file with more bad rows than allowed, leaving nothing behind', async () => {
    await seedSfSystem(db, 'sfstrict', '2018')
    const outcome = await importOne(tripFixture('fordgobike-bad-rows.csv'), 'sfstrict', {
      maxRejected: '2',
    })
    expect(outcome.status === 'failed' && outcome.error).toMatch(
      /5 of 7 rows are bad \(more than the 2 allowed\), so nothing was imported; line 3: start_time/,
    )
    expect(await leftovers('sfstrict')).toEqual({ trips: 0, imports: 0, flows: 0 })
  })
})

describe('progress', () => {
  it('reports rows done, rows/s and percent while reading, then each phase', async () => {
    await seedSfSystem(db, 'sfprogress', '2018')
    const progress: TripImportProgress[] = []
    imported(await importOne(tripFixture('fordgobike-dst-2018.csv'), 'sfprogress', { progress }))
    expect(progress.map((p) => p.phase)).toEqual(
      expect.arrayContaining(['reading', 'inserting', 'flows', 'done']),
    )
    const done = progress.at(-1)
    expect(done).toMatchObject({ phase: 'done', rowsDone: 7, percent: 100 })
    expect(done?.rowsPerSecond).toBeGreaterThan(0)
    for (const p of progress) expect(p.file).toBe('fordgobike-dst-2018.csv')
  })
})

describe('station_flows', () => {
  it('a second file over the same days adds to the bins the first made', async () => {
    await seedSfSystem(db, 'sfoverlap', '2018')
    const lines = (await readFile(tripFixture('fordgobike-dst-2018.csv'), 'utf8')).split('\n')
    const part = join(scratch, 'first-rows.csv')
    await writeFile(part, [...lines.slice(0, 4), ''].join('\n'))
    imported(await importOne(tripFixture('fordgobike-dst-2018.csv'), 'sfoverlap'))
    imported(await importOne(part, 'sfoverlap'))
    const { rows } = await sql<{ differing: number; flows: number }>`
      with counted as (
        select station_id, time_bin, sum(o)::int as outflow, sum(i)::int as inflow
          from (select start_station_id as station_id,
                       date_bin('15 minutes', started_at, timestamptz '2000-01-01') as time_bin,
                       1 as o, 0 as i
                  from trips where system_id = 'sfoverlap' and start_station_id is not null
                union all
                select end_station_id, date_bin('15 minutes', ended_at, timestamptz '2000-01-01'), 0, 1
                  from trips where system_id = 'sfoverlap' and end_station_id is not null) e
         group by 1, 2)
      select count(*) filter (where c.outflow is distinct from f.outflow
                                 or c.inflow is distinct from f.inflow)::int as differing,
             sum(f.outflow + f.inflow)::int as flows
        from counted c
        full join (select * from station_flows where system_id = 'sfoverlap') f
          using (station_id, time_bin)`.execute(db)
    // 6 trips with stations at both ends, then 3 of them again.
    expect(rows[0]).toEqual({ differing: 0, flows: 2 * (6 + 3) })
  })
})

describe('stations that appear after the import', () => {
  it('are mapped by a remap, which adds the trips to station_flows', async () => {
    await db.insertInto('systems').values({ system_id: 'sflate', name: 'late stations' }).execute()
    const outcome = imported(await importOne(tripFixture('fordgobike-dst-2018.csv'), 'sflate'))
    expect(outcome.stations).toMatchObject({ matchedBy: null, idsMatched: 0, tripsUnmatched: 6 })
    expect(outcome.hint).toMatch(
      /no stations these ids match.*match rate 0 %.*--stations.*balancer refresh/,
    )
    expect(await leftovers('sflate')).toMatchObject({ trips: 7, flows: 0 })

    const copy = join(scratch, 'station_information.json')
    await writeFile(
      copy,
      JSON.stringify({
        last_updated: 1525104836,
        ttl: 10,
        data: {
          stations: [
            { station_id: '284', name: 'Yerba Buena', lat: 37.78, lon: -122.4, capacity: 19 },
            { station_id: '114', name: 'Rhode Island St', lat: 37.76, lon: -122.4 },
          ],
        },
      }),
    )
    await loadStationFile(db, copy, { systemId: 'sflate' })

    const [report] = await trips.remapUnmatched('sflate')
    // 284 -> 114 twice, and 74 -> 284 once: five trip ends now name a station.
    expect(report).toMatchObject({ systemId: 'sflate', imports: 1, tripEndsMapped: 5 })
    const { rows } = await sql<{ flows: number; ends: number }>`
      select (select sum(outflow + inflow) from station_flows where system_id = 'sflate')::int as flows,
             (select count(start_station_id) + count(end_station_id) from trips
               where system_id = 'sflate')::int as ends`.execute(db)
    expect(rows[0]).toEqual({ flows: 5, ends: 5 })
    const again = await trips.remapUnmatched('sflate')
    expect(again[0]).toMatchObject({ tripEndsMapped: 0 })
    const record = await db
      .selectFrom('trip_imports')
      .select(['station_key', 'trips_unmatched'])
      .where('import_id', '=', outcome.importId)
      .executeTakeFirstOrThrow()
    expect(record).toEqual({ station_key: 'station_id', trips_unmatched: 4 })
  })
})

describe('choosing the system', () => {
  it('asks for --system when the database has several, listing them', async () => {
    await expect(
      trips.importFiles({ paths: [tripFixture('fordgobike-dst-2018.csv')] }),
    ).rejects.toThrow(/the database has \d+ systems; name one with --system: sf2018 \(/)
  })

  it('loads a station file only into a system it is told of, never the only one by default', async () => {
    const file = join(scratch, 'lonely', 'station_information.json')
    await mkdir(dirname(file), { recursive: true })
    await writeFile(
      file,
      JSON.stringify({ data: { stations: [{ station_id: '1', name: 'x', lat: 1, lon: 1 }] } }),
    )
    await expect(trips.importFiles({ paths: [], stationsFile: file })).rejects.toMatchObject({
      kind: 'invalid',
      detail: expect.stringMatching(/name the system the stations of .* belong to with --system/),
    })
  })
})

describe('references from trips', () => {
  it('refuses a trip naming a station that does not exist', async () => {
    const insert = db
      .insertInto('trips')
      .values({
        system_id: 'sf2018',
        started_at: new Date('2018-02-01T08:00:00Z'),
        ended_at: new Date('2018-02-01T08:10:00Z'),
        start_station_id: 'no-such-station',
      })
      .execute()
    await expect(insert).rejects.toMatchObject({ code: '23503' })
    await expect(insert).rejects.toThrow(/station "no-such-station" of system "sf2018"/)
  })

  it('refuses to delete a station that trips name, and carries trips along when a system is renamed', async () => {
    await seedSfSystem(db, 'sfrename', '2018')
    imported(await importOne(tripFixture('fordgobike-dst-2018.csv'), 'sfrename'))
    await expect(
      db
        .deleteFrom('stations')
        .where('system_id', '=', 'sfrename')
        .where('station_id', '=', '284')
        .execute(),
    ).rejects.toMatchObject({ code: '23503' })

    await db
      .updateTable('systems')
      .set({ system_id: 'sfrenamed' })
      .where('system_id', '=', 'sfrename')
      .execute()
    expect(await leftovers('sfrenamed')).toMatchObject({ trips: 7, imports: 1 })
    expect(await leftovers('sfrename')).toEqual({ trips: 0, imports: 0, flows: 0 })
  })
})
