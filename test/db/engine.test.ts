import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { main } from '../../src/server/cli/main.js'
import type { Database } from '../../src/server/db/database.js'
import { createDispatchService } from '../../src/server/dispatch/dispatch.service.js'
import { createEngineService, type EngineService } from '../../src/server/engine/engine.service.js'
import { evaluate } from '../../src/server/engine/simulation/evaluate.js'
import { silentLogger } from '../../src/server/logger.js'
import { createTripsService } from '../../src/server/trips/trips.service.js'
import { hasSharedData, NEEDS_SHARED_DATA, sharedData } from '../helpers/shared-data.js'
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.js'

const fixture = (name: string) =>
  join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'engine', name)
const SYSTEM = 'engine_fixture'
const DISPATCHER = { name: 'desk', role: 'dispatcher', crewId: null, tokenId: null } as const
const OUTSIDE = { name: 'outside engine', role: 'engine', crewId: null, tokenId: null } as const

let test: TestDatabase
let db: Database

/** The fixture's stations with a morning problem: the north end nearly empty, the south full. */
async function setStatus(bikes: Record<string, number>): Promise<void> {
  const at = new Date('2018-02-14T15:55:00Z')
  for (const [station, count] of Object.entries(bikes)) {
    await db
      .insertInto('station_status_latest')
      .values({
        system_id: SYSTEM,
        station_id: station,
        ts: at,
        last_reported: at,
        num_bikes_available: count,
        num_ebikes_available: 0,
        num_docks_available: 15 - count,
        num_bikes_disabled: 0,
        num_docks_disabled: 0,
        is_installed: true,
        is_renting: true,
        is_returning: true,
      })
      .onConflict((oc) =>
        oc
          .columns(['system_id', 'station_id'])
          .doUpdateSet({ num_bikes_available: count, num_docks_available: 15 - count }),
      )
      .execute()
  }
}

beforeAll(async () => {
  test = await createTestDatabase()
  db = test.db
  const trips = createTripsService({ db, databaseUrl: test.url, logger: silentLogger() })
  const report = await trips.importFiles({
    paths: [fixture('fordgobike-12-days.csv')],
    systemId: SYSTEM,
    stationsFile: fixture('station_information.json'),
  })
  expect(report.outcomes[0]).toMatchObject({ status: 'imported', rowsImported: 490 })
})

afterAll(async () => {
  await test.drop()
})

