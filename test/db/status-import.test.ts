import { createHash } from 'node:crypto'
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type {
  StatusImportDone,
  StatusImportProgress,
  StatusImportReport,
  StatusImportRequest,
} from '../../src/shared/service-levels.js'
import type { Database } from '../../src/server/db/database.js'
import { silentLogger } from '../../src/server/logger.js'
import { createStatusImportService } from '../../src/server/service-levels/status-import.js'
import { seedStations } from '../helpers/fixtures.js'
import { hasSharedData, NEEDS_SHARED_DATA, sharedData } from '../helpers/shared-data.js'
import {
  ABSENT_SNAPSHOTS,
  STATUS_STATIONS as S,
  statusFixture,
  WEEK_SNAPSHOTS,
} from '../helpers/status-history.js'
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.js'

type RefreshCall = [systemId: string, from: string, to: string]

/** A service on `database` whose refreshDays records what it was asked, and what it saw. */
function serviceOn(database: TestDatabase) {
  const calls: RefreshCall[] = []
  const importsSeen: number[] = []
  const service = createStatusImportService({
    db: database.db,
    databaseUrl: database.url,
    logger: silentLogger(),
    refreshDays: async (systemId, from, to) => {
      calls.push([systemId, from, to])
      // Through the pool, not the import's connection: only committed rows are visible here.
      const { count } = await database.db
        .selectFrom('status_imports')
        .select((eb) => eb.fn.countAll<number>().as('count'))
        .where('system_id', '=', systemId)
        .executeTakeFirstOrThrow()
      importsSeen.push(count)
    },
  })
  return { service, calls, importsSeen }
}

function imported(report: StatusImportReport): StatusImportDone {
  if (report.status !== 'imported') {
    throw new Error(`expected an import, got ${JSON.stringify(report)}`)
  }
  return report
}

/** What a system holds of imported history, table by table. */
async function leftovers(db: Database, systemId: string) {
  const { rows } = await sql<Record<string, number>>`
    select (select count(*) from station_status where system_id = ${systemId})::int as status,
           (select count(*) from station_status_latest where system_id = ${systemId})::int as latest,
           (select count(*) from status_imports where system_id = ${systemId})::int as imports,
           (select count(*) from status_import_errors e join status_imports i using (import_id)
             where i.system_id = ${systemId})::int as errors,
           (select count(*) from status_snapshots where system_id = ${systemId})::int as snapshots,
           (select count(*) from station_status_absences where system_id = ${systemId})::int
             as absences`.execute(db)
  return rows[0]
}

const NOTHING = { status: 0, latest: 0, imports: 0, errors: 0, snapshots: 0, absences: 0 }

async function statusRows(db: Database, systemId: string, stationId: string) {
  return db
    .selectFrom('station_status')
    .selectAll()
    .where('system_id', '=', systemId)
    .where('station_id', '=', stationId)
    .orderBy('ts')
    .execute()
}

let scratch: string

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'balancer-status-'))
})
afterAll(async () => {
  await rm(scratch, { recursive: true, force: true })
})

/** A folder of its own holding copies of fixtures and the extra files a test writes. */
async function folder(name: string, files: Record<string, string | object>): Promise<string> {
  const dir = join(scratch, name)
  await mkdir(dir, { recursive: true })
  for (const [file, content] of Object.entries(files)) {
    if (typeof content === 'string' && content.startsWith('fixture:')) {
      await copyFile(statusFixture(content.slice('fixture:'.length)), join(dir, file))
    } else {
      await writeFile(
        join(dir, file),
        typeof content === 'string' ? content : JSON.stringify(content),
      )
    }
  }
  return dir
}

function stationFile(stations: { station_id: string; name: string }[]) {
  return {
    last_updated: 1688972711,
    ttl: 60,
    data: {
      stations: stations.map((s, i) => ({ ...s, lat: 37.77 + i * 0.001, lon: -122.42 })),
    },
  }
}

