import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { sql } from 'kysely'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createDatabase, createPool } from '../../src/server/db/database.js'
import { createDispatchService } from '../../src/server/dispatch/dispatch.service.js'
import { createEngineService, type EngineService } from '../../src/server/engine/engine.service.js'
import { LOCK_NAMESPACE, lockKey } from '../../src/server/jobs/leader.js'
import { silentLogger } from '../../src/server/logger.js'
import { createTripsService } from '../../src/server/trips/trips.service.js'
import { startApi, type TestApi } from '../helpers/api.js'
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.js'

/**
 * The engine's lock is tried, never waited for with a pool connection held; a run's suggestions
 * and the superseding of the old ones commit together or not at all.
 */

const fixture = (name: string) =>
  join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'engine', name)
const SYSTEM = 'engine_fixture'

let test: TestDatabase
/** The same database through a pool of 2: what starving it would take is easy to reach. */
let small: TestDatabase
let api: TestApi
let engine: EngineService

beforeAll(async () => {
  test = await createTestDatabase()
  const trips = createTripsService({ db: test.db, databaseUrl: test.url, logger: silentLogger() })
  await trips.importFiles({
    paths: [fixture('fordgobike-12-days.csv')],
    systemId: SYSTEM,
    stationsFile: fixture('station_information.json'),
  })
  const at = new Date('2018-02-14T15:55:00Z')
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
  const pool = createPool(test.url, silentLogger(), { max: 2 })
  small = { ...test, pool, db: createDatabase(pool) }
  api = await startApi(small)
  // Wednesday 2018-02-14, 07:55 local: the fixture's morning problem, as engine.test.ts has it.
  engine = createEngineService({
    db: small.db,
    dispatch: createDispatchService(small.db, { leaseMs: 3_600_000 }),
    now: () => at,
  })
}, 60_000)

afterAll(async () => {
  await (api as TestApi | undefined)?.close()
  await (small as TestDatabase | undefined)?.db.destroy()
  await (test as TestDatabase | undefined)?.drop()
})

async function readyTask(): Promise<void> {
  await sql`insert into tasks (system_id, from_station_id, to_station_id, qty)
            values (${SYSTEM}, '4', '1', 3)`.execute(test.db)
}

describe('POST /suggestions/run while a run is in progress', () => {
  it('answers 409 engine_busy at once, holding no pool connection, and claims still get through', async () => {
    // A run in progress on another console: its session holds the engine's lock.
    const other = new pg.Client({ connectionString: test.url })
    await other.connect()
    await other.query('select pg_advisory_lock($1, $2)', [
      LOCK_NAMESPACE,
      lockKey(`engine:engine:${SYSTEM}`),
    ])
    try {
      const desk = await api.token('dispatcher', 'desk')
      const crew = await api.token('crew', 'Van 1', { crewId: 'van-1' })
      await readyTask()
      const started = Date.now()
      const [claim, ...runs] = await Promise.all([
        api.call('POST', '/dispatch/next', { token: crew }),
        ...Array.from({ length: 5 }, () =>
          api.call('POST', '/suggestions/run', { token: desk, body: {} }),
        ),
      ])
      const took = Date.now() - started
      for (const run of runs) {
        expect(run.status).toBe(409)
        expect(run.body).toMatchObject({ code: 'engine_busy' })
        expect((run.body as { detail: string }).detail).toMatch(/a run is in progress/)
      }
      expect(claim.status).toBe(200)
      // Nobody waited for the lock (a run that did would wait for as long as the other holds it):
      // all six answered within the pool's 5 s wait for a connection, on a busy 2-core machine.
      expect(took).toBeLessThan(4_500)
      expect(small.pool.waitingCount).toBe(0)
    } finally {
      await other.end()
    }
  })

  it('runs started together: one makes suggestions, the others are told a run is in progress', async () => {
    const outcomes = await Promise.allSettled(
      Array.from({ length: 5 }, () => engine.run({ crews: 2 })),
    )
    const made = outcomes.filter((outcome) => outcome.status === 'fulfilled')
    const busy = outcomes.filter((outcome) => outcome.status === 'rejected')
    expect(made.length).toBeGreaterThanOrEqual(1)
    for (const outcome of busy) expect(outcome.reason).toMatchObject({ code: 'engine_busy' })
    // And a claim meanwhile is not starved by the runs on a pool of 2.
    await readyTask()
    const crew = await api.token('crew', 'Van 2', { crewId: 'van-2' })
    const runs = Array.from({ length: 5 }, () => engine.run({ crews: 2 }).catch(() => null))
    const claim = await api.call('POST', '/dispatch/next', { token: crew })
    expect(claim.status).toBe(200)
    await Promise.all(runs)
  })
})

describe('a run that fails halfway', () => {
  it('leaves the previous suggestions open and adds none', async () => {
    const before = await engine.run({ crews: 2 })
    expect(before.created).toBeGreaterThan(0)
    const open = async () =>
      (
        await small.db
          .selectFrom('suggestions')
          .select(['id', 'status'])
          .where('source', '=', 'engine')
          .orderBy('id')
          .execute()
      ).map((row) => `${row.id}:${row.status}`)
    const was = await open()
    // The run's last write (its audit entry) fails: everything before it in the run is undone.
    await sql`
      create function fail_engine_run() returns trigger language plpgsql as $$
      begin
        if new.action = 'engine.run' then raise exception 'the disk is full (test)'; end if;
        return new;
      end $$;
      create trigger fail_engine_run before insert on audit_log
        for each row execute function fail_engine_run()`.execute(test.db)
    try {
      await expect(engine.run({ crews: 2 })).rejects.toThrow(/the disk is full/)
    } finally {
      await sql`drop trigger fail_engine_run on audit_log;
                drop function fail_engine_run()`.execute(test.db)
    }
    expect(await open()).toEqual(was)
    expect(was.filter((row) => row.endsWith(':open')).length).toBe(before.created)
    // The lock went with the failure: the next run goes ahead and supersedes the old ones.
    const after = await engine.run({ crews: 2 })
    expect(after.superseded).toBe(before.created)
  })
})
