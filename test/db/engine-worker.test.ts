import { mkdtempSync, rmSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import pino from 'pino'
import { build } from 'vite'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createDispatchService } from '../../src/server/dispatch/dispatch.service.js'
import { createEngineService } from '../../src/server/engine/engine.service.js'
import { runPlan, useEngineWorker } from '../../src/server/engine/worker/plan-runner.js'
import { chooseSystem } from '../../src/server/systems/system-choice.js'
import { silentLogger } from '../../src/server/logger.js'
import { createTripsService } from '../../src/server/trips/trips.service.js'
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.js'

/**
 * The engine's fit and planning in a worker thread: the worker built as the bundles build it
 * (an SSR entry of its own), run against the database, answers what planning inline answers.
 */

const here = dirname(fileURLToPath(import.meta.url))
const fixture = (name: string) => join(here, '..', 'fixtures', 'engine', name)
const SYSTEM = 'engine_fixture'
const at = new Date('2018-02-14T15:55:00Z')

let test: TestDatabase
let outDir: string
let workerFile: URL

beforeAll(async () => {
  test = await createTestDatabase()
  const trips = createTripsService({ db: test.db, databaseUrl: test.url, logger: silentLogger() })
  await trips.importFiles({
    paths: [fixture('fordgobike-12-days.csv')],
    systemId: SYSTEM,
    stationsFile: fixture('station_information.json'),
  })
  const bikes: Record<string, number> = { '1': 1, '2': 2, '3': 1, '4': 14, '5': 15, '6': 13 }
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
        num_docks_available: 15 - count,
        num_bikes_disabled: 0,
        num_docks_disabled: 0,
        is_installed: true,
        is_renting: true,
        is_returning: true,
      })),
    )
    .execute()
  // Inside the checkout, so that the worker's dependencies resolve from node_modules.
  outDir = mkdtempSync(join(resolve(here, '..', '..', 'out'), 'engine-worker-test-'))
  await build({
    configFile: false,
    logLevel: 'silent',
    build: {
      ssr: true,
      outDir,
      target: 'node20',
      emptyOutDir: true,
      rollupOptions: {
        input: {
          'engine-worker': resolve(here, '../../src/server/engine/worker/engine-worker.ts'),
        },
        output: { format: 'es', entryFileNames: '[name].js' },
      },
    },
  })
  workerFile = pathToFileURL(join(outDir, 'engine-worker.js'))
}, 120_000)

afterAll(async () => {
  await (test as TestDatabase | undefined)?.drop()
  if (outDir) rmSync(outDir, { recursive: true, force: true })
})

describe('planning in the worker thread', () => {
  it('fits and plans on its own connection, logs through the caller, answers as inline does', async () => {
    const lines: Record<string, unknown>[] = []
    const logger = pino(
      { level: 'info' },
      { write: (line: string) => lines.push(JSON.parse(line) as Record<string, unknown>) },
    )
    const system = await chooseSystem(test.db, SYSTEM, 'system_id')
    const input = {
      system,
      request: { crews: 2 },
      source: 'engine' as const,
      now: at.toISOString(),
    }
    const inWorker = await runPlan(input, {
      db: test.db,
      databaseUrl: test.url,
      logger,
      workerFile,
    })
    // The first run fitted the model, in the worker (its thread id is on the line).
    expect(inWorker.modelFitted).toBe(true)
    const fitted = lines.find((line) => line.msg === 'engine: demand model fitted')
    expect(fitted?.thread).toBeGreaterThan(0)
    expect(inWorker.proposals.length).toBeGreaterThan(0)

    const inline = await runPlan(input, {
      db: test.db,
      databaseUrl: test.url,
      logger: silentLogger(),
      workerFile: null,
    })
    expect(inline.modelFitted).toBe(false)
    const moves = (plan: typeof inline) =>
      plan.proposals.map((p) => [p.from.row.station_id, p.to.row.station_id, p.qty, p.value])
    expect(moves(inWorker)).toEqual(moves(inline))
  }, 60_000)

  it("fails the run with the worker's error when the worker cannot plan", async () => {
    const system = await chooseSystem(test.db, SYSTEM, 'system_id')
    await expect(
      runPlan(
        { system, request: {}, source: 'engine', now: at.toISOString() },
        {
          db: test.db,
          databaseUrl: 'postgres://nobody@127.0.0.1:1/none',
          logger: silentLogger(),
          workerFile,
        },
      ),
    ).rejects.toThrow()
  }, 60_000)

  it('a run through the service keeps the moves the worker planned', async () => {
    const engine = createEngineService({
      db: test.db,
      databaseUrl: test.url,
      dispatch: createDispatchService(test.db, { leaseMs: 3_600_000 }),
      now: () => at,
    })
    useEngineWorker(workerFile)
    try {
      const summary = await engine.run({ system_id: SYSTEM, crews: 2 })
      expect(summary.created).toBeGreaterThan(0)
      expect(summary.suggestions.every((s) => s.source === 'engine')).toBe(true)
    } finally {
      useEngineWorker(null)
    }
  }, 60_000)
})