describe('importing a recorded station_status history', () => {
  let test: TestDatabase
  let status: ReturnType<typeof serviceOn>
  let week: StatusImportDone

  beforeAll(async () => {
    test = await createTestDatabase()
    status = serviceOn(test)
    week = imported(
      await status.service.importFile({ path: statusFixture('week.csv'), systemId: 'wk' }),
    )
  })
  afterAll(async () => {
    await test.drop()
  })

  it('keeps a station’s row only where something changed, at the poll’s time, and leaves the live status alone', async () => {
    expect(week).toMatchObject({
      systemId: 'wk',
      rowsRead: 20,
      rowsWritten: 8,
      rowsUnchanged: 7,
      rowsAlreadyStored: 0,
      rowsRejected: 0,
      rowsUnknownStation: 5,
      unknownStationExamples: ['9999'],
      stations: 3,
      absences: 0,
    })
    const ferry = await statusRows(test.db, 'wk', S.ferry)
    // Bikes came at the second poll, renting stopped at the fourth; the third and fifth repeat.
    expect(ferry.map((r) => r.ts.toISOString())).toEqual([
      WEEK_SNAPSHOTS[0],
      WEEK_SNAPSHOTS[1],
      WEEK_SNAPSHOTS[3],
    ])
    expect(ferry[2]).toMatchObject({
      station_id: '1871526930513589366',
      num_bikes_available: 2,
      num_ebikes_available: null,
      num_docks_available: 21,
      is_installed: true,
      is_renting: false,
      is_returning: true,
    })
    // The sentinel 86400 is no time; a new last_reported alone is a change.
    const laguna = await statusRows(test.db, 'wk', S.laguna)
    expect(laguna.map((r) => [r.ts.toISOString(), r.last_reported?.toISOString() ?? null])).toEqual(
      [
        [WEEK_SNAPSHOTS[0], null],
        [WEEK_SNAPSHOTS[1], '2023-07-10T07:13:40.000Z'],
        [WEEK_SNAPSHOTS[4], '2023-07-10T07:13:40.000Z'],
      ],
    )
    // "true" at the third poll and "1" at the fourth are the same state.
    const powell = await statusRows(test.db, 'wk', S.powell)
    expect(powell.map((r) => r.ts.toISOString())).toEqual([WEEK_SNAPSHOTS[0], WEEK_SNAPSHOTS[2]])
    expect(await leftovers(test.db, 'wk')).toMatchObject({ status: 8, latest: 0 })
  })

  it('records one snapshot per poll with the known stations it listed, and the import with its counts', async () => {
    const snapshots = await test.db
      .selectFrom('status_snapshots')
      .select(['observed_at', 'source', 'import_id', 'poll_id', 'stations'])
      .where('system_id', '=', 'wk')
      .orderBy('observed_at')
      .execute()
    expect(snapshots).toEqual(
      WEEK_SNAPSHOTS.map((at) => ({
        observed_at: new Date(at),
        source: 'import',
        import_id: week.importId,
        poll_id: null,
        stations: 3,
      })),
    )
    const csv = await readFile(statusFixture('week.csv'))
    const record = await test.db
      .selectFrom('status_imports')
      .selectAll()
      .where('import_id', '=', week.importId)
      .executeTakeFirstOrThrow()
    expect(record).toMatchObject({
      system_id: 'wk',
      file_name: 'week.csv',
      content_sha256: createHash('sha256').update(csv).digest('hex'),
      rows_read: 20,
      rows_written: 8,
      rows_rejected: 0,
      rows_unknown_station: 5,
      snapshots: 5,
      stations: 3,
      first_snapshot_at: new Date(WEEK_SNAPSHOTS[0]),
      last_snapshot_at: new Date(WEEK_SNAPSHOTS[4]),
      median_spacing_seconds: 608.5,
      bytes: csv.length,
    })
    expect(record.seconds).toBeGreaterThan(0)
    expect(week).toMatchObject({
      snapshots: 5,
      firstSnapshotAt: WEEK_SNAPSHOTS[0],
      lastSnapshotAt: WEEK_SNAPSHOTS[4],
      medianSpacingSeconds: 608.5,
      bridgeMinutes: (2 * 608.5) / 60,
      timeZone: 'America/Los_Angeles',
    })
  })

  it('has the local days it covers recomputed once, after its commit: 07:05 UTC is 00:05 on July 10 in Los Angeles', () => {
    expect(status.calls).toEqual([['wk', '2023-07-10', '2023-07-11']])
    expect(status.importsSeen).toEqual([1])
    expect(week.days).toEqual({ from: '2023-07-10', to: '2023-07-11' })
  })

  it('treats the same history as .csv and .csv.gz as one file: importing it again is a no-op that says so', async () => {
    const again = await status.service.importFile({
      path: statusFixture('week.csv'),
      systemId: 'wk',
    })
    const gz = await status.service.importFile({
      path: statusFixture('week.csv.gz'),
      systemId: 'wk',
    })
    for (const report of [again, gz]) {
      expect(report).toMatchObject({
        status: 'already-imported',
        importId: week.importId,
        systemId: 'wk',
        rowsRead: 20,
        rowsWritten: 8,
      })
    }
    expect(gz.file).toBe('week.csv.gz')
    expect(await leftovers(test.db, 'wk')).toEqual({
      ...NOTHING,
      status: 8,
      imports: 1,
      snapshots: 5,
    })
    expect(status.calls).toHaveLength(1)
  })

  it('imports the same file sent twice at once only once: the other answers "already imported"', async () => {
    const request: StatusImportRequest = { path: statusFixture('week.csv.gz'), systemId: 'twice' }
    const reports = await Promise.all([
      status.service.importFile(request),
      status.service.importFile(request),
    ])
    expect(reports.map((r) => r.status).sort()).toEqual(['already-imported', 'imported'])
    expect(await leftovers(test.db, 'twice')).toMatchObject({ status: 8, imports: 1 })
  })

  it('counts rows a poll or another file already stored, and writes the rest', async () => {
    // The same week with its first poll left out: other bytes, the same rows from the second on.
    const lines = (await readFile(statusFixture('week.csv'), 'utf8')).split('\n')
    const dir = await folder('later-part', {
      'station_information.json': 'fixture:station_information.json',
    })
    const part = join(dir, 'week-from-second-poll.csv')
    await writeFile(part, [lines[0], ...lines.slice(5)].join('\n'))
    const report = imported(await status.service.importFile({ path: part, systemId: 'wk' }))
    // A station's first row in a file is always kept: Powell's at the second poll is new (week.csv
    // had it unchanged there); the ferry's and Laguna's there, and the three changes after, were
    // stored by week.csv.
    expect(report).toMatchObject({
      rowsRead: 16,
      rowsWritten: 1,
      rowsAlreadyStored: 5,
      rowsUnchanged: 6,
      rowsUnknownStation: 4,
    })
    expect(await leftovers(test.db, 'wk')).toMatchObject({ status: 9, imports: 2, snapshots: 5 })
  })

  it('progress: reads, writes, has the days recomputed, then is done', async () => {
    const progress: StatusImportProgress[] = []
    imported(
      await status.service.importFile(
        { path: statusFixture('week.csv'), systemId: 'progress' },
        (update) => progress.push(update),
      ),
    )
    expect(progress.map((p) => p.phase)).toEqual(
      expect.arrayContaining(['reading', 'writing', 'refreshing', 'done']),
    )
    expect(progress.at(-1)).toMatchObject({ phase: 'done', rowsDone: 20, percent: 100 })
    for (const p of progress) expect(p.file).toBe('week.csv')
  })
})