describe('balancer suggest: the engine end to end on the database', () => {
  let engine: EngineService
  const dispatch = () => createDispatchService(db, { leaseMs: 3_600_000 })

  beforeAll(async () => {
    await setStatus({ '1': 1, '2': 2, '3': 1, '4': 14, '5': 15, '6': 13 })
    // Wednesday 2018-02-14, 07:55 local: the morning commute north -> south is starting.
    engine = createEngineService({
      db,
      dispatch: dispatch(),
      now: () => new Date('2018-02-14T15:55:00Z'),
    })
  })

  it('fits a model, suggests valuable moves with reasons, and leaves others alone', async () => {
    const byDesk = await dispatch().createSuggestion(
      { from_station_id: '4', to_station_id: '1', qty: 5, reason: 'desk knows best' },
      DISPATCHER,
    )
    const fromOutside = await dispatch().createSuggestion(
      { from_station_id: '5', to_station_id: '2', qty: 5 },
      OUTSIDE,
    )
    expect(fromOutside.source).toBe('external')
    const approved = await dispatch().createSuggestion(
      { from_station_id: '6', to_station_id: '3', qty: 4 },
      DISPATCHER,
    )
    await dispatch().approve({ suggestion_id: approved.id }, DISPATCHER)

    const first = await engine.run({ crews: 2 })
    expect(first).toMatchObject({
      system_id: SYSTEM,
      source: 'engine',
      model_version: 1,
      model_fitted: true,
      superseded: 0,
      stations: 6,
    })
    expect(first.created).toBeGreaterThan(0)
    for (const suggestion of first.suggestions) {
      expect(suggestion).toMatchObject({ source: 'engine', status: 'open', created_by: 'engine' })
      expect(suggestion.value).toBeGreaterThan(0)
      expect(suggestion.qty).toBeLessThanOrEqual(20)
      // The south end (4-6) fills, the north end (1-3) empties: bikes go north.
      expect(['4', '5', '6']).toContain(suggestion.from_station_id)
      expect(['1', '2', '3']).toContain(suggestion.to_station_id)
      expect(suggestion.reason).toMatch(/expected by 10:55/)
      // Pairs a dispatcher, an outside engine or a ready task already cover are left out.
      const pair = `${suggestion.from_station_id}>${suggestion.to_station_id}`
      expect(['4>1', '5>2', '6>3']).not.toContain(pair)
    }
    // Both stations by name, what goes wrong when, and how much the move avoids.
    const top = first.suggestions[0]
    expect(top?.reason).toMatch(
      /(was full when proposed|fills in ~\d+ min|was empty when proposed|empties in ~\d+ min)/,
    )
    expect(top?.reason).toMatch(/failed (rentals|returns) expected by 10:55 without this move/)
    expect(top?.reason).toMatch(/(Ferry Building|Market St at Steuart St|Embarcadero at Folsom St)/)
    expect(top?.reason).toMatch(/(Mission Bay Kids Park|4th St at 16th St|Townsend St at 7th St)/)
    const model = await db.selectFrom('engine_models').selectAll().executeTakeFirstOrThrow()
    expect(model).toMatchObject({ system_id: SYSTEM, version: 1, is_active: true, weekdays: 10 })
    const rates = await db
      .selectFrom('engine_station_rates')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .executeTakeFirstOrThrow()
    expect(Number(rates.n)).toBe(12)

    const second = await engine.run({ crews: 2 })
    expect(second.model_fitted).toBe(false)
    expect(second.model_version).toBe(1)
    expect(second.superseded).toBe(first.created)
    const rows = await db
      .selectFrom('suggestions')
      .select(['id', 'source', 'status', 'superseded_by', 'decided_by'])
      .orderBy('id')
      .execute()
    const status = new Map(rows.map((row) => [row.id, row]))
    expect(status.get(byDesk.id)).toMatchObject({ status: 'open', superseded_by: null })
    expect(status.get(fromOutside.id)).toMatchObject({ status: 'open', superseded_by: null })
    expect(status.get(approved.id)).toMatchObject({ status: 'approved' })
    const newIds = new Set(second.suggestions.map((s) => s.id))
    for (const old of first.suggestions) {
      const row = status.get(old.id)
      expect(row).toMatchObject({ status: 'superseded', decided_by: 'engine' })
      expect(newIds.has(row?.superseded_by ?? -1)).toBe(true)
    }
    const audit = await sql<{ n: number }>`
      select count(*)::int as n from audit_log where action = 'engine.run'`.execute(db)
    expect(audit.rows[0]?.n).toBe(2)
  })

  it('suggests nothing when every station is comfortable, and supersedes its own leftovers', async () => {
    await setStatus({ '1': 12, '2': 12, '3': 12, '4': 3, '5': 3, '6': 3 })
    const calm = await engine.run({ crews: 2 })
    expect(calm.created).toBe(0)
    expect(calm.note).toMatch(/within its service range/)
    const open = await db
      .selectFrom('suggestions')
      .select(['source'])
      .where('status', '=', 'open')
      .execute()
    expect(open.map((row) => row.source).sort()).toEqual(['dispatcher', 'external'])
  })

  it('offers the seed heuristic as a suggestion source of its own', async () => {
    await setStatus({ '1': 1, '2': 2, '3': 1, '4': 14, '5': 15, '6': 13 })
    const seeded = await engine.run({ policy: 'seed_heuristic' })
    expect(seeded.created).toBeGreaterThan(0)
    expect(seeded.suggestions.every((s) => s.source === 'seed_heuristic')).toBe(true)
    expect(seeded.suggestions[0]?.reason).toMatch(/^Seed heuristic: /)
    // The engine's own open suggestions (none now) and the seed's are kept apart.
    const again = await engine.run({ policy: 'seed_heuristic' })
    expect(again.superseded).toBe(seeded.created)
  })
})

