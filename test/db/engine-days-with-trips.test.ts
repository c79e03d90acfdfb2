import { createReadStream } from 'node:fs'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { createGunzip } from 'node:zlib'
import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Database } from '../../src/server/db/database.js'
import { currentModel } from '../../src/server/engine/current-model.js'
import { engineModels } from '../../src/server/engine/engine-models.repository.js'
import { lastModelCheck } from '../../src/server/engine/model-check.repository.js'
import { createFlowsService, type FlowsService } from '../../src/server/flows/flows.service.js'
import { silentLogger } from '../../src/server/logger.js'
import { chooseSystem } from '../../src/server/systems/system-choice.js'
import { createTripsService, type TripsService } from '../../src/server/trips/trips.service.js'
import { hasSharedData, NEEDS_SHARED_DATA, sharedData } from '../helpers/shared-data.js'
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.js'

/**
 * Profiles and the engine's fit average over the days that have trips, never over the calendar
 * gap between files; a new fit worse on held-out days than the model in use leaves it in use.
 */

let test: TestDatabase
let db: Database
let trips: TripsService
let flows: FlowsService
let scratch: string

const MONTH = sharedData('trips', 'full-month', '201802-fordgobike-tripdata.csv.gz')
const YEAR_LATER = sharedData('trips', 'baywheels-fordgobike-201902-tripdata_first14646rows.csv')
const STATIONS = sharedData('gbfs', 'fordgobike-legacy-2018-04-30', 'station_information.json')

/**
 * February 2018's real trips moved 4 weeks on (March 1-28, same weekdays), as a month whose
 * first three weeks came in four times over (a file concatenated with itself): every trip
 * before March 22 written four times, those after once.
 */
async function shortMarch(): Promise<string> {
  const lines: string[] = []
  const shift = (field: string) =>
    field.replace(/^"(\d{4})-(\d\d)-(\d\d)/, (_, y: string, m: string, d: string) => {
      const day = new Date(Date.UTC(Number(y), Number(m) - 1, Number(d) + 28))
      return `"${day.toISOString().slice(0, 10)}`
    })
  let row = 0
  const input = createInterface({ input: createReadStream(MONTH).pipe(createGunzip()) })
  for await (const line of input) {
    if (row++ === 0) {
      lines.push(line)
      continue
    }
    const fields = line.split(',')
    fields[1] = shift(fields[1] ?? '')
    fields[2] = shift(fields[2] ?? '')
    const copies = fields[1] >= '"2018-03-22' ? 1 : 4
    for (let copy = 0; copy < copies; copy += 1) lines.push(fields.join(','))
  }
  const path = join(scratch, 'march-short.csv')
  await writeFile(path, `${lines.join('\n')}\n`)
  return path
}

async function fit() {
  const system = await chooseSystem(db, 'fgb')
  const stations = await db
    .selectFrom('stations')
    .select('station_id')
    .where('system_id', '=', 'fgb')
    .orderBy('station_id')
    .execute()
  return currentModel(
    db,
    system,
    stations.map((s) => s.station_id),
    { now: () => new Date(), logger: silentLogger() },
  )
}

async function imported(path: string, stationsFile?: string) {
  const report = await trips.importFiles({ paths: [path], systemId: 'fgb', stationsFile })
  expect(report.outcomes[0]?.status).toBe('imported')
}

