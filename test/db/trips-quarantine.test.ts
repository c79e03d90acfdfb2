import { spawnSync } from 'node:child_process'
import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { TripImportOutcome } from '../../src/shared/trips.js'
import { CLI_ACTOR } from '../../src/server/auth/actor.js'
import type { Database } from '../../src/server/db/database.js'
import { currentModel } from '../../src/server/engine/current-model.js'
import { silentLogger } from '../../src/server/logger.js'
import { chooseSystem } from '../../src/server/systems/system-choice.js'
import { createTripsService, type TripsService } from '../../src/server/trips/trips.service.js'
import { cliEnv } from '../helpers/cli.js'
import { hasSharedData, NEEDS_SHARED_DATA, sharedData } from '../helpers/shared-data.js'
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.js'

/**
 * No silent poison: another city's trip file imported into a system is quarantined (kept apart,
 * out of trips, station_flows and the engine's fit) until a person accepts or discards it.
 */

let test: TestDatabase
let db: Database
let trips: TripsService

const SF_2018 = sharedData('trips', 'baywheels-fordgobike-201801-first49rows.csv')
const CHICAGO = sharedData('trips', 'divvy-202101-tripdata-15rows.csv')
const STATIONS_2018 = sharedData('gbfs', 'fordgobike-legacy-2018-04-30', 'station_information.json')

async function importOne(path: string, acceptUnmatched = false): Promise<TripImportOutcome> {
  const report = await trips.importFiles({ paths: [path], systemId: 'fgb', acceptUnmatched })
  const [outcome] = report.outcomes
  if (!outcome) throw new Error('no outcome')
  return outcome
}

/** What the Chicago file could change: the system's flows, trips and demand models. */
async function footprint() {
  const { rows } = await sql<{ flows: number; bins: number; trips: number; models: number }>`
    select (select coalesce(sum(outflow + inflow), 0)::int from station_flows
             where system_id = 'fgb') as flows,
           (select count(*)::int from station_flows where system_id = 'fgb') as bins,
           (select count(*)::int from trips where system_id = 'fgb') as trips,
           (select count(*)::int from engine_models where system_id = 'fgb') as models`.execute(db)
  return rows[0]
}