describe('balancer evaluate on a small fixture', () => {
  it('prints one JSON object with the four policies, checked and repeatable', async () => {
    const run = async () => {
      const out: string[] = []
      const write = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
        out.push(String(chunk))
        return true
      })
      const error = vi.spyOn(process.stderr, 'write').mockImplementation(() => true)
      try {
        const code = await main([
          'node',
          'balancer',
          'evaluate',
          '--database-url',
          test.url,
          '--fit-days',
          '9',
          '--seeds',
          '2',
          '--crews',
          '1',
          '--start-status',
          fixture('station_status.json'),
          '--json',
        ])
        expect(code).toBe(0)
      } finally {
        write.mockRestore()
        error.mockRestore()
      }
      const text = out.join('')
      expect(text.trim().split('\n')).toHaveLength(1)
      return JSON.parse(text) as {
        policies: Record<'none' | 'seed' | 'ours' | 'runs', Record<string, number>>
        runs_vs_seed: number | null
        days: string[]
        checked_days: number
      }
    }
    const report = await run()
    expect(Object.keys(report.policies)).toEqual(['none', 'seed', 'ours', 'runs'])
    for (const name of ['none', 'seed', 'ours', 'runs'] as const) {
      const policy = report.policies[name]
      for (const key of [
        'failed_rentals',
        'failed_returns',
        'failed_total',
        'moves',
        'bikes_moved',
      ]) {
        expect(typeof policy[key]).toBe('number')
      }
      expect(policy.failed_total).toBeCloseTo(
        (policy.failed_rentals ?? NaN) + (policy.failed_returns ?? NaN),
        9,
      )
    }
    expect(report.policies.none.moves).toBe(0)
    expect(report.policies.ours.moves).toBeGreaterThan(0)
    expect(report.policies.runs.moves).toBeGreaterThan(0)
    expect(report.runs_vs_seed).toBeCloseTo(
      (report.policies.runs.failed_total ?? NaN) / (report.policies.seed.failed_total ?? NaN),
      9,
    )
    // Fitted on 2018-02-05..13: the days left are the 14th, 15th and 16th.
    expect(report.days).toEqual(['2018-02-14', '2018-02-15', '2018-02-16'])
    expect(report.checked_days).toBe(3 * 2 * 4)
    expect(await run()).toEqual({ ...report, seconds: expect.any(Number) })
  })

  it('simulates only the days up to --until: a validation split inside the fitted period', async () => {
    const report = await evaluate(db, {
      systemId: SYSTEM,
      fitDays: 7,
      until: '2018-02-13',
      seeds: 1,
      crews: 1,
    })
    expect(report.fitted).toMatchObject({ from: '2018-02-05', to: '2018-02-11' })
    expect(report.days).toEqual(['2018-02-12', '2018-02-13'])
    await expect(
      evaluate(db, { systemId: SYSTEM, fitDays: 9, until: '2018-02-13' }),
    ).rejects.toThrow(/--until: 2018-02-13 leaves no day to simulate/)
  })

  it('refuses a day that was fitted on, naming the held-out days', async () => {
    await expect(evaluate(db, { systemId: SYSTEM, fitDays: 9, day: '2018-02-10' })).rejects.toThrow(
      /2018-02-10 is not one of the held-out days 2018-02-14 to 2018-02-16/,
    )
  })
})

describe.skipIf(!hasSharedData)(`balancer evaluate on February 2018${NEEDS_SHARED_DATA}`, () => {
  let real: TestDatabase
  beforeAll(async () => {
    real = await createTestDatabase()
    const trips = createTripsService({ db: real.db, databaseUrl: real.url, logger: silentLogger() })
    await trips.importFiles({
      paths: [sharedData('trips', 'full-month', '201802-fordgobike-tripdata.csv.gz')],
      systemId: 'fgb',
      stationsFile: sharedData('gbfs', 'fordgobike-legacy-2018-04-30', 'station_information.json'),
    })
  }, 120_000)
  afterAll(async () => {
    await real.drop()
  })

  it('fits on the first three weeks and the engine fails far fewer riders than the seed', async () => {
    const report = await evaluate(real.db, {
      day: '2018-02-27',
      seeds: 2,
      startStatusFile: sharedData(
        'gbfs',
        'fordgobike-legacy-2018-04-30',
        'station_status_2018-04-30T161610Z.json',
      ),
    })
    expect(report.fitted).toMatchObject({ from: '2018-02-01', to: '2018-02-21', weekdays: 15 })
    // One day x 2 seeds x 4 policies.
    expect(report.checked_days).toBe(8)
    const { none, seed, ours, runs } = report.policies
    expect(seed.failed_total).toBeLessThan(none.failed_total)
    expect(ours.failed_total).toBeLessThan(0.8 * seed.failed_total)
    expect(runs.failed_total).toBeLessThan(seed.failed_total)
    expect(report.model_accuracy?.mae).toBeLessThan(report.model_accuracy?.baseline_mae ?? 0)
  }, 120_000)
})