describe('rows and files that are not right', () => {
  let test: TestDatabase
  let status: ReturnType<typeof serviceOn>

  beforeAll(async () => {
    test = await createTestDatabase()
    status = serviceOn(test)
  })
  afterAll(async () => {
    await test.drop()
  })

  it('keeps bad rows with their line, reason and fields, and imports the rest', async () => {
    const report = imported(
      await status.service.importFile({ path: statusFixture('bad-rows.csv'), systemId: 'bad' }),
    )
    expect(report).toMatchObject({ rowsRead: 11, rowsRejected: 7, rowsWritten: 4 })
    const errors = await test.db
      .selectFrom('status_import_errors')
      .select(['line', 'reason', 'fields'])
      .where('import_id', '=', report.importId)
      .orderBy('line')
      .execute()
    expect(errors.map((e) => [e.line, e.reason])).toEqual([
      [3, 'negative num_bikes_available -2'],
      [4, 'is_renting "2" is not 0, 1, true or false'],
      [5, 'poll_time "2023-02-30T07:05:11Z" is not a date and time'],
      [6, 'num_docks_available is empty'],
      [7, 'num_docks_available "five" is not a whole number'],
      [9, 'last_reported "yesterday" is neither a date and time nor a whole number'],
      [10, 'station_id is empty'],
    ])
    expect(errors[0]?.fields).toEqual([
      '2023-07-10T07:05:11Z',
      S.ferry,
      '2023-07-10T07:04:09Z',
      '-2',
      null,
      '23',
      '0',
      '0',
      '1',
      '1',
      '1',
    ])
    expect(report.rejections).toEqual(
      errors.slice(0, 5).map((e) => ({ line: e.line, reason: e.reason })),
    )
    // "true"/"false" are flags too; a last_reported of 0 is a sentinel, empty counts are unknown.
    const laguna = await statusRows(test.db, 'bad', S.laguna)
    expect(laguna.map((r) => [r.is_renting, r.last_reported, r.num_docks_disabled])).toEqual([
      [false, new Date('2023-07-10T07:13:40Z'), 0],
      [true, null, null],
    ])
  })

  it('refuses a file with more bad rows than allowed, quoting the first, and writes nothing', async () => {
    await expect(
      status.service.importFile({
        path: statusFixture('bad-rows.csv'),
        systemId: 'strict',
        maxRejected: '2',
      }),
    ).rejects.toThrow(
      /bad-rows\.csv: 7 of 11 rows are bad \(more than the 2 allowed\), so nothing was imported; line 3: negative num_bikes_available -2; line 4: is_renting/,
    )
    expect(await leftovers(test.db, 'strict')).toEqual(NOTHING)
    expect(status.calls.filter(([system]) => system === 'strict')).toEqual([])
  })

  it('fails a row with a field too few, naming its line and column, and writes nothing', async () => {
    await expect(
      status.service.importFile({ path: statusFixture('short-row.csv'), systemId: 'short' }),
    ).rejects.toThrow(
      /short-row\.csv, line 5: missing data for column "is_returning"; the file is damaged or cut off, so nothing was imported/,
    )
    expect(await leftovers(test.db, 'short')).toEqual(NOTHING)
  })

  it('fails a cut-off gzip and writes nothing', async () => {
    await expect(
      status.service.importFile({ path: statusFixture('cut-off.csv.gz'), systemId: 'cut' }),
    ).rejects.toThrow(/cut-off\.csv\.gz.*(truncated gzip|unexpected end).*nothing was imported/)
    expect(await leftovers(test.db, 'cut')).toEqual(NOTHING)
  })

  it('refuses a file that is not a status history, naming the columns it lacks', async () => {
    const dir = await folder('trips-instead', {
      'station_information.json': 'fixture:station_information.json',
      'trips.csv': 'poll_time,station_id,bikes,docks\n2023-07-10T07:05:11Z,74,1,2\n',
    })
    await expect(
      status.service.importFile({ path: join(dir, 'trips.csv'), systemId: 'header' }),
    ).rejects.toMatchObject({
      code: 'wrong_header',
      detail: expect.stringMatching(
        /^trips\.csv: not a station_status history: the header lacks last_reported, num_bikes_available, num_ebikes_available, num_docks_available, num_docks_disabled, num_bikes_disabled, is_installed, is_renting, is_returning/,
      ),
    })
    expect(await leftovers(test.db, 'header')).toEqual(NOTHING)
  })

  it('refuses a file none of whose stations the system has, rather than record an empty import', async () => {
    await seedStations(
      test.db,
      [{ station_id: 'elsewhere-1' }, { station_id: 'elsewhere-2' }],
      'other',
    )
    const dir = await folder('no-stations-beside', { 'week.csv': 'fixture:week.csv' })
    await expect(
      status.service.importFile({ path: join(dir, 'week.csv'), systemId: 'other' }),
    ).rejects.toThrow(
      /week\.csv: none of its stations is a station of system other \(.*9999.*\), so nothing was imported; give the stations with --stations/,
    )
    expect(await leftovers(test.db, 'other')).toEqual(NOTHING)
  })

  it('keeps what was imported when recomputing the days fails, and says so', async () => {
    const failing = createStatusImportService({
      db: test.db,
      databaseUrl: test.url,
      logger: silentLogger(),
      refreshDays: () => Promise.reject(new Error('summaries are locked')),
    })
    await expect(
      failing.importFile({ path: statusFixture('week.csv'), systemId: 'norefresh' }),
    ).rejects.toThrow(
      /week\.csv was imported \(import #\d+\), but recomputing the service summaries of 2023-07-10 to 2023-07-11 \(exclusive\) failed: summaries are locked/,
    )
    expect(await leftovers(test.db, 'norefresh')).toMatchObject({ status: 8, imports: 1 })
  })
})

describe('stations left out of some snapshots', () => {
  let test: TestDatabase
  let status: ReturnType<typeof serviceOn>
  let report: StatusImportDone

  beforeAll(async () => {
    test = await createTestDatabase()
    status = serviceOn(test)
    report = imported(
      await status.service.importFile({ path: statusFixture('absent.csv'), systemId: 'gone' }),
    )
  })
  afterAll(async () => {
    await test.drop()
  })

  it('records each run of snapshots without a station, until one lists it again or the file ends', async () => {
    const absences = await test.db
      .selectFrom('station_status_absences')
      .select(['station_id', 'since', 'until'])
      .where('system_id', '=', 'gone')
      .orderBy('since')
      .execute()
    const end = new Date(new Date(ABSENT_SNAPSHOTS[5]).getTime() + 1000)
    expect(absences).toEqual([
      // Left out of the second and third, listed again in the fourth.
      {
        station_id: S.ferry,
        since: new Date(ABSENT_SNAPSHOTS[1]),
        until: new Date(ABSENT_SNAPSHOTS[3]),
      },
      // Left out of the last two snapshots, or the last: unknown to the file's end.
      { station_id: S.powell, since: new Date(ABSENT_SNAPSHOTS[4]), until: end },
      { station_id: S.laguna, since: new Date(ABSENT_SNAPSHOTS[5]), until: end },
      // Yerba Buena first appears in the third snapshot: nothing before that is an absence.
    ])
    expect(report.absences).toBe(3)
  })

  it('writes a station listed again after an absence even when its numbers are the same', async () => {
    const ferry = await statusRows(test.db, 'gone', S.ferry)
    expect(ferry.map((r) => r.ts.toISOString())).toEqual([ABSENT_SNAPSHOTS[0], ABSENT_SNAPSHOTS[3]])
    expect(ferry[1]).toMatchObject({ num_bikes_available: 7, num_docks_available: 16 })
  })

  it('counts in each snapshot the stations it listed, and the days are local: 23:40 UTC is 16:40 in Los Angeles', async () => {
    const snapshots = await test.db
      .selectFrom('status_snapshots')
      .select('stations')
      .where('system_id', '=', 'gone')
      .orderBy('observed_at')
      .execute()
    expect(snapshots.map((s) => s.stations)).toEqual([3, 2, 3, 4, 3, 2])
    expect(report).toMatchObject({ snapshots: 6, stations: 4, medianSpacingSeconds: 600 })
    expect(status.calls).toEqual([['gone', '2023-07-11', '2023-07-12']])
  })
})

describe('choosing the system and its stations', () => {
  const databases: TestDatabase[] = []
  async function fresh() {
    const database = await createTestDatabase()
    databases.push(database)
    return { database, ...serviceOn(database) }
  }
  afterAll(async () => {
    for (const database of databases) await database.drop()
  })

  it('on an empty database creates Bay Wheels (lyft_bay) and loads the first, then the last station file beside the history', async () => {
    const { database, service } = await fresh()
    const dir = await folder('first-and-last', {
      'station_status.csv': 'fixture:week.csv',
      'station_information_first.json': stationFile([
        { station_id: S.powell, name: 'Powell St BART' },
        { station_id: S.ferry, name: 'Ferry Building (old name)' },
      ]),
      'station_information_last.json': stationFile([
        { station_id: S.ferry, name: 'San Francisco Ferry Building' },
        { station_id: S.laguna, name: 'Laguna St at Hayes St' },
      ]),
      // Not read: the first and last files are there.
      'station_information.json': stationFile([{ station_id: 'never', name: 'Never loaded' }]),
    })
    const report = imported(await service.importFile({ path: join(dir, 'station_status.csv') }))
    expect(report).toMatchObject({
      systemId: 'lyft_bay',
      systemCreated: true,
      timeZone: 'America/Los_Angeles',
      stationsLoaded: {
        files: [
          join(dir, 'station_information_first.json'),
          join(dir, 'station_information_last.json'),
        ],
        loaded: 3,
        skipped: [],
      },
      rowsWritten: 8,
      rowsUnknownStation: 5,
    })
    const system = await database.db
      .selectFrom('systems')
      .select(['system_id', 'name', 'timezone'])
      .executeTakeFirstOrThrow()
    expect(system).toEqual({
      system_id: 'lyft_bay',
      name: 'Bay Wheels',
      timezone: 'America/Los_Angeles',
    })
    const stations = await database.db
      .selectFrom('stations')
      .select(['station_id', 'name'])
      .orderBy('station_id')
      .execute()
    expect(stations).toEqual([
      { station_id: S.ferry, name: 'San Francisco Ferry Building' },
      { station_id: S.powell, name: 'Powell St BART' },
      { station_id: S.laguna, name: 'Laguna St at Hayes St' },
    ])
  })

  it('gives a system it creates the --tz zone, and the days are that zone’s: 23:40 UTC is 08:40 the next day in Tokyo', async () => {
    const { database, service, calls } = await fresh()
    const report = imported(
      await service.importFile({ path: statusFixture('absent.csv'), timeZone: 'Asia/Tokyo' }),
    )
    expect(report).toMatchObject({
      systemId: 'lyft_bay',
      systemCreated: true,
      timeZone: 'Asia/Tokyo',
    })
    expect(report.days).toEqual({ from: '2023-07-12', to: '2023-07-13' })
    expect(calls).toEqual([['lyft_bay', '2023-07-12', '2023-07-13']])
    const system = await database.db.selectFrom('systems').select('timezone').executeTakeFirst()
    expect(system?.timezone).toBe('Asia/Tokyo')
  })

  it('refuses an unknown --tz before it writes anything', async () => {
    const { database, service } = await fresh()
    await expect(
      service.importFile({ path: statusFixture('week.csv'), timeZone: 'Mars/Olympus_Mons' }),
    ).rejects.toMatchObject({
      code: 'unknown_time_zone',
      detail: expect.stringMatching(/unknown time zone "Mars\/Olympus_Mons"/),
    })
    expect(await database.db.selectFrom('systems').selectAll().execute()).toEqual([])
  })

  it('takes the system a system_information.json beside the history names, over the only one there is', async () => {
    const { database, service } = await fresh()
    await seedStations(database.db, [{ station_id: S.powell }], 'solo')
    const dir = await folder('named-system', {
      'station_status.csv.gz': 'fixture:week.csv.gz',
      'station_information.json': 'fixture:station_information.json',
      'system_information.json': {
        data: { system_id: 'bay_test', name: 'Bay Wheels (test)', timezone: 'America/Denver' },
      },
    })
    const report = imported(await service.importFile({ path: join(dir, 'station_status.csv.gz') }))
    expect(report).toMatchObject({
      systemId: 'bay_test',
      systemCreated: true,
      timeZone: 'America/Denver',
      stationsLoaded: { loaded: 4 },
    })
    const system = await database.db
      .selectFrom('systems')
      .select(['name', 'timezone'])
      .where('system_id', '=', 'bay_test')
      .executeTakeFirstOrThrow()
    expect(system).toEqual({ name: 'Bay Wheels (test)', timezone: 'America/Denver' })
    expect(await leftovers(database.db, 'solo')).toEqual(NOTHING)
  })

  it('takes the only system in the database when nothing names one, with the stations it has', async () => {
    const { database, service } = await fresh()
    await seedStations(
      database.db,
      [{ station_id: S.powell }, { station_id: S.ferry }, { station_id: S.laguna }],
      'solo',
    )
    const dir = await folder('only-system', { 'station_status.csv': 'fixture:week.csv' })
    const report = imported(await service.importFile({ path: join(dir, 'station_status.csv') }))
    expect(report).toMatchObject({
      systemId: 'solo',
      systemCreated: false,
      stationsLoaded: null,
      rowsWritten: 8,
    })
  })

  it('asks for --system when the database has several and nothing names one, listing them', async () => {
    const { database, service } = await fresh()
    await seedStations(database.db, [{ station_id: S.powell }], 'east')
    await seedStations(database.db, [{ station_id: S.powell }], 'west')
    const dir = await folder('several-systems', { 'station_status.csv': 'fixture:week.csv' })
    await expect(service.importFile({ path: join(dir, 'station_status.csv') })).rejects.toThrow(
      /the database has 2 systems; name one with --system: east \(System east\), west \(System west\)/,
    )
  })

  it('on an empty database without a station file says to give --stations', async () => {
    const { database, service } = await fresh()
    const dir = await folder('bare-history', { 'station_status.csv': 'fixture:week.csv' })
    await expect(service.importFile({ path: join(dir, 'station_status.csv') })).rejects.toThrow(
      /the database has no systems yet and no station_information\.json is beside .*station_status\.csv: give the stations with --stations station_information\.json/,
    )
    expect(await database.db.selectFrom('systems').selectAll().execute()).toEqual([])
  })

  it('loads --stations instead of the files beside the history', async () => {
    const { database, service } = await fresh()
    const dir = await folder('given-stations', {
      'mine.json': stationFile([{ station_id: S.ferry, name: 'Ferry' }]),
    })
    const report = imported(
      await service.importFile({
        path: statusFixture('week.csv'),
        systemId: 'given',
        stationsFile: join(dir, 'mine.json'),
      }),
    )
    expect(report).toMatchObject({
      stationsLoaded: { files: [join(dir, 'mine.json')], loaded: 1 },
      rowsWritten: 3,
      rowsUnknownStation: 15,
    })
    expect(await database.db.selectFrom('stations').select('station_id').execute()).toEqual([
      { station_id: S.ferry },
    ])
  })
})

describe.skipIf(!hasSharedData)(
  `the real Bay Wheels week of July 10-16, 2023${NEEDS_SHARED_DATA}`,
  () => {
    const WEEK = sharedData('status-history', 'baywheels-2023-07-10_16', 'station_status.csv.gz')
    let test: TestDatabase
    let status: ReturnType<typeof serviceOn>

    beforeAll(async () => {
      test = await createTestDatabase()
      status = serviceOn(test)
    })
    afterAll(async () => {
      await test.drop()
    })

    it('leaves nothing when its connection is lost while it writes', async () => {
      const kills: Promise<unknown>[] = []
      const admin = new pg.Client({ connectionString: test.url })
      await admin.connect()
      try {
        await expect(
          status.service.importFile({ path: WEEK }, (progress) => {
            if (progress.phase === 'writing' && kills.length === 0) {
              kills.push(
                admin.query(
                  `select pg_terminate_backend(pid) from pg_stat_activity
                  where datname = current_database() and application_name = 'balancer import-status'`,
                ),
              )
            }
          }),
          // "terminating connection" when the kill lands in a statement; between two, the
          // driver's "Client has encountered a connection error".
        ).rejects.toThrow(/terminat|connection error/)
        await Promise.all(kills)
        expect(kills).toHaveLength(1)
      } finally {
        await admin.end()
      }
      expect(await leftovers(test.db, 'lyft_bay')).toEqual(NOTHING)
    }, 120_000)

    it('imports all 454,443 rows: 879 snapshots of 517 stations, 608.5 s apart at the median', async () => {
      const report = imported(await status.service.importFile({ path: WEEK }))
      expect(report).toMatchObject({
        systemId: 'lyft_bay',
        rowsRead: 454_443,
        rowsRejected: 0,
        rowsUnknownStation: 0,
        rowsAlreadyStored: 0,
        snapshots: 879,
        stations: 517,
        absences: 0,
        medianSpacingSeconds: 608.5,
        firstSnapshotAt: '2023-07-10T07:05:11.000Z',
        lastSnapshotAt: '2023-07-17T06:53:52.000Z',
        days: { from: '2023-07-10', to: '2023-07-17' },
        stationsLoaded: { loaded: 517 },
      })
      expect(report.rowsWritten).toBeLessThan(report.rowsRead)
      expect(report.rowsWritten + report.rowsUnchanged).toBe(report.rowsRead)
      console.info(
        `import-status of the real week: ${report.seconds.toFixed(2)} s, ${report.rowsPerSecond} rows/s, ${report.rowsWritten} rows written`,
      )
    }, 120_000)
  },
)