describe.skipIf(!hasSharedData)(`days with trips${NEEDS_SHARED_DATA}`, () => {
  beforeAll(async () => {
    scratch = await mkdtemp(join(tmpdir(), 'balancer-days-'))
    test = await createTestDatabase()
    db = test.db
    trips = createTripsService({ db, databaseUrl: test.url, logger: silentLogger() })
    flows = createFlowsService({ db, trips })
    await imported(MONTH, STATIONS)
  }, 120_000)
  afterAll(async () => {
    await test.drop()
    await rm(scratch, { recursive: true, force: true })
  })

  it('keeps the model in use when a new fit errs more on the held-out days, and says so with both errors', async () => {
    const first = await fit()
    expect(first?.fitted).toBe(true)
    expect(first?.row.version).toBe(1)

    await imported(await shortMarch())
    const second = await fit()
    expect(second?.fitted).toBe(false)
    expect(second?.row.version).toBe(1)
    const check = await lastModelCheck(db, 'fgb')
    expect(check).toMatchObject({ keptPrevious: true, previousVersion: 1, heldOutDays: 7 })
    // The weeks of March counted four times push the new fit's rates up; the held-out week is not.
    expect(check?.previousMae).toBeLessThan(check?.newMae ?? 0)
    // The last 7 days with trips: March 23-29 (the 29th has the ends of the 28th's late trips).
    expect(check?.heldOutFrom.toISOString()).toBe('2018-03-23T07:00:00.000Z')
    const models = await db.selectFrom('engine_models').select('version').execute()
    expect(models).toEqual([{ version: 1 }])
    // What the System page reads (engine:models).
    const [status] = await engineModels(db)
    expect(status).toMatchObject({
      system_id: 'fgb',
      // February 2018's 28 days with trips and March 1 (the ends of the 28th's late trips).
      active: { version: 1, weekdays: 21, weekend_days: 8 },
      last_check: { kept_previous: true, previous_version: 1, held_out_days: 7 },
    })
    expect(status?.last_check?.new_mae).toBe(check?.newMae)
    // Asked again with nothing new, it does not fit the same data again.
    expect((await fit())?.fitted).toBe(false)
  }, 300_000)

  it('averages profiles and the fit over the days with trips, not the year between two files', async () => {
    await imported(YEAR_LATER)
    const profile = await flows.stationProfile({ systemId: 'fgb', stationId: '15' })
    expect(profile).toMatchObject({ from: '2018-02-01', to: '2019-03-01' })
    const { rows } = await sql<{ dow: number; days: number }>`
      select extract(isodow from d)::int as dow, count(*)::int as days
        from (select (started_at at time zone 'America/Los_Angeles')::date as d
                from trips where system_id = 'fgb' and start_station_id is not null
              union
              select (ended_at at time zone 'America/Los_Angeles')::date
                from trips where system_id = 'fgb' and end_station_id is not null) t
       where d >= '2018-02-01' and d < '2019-03-01'
       group by 1`.execute(db)
    const days = [1, 2, 3, 4, 5, 6, 7].map((dow) => rows.find((r) => r.dow === dow)?.days ?? 0)
    expect(profile.days).toEqual(days)
    // February and March 2018, and three days of February 2019: about 60 days, not 393.
    expect(days.reduce((a, b) => a + b, 0)).toBeLessThan(65)
    // The Ferry Building's busiest weekday hour, over the days with trips.
    const { rows: busiest } = await sql<{ dow: number; hour: number; n: number }>`
      select extract(isodow from started_at at time zone 'America/Los_Angeles')::int as dow,
             extract(hour from started_at at time zone 'America/Los_Angeles')::int as hour,
             count(*)::int as n
        from trips where system_id = 'fgb' and start_station_id = '15'
       group by 1, 2 order by n desc limit 1`.execute(db)
    const top = busiest[0]
    if (!top) throw new Error('no trips at the Ferry Building')
    const cell = profile.cells.find(
      (c) => c.dayOfWeek === top.dow && c.minuteOfDay === top.hour * 60,
    )
    expect(cell?.outflow).toBeCloseTo(top.n / (days[top.dow - 1] ?? 0), 10)

    // The fit: the last 8 weeks of data are the days of 2019 with trips (February 26-28, and
    // March 1 with the ends of the 28th's late trips), not 8 weeks of calendar.
    const model = await fit()
    expect(model?.fitted).toBe(true)
    expect(model?.row).toMatchObject({ weekdays: 4, weekend_days: 0 })
  }, 300_000)
})