async function fitModel() {
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

async function tableExists(importId: number): Promise<boolean> {
  const { rows } = await sql<{ found: boolean }>`
    select to_regclass(${`trips_import_${importId}`}) is not null as found`.execute(db)
  return rows[0]?.found ?? false
}

describe.skipIf(!hasSharedData)(`a Chicago trip file into Bay Wheels${NEEDS_SHARED_DATA}`, () => {
  beforeAll(async () => {
    test = await createTestDatabase()
    db = test.db
    trips = createTripsService({ db, databaseUrl: test.url, logger: silentLogger() })
    const first = await trips.importFiles({
      paths: [SF_2018],
      systemId: 'fgb',
      stationsFile: STATIONS_2018,
    })
    expect(first.outcomes[0]?.status).toBe('imported')
    expect((await fitModel())?.fitted).toBe(true)
  }, 60_000)
  afterAll(async () => {
    await test.drop()
  })

  it('is quarantined: no flow, no trip, no model changes, and the report says why and what to do', async () => {
    const before = await footprint()
    const outcome = await importOne(CHICAGO)
    if (outcome.status !== 'quarantined') throw new Error(JSON.stringify(outcome))
    expect(outcome.rowsImported).toBe(15)
    expect(outcome.flowBins).toBe(0)
    // 15 trips, one dockless start: 29 ends name a station id; none is a Ford GoBike station.
    expect(outcome.quarantine).toMatchObject({ tripEnds: 29 })
    expect(outcome.quarantine.matchRate).toBeLessThan(0.5)
    expect(outcome.quarantine.problem).toMatch(
      /^Only \d+ of 29 trip ends \([\d.]+ %\) name a station of system fgb: this looks like another city's file/,
    )
    expect(outcome.quarantine.advice).toMatch(/discard it and import it into that one/)
    expect(outcome.quarantine.advice).toMatch(/load them \(--stations/)

    const model = await fitModel()
    expect(model?.fitted).toBe(false)
    expect(await footprint()).toEqual(before)
    expect(await tableExists(outcome.importId)).toBe(true)
    const [waiting] = await trips.quarantined('fgb')
    expect(waiting).toMatchObject({
      importId: outcome.importId,
      file: 'divvy-202101-tripdata-15rows.csv',
      rowsImported: 15,
      tripEnds: 29,
    })

    // The same file again is recognised, and stays quarantined.
    expect((await importOne(CHICAGO)).status).toBe('already-imported')

    const discarded = await trips.decide(outcome.importId, 'discarded', CLI_ACTOR)
    expect(discarded).toMatchObject({ decision: 'discarded', trips: 15, flowBins: 0 })
    expect(await tableExists(outcome.importId)).toBe(false)
    expect(await trips.quarantined('fgb')).toEqual([])
    expect(await footprint()).toEqual(before)
    await expect(trips.decide(outcome.importId, 'accepted', CLI_ACTOR)).rejects.toMatchObject({
      code: 'import_not_found',
    })
    const audit = await db
      .selectFrom('audit_log')
      .select(['action', 'entity_id'])
      .where('entity', '=', 'trip_import')
      .execute()
    expect(audit).toEqual([{ action: 'trips.discard_import', entity_id: String(outcome.importId) }])
  })

  it('accepted, joins trips and station_flows as an import would have', async () => {
    const before = await footprint()
    const outcome = await importOne(CHICAGO)
    expect(outcome.status).toBe('quarantined')
    if (outcome.status !== 'quarantined') return
    const accepted = await trips.decide(outcome.importId, 'accepted', CLI_ACTOR)
    expect(accepted).toMatchObject({ decision: 'accepted', trips: 15 })
    const after = await footprint()
    expect(after?.trips).toBe((before?.trips ?? 0) + 15)
    expect(after?.flows).toBe((before?.flows ?? 0) + outcome.quarantine.tripEndsMatched)
    await expect(trips.decide(outcome.importId, 'discarded', CLI_ACTOR)).rejects.toMatchObject({
      code: 'import_not_quarantined',
    })
    const [record] = await db
      .selectFrom('trip_imports')
      .select(['status', 'accepted_by'])
      .where('import_id', '=', outcome.importId)
      .execute()
    expect(record).toEqual({ status: 'imported', accepted_by: 'cli' })
  })

  it('balancer import-trips says what is wrong and exits 1; --accept-unmatched imports it; trips list, discard', () => {
    const run = (args: string[]) =>
      spawnSync(process.execPath, ['bin/balancer.mjs', ...args], {
        env: cliEnv({ DATABASE_URL: test.url }),
        encoding: 'utf8',
      })
    const chicago = sharedData('trips', 'divvy-202102-tripdata-first82rows-crlf.csv')
    const refused = run(['import-trips', chicago, '--system', 'fgb'])
    expect(refused.status, refused.stderr).toBe(1)
    expect(refused.stdout).toMatch(/82 read and QUARANTINED/)
    expect(refused.stdout).toMatch(/QUARANTINED: Only 0 of 164 trip ends \(0 %\)/)
    expect(refused.stdout).toMatch(/what to do: if the file belongs to another system/)
    expect(refused.stdout).toMatch(/`balancer trips discard \d+` deletes it/)
    expect(refused.stderr).toMatch(/1 of 1 trip file\(s\) quarantined/)

    const listed = run(['trips', 'list'])
    expect(listed.status, listed.stderr).toBe(0)
    const id = /import #(\d+) divvy-202102-tripdata-first82rows-crlf\.csv into fgb/.exec(
      listed.stdout,
    )?.[1]
    expect(id).toBeDefined()
    const discard = run(['trips', 'discard', String(id)])
    expect(discard.status, discard.stderr).toBe(0)
    expect(discard.stdout).toMatch(/Discarded import #\d+ .*: 82 trips deleted/)

    const forced = run(['import-trips', chicago, '--system', 'fgb', '--accept-unmatched'])
    expect(forced.status, forced.stderr).toBe(0)
    expect(forced.stdout).toMatch(/82 rows, 82 imported/)
    expect(run(['trips', 'list']).stdout).toBe('No quarantined trip imports\n')
  }, 120_000)
})
