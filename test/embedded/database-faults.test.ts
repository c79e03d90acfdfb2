import { mkdtemp, rm } from 'node:fs/promises'
import { hostname, tmpdir } from 'node:os'
import { join } from 'node:path'
import { sql } from 'kysely'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CLI_ACTOR } from '../../src/server/auth/actor.js'
import { createDatabase, createPool } from '../../src/server/db/database.js'
import { RESYNC } from '../../src/server/events/notify-hub.js'
import { currentLeader, JOBS_LOCK } from '../../src/server/jobs/leader.js'
import { createLogger, silentLogger } from '../../src/server/logger.js'
import { startServer, type ServerHandle } from '../../src/server/runtime.js'
import { withDatabaseName } from '../helpers/database-url.js'
import { seedStations, SYSTEM } from '../helpers/fixtures.js'
import { startThrowawayCluster, type ThrowawayCluster } from '../helpers/throwaway-cluster.js'

/**
 * A configured PostgreSQL restarted, stopped or frozen under a server with 15 crews claiming and
 * completing: the process never dies, requests meanwhile get 503 with Retry-After and a detail,
 * and it serves again within 5 s of the database answering; LISTEN comes back with a resync and
 * the leader takes its lock again. FAULT_LOG=warn shows the server's own account.
 */

const CREWS = 15
const TASKS = 20_000
const RECOVERY_MS = 5_000

let cluster: ThrowawayCluster | undefined
let dataDir: string | undefined
let server: ServerHandle
let tokens: string[]
const crashes: unknown[] = []
const onCrash = (error: unknown) => crashes.push(error)
const theCluster = (): ThrowawayCluster => {
  if (!cluster) throw new Error('the cluster did not start')
  return cluster
}
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

beforeAll(async () => {
  process.on('uncaughtException', onCrash)
  process.on('unhandledRejection', onCrash)
  const started = await startThrowawayCluster({ name: 'db-faults' })
  cluster = started
  const admin = new pg.Client({ connectionString: started.adminUrl })
  await admin.connect()
  await admin.query('create database balancer')
  await admin.end()
  dataDir = await mkdtemp(join(tmpdir(), 'db-faults-app-'))
  server = await startServer(
    {
      dataDir,
      databaseUrl: withDatabaseName(started.adminUrl, 'balancer'),
      host: '127.0.0.1',
      port: 0,
      feeds: [],
    },
    createLogger(process.env.FAULT_LOG ?? 'silent'),
  )
  const { db } = server.database
  await seedStations(db, [{ station_id: 'A' }, { station_id: 'B' }])
  await sql`
    insert into tasks (system_id, from_station_id, to_station_id, qty, priority)
    select ${SYSTEM}, 'A', 'B', 1 + i % 9, (i % 7)::float8
      from generate_series(1, ${TASKS}) as i`.execute(db)
  tokens = await Promise.all(
    Array.from({ length: CREWS }, async (_, i) => {
      const created = await server.services.auth.createToken(
        { role: 'crew', name: `Van ${i}`, crewId: `van-${i}` },
        CLI_ACTOR,
      )
      return created.token
    }),
  )
}, 120_000)

afterAll(async () => {
  await (server as ServerHandle | undefined)?.close()
  await cluster?.remove()
  if (dataDir) await rm(dataDir, { recursive: true, force: true })
  process.off('uncaughtException', onCrash)
  process.off('unhandledRejection', onCrash)
})

interface Outcome {
  path: 'next' | 'complete'
  started: number
  ended: number
  status: number
  retryAfter: string | null
  detail?: string
}

/** The crews claiming and completing in a loop until `stop()`, every answer recorded. */
function crews(): { outcomes: Outcome[]; stop(): Promise<void> } {
  const outcomes: Outcome[] = []
  let stopped = false
  const call = async (
    token: string,
    path: string,
    body: unknown,
  ): Promise<{ status: number; id: number | null }> => {
    const started = Date.now()
    try {
      const response = await fetch(`${server.url}${path}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(20_000),
      })
      const json = (await response.json()) as { id?: number; detail?: string }
      outcomes.push({
        path: path === '/dispatch/next' ? 'next' : 'complete',
        started,
        ended: Date.now(),
        status: response.status,
        retryAfter: response.headers.get('retry-after'),
        detail: json.detail,
      })
      return { status: response.status, id: json.id ?? null }
    } catch (error) {
      outcomes.push({
        path: path === '/dispatch/next' ? 'next' : 'complete',
        started,
        ended: Date.now(),
        status: 0,
        retryAfter: null,
        detail: String(error),
      })
      return { status: 0, id: null }
    }
  }
  const loop = async (token: string) => {
    let held: number | null = null
    for (let round = 0; round < 50_000 && !stopped; round += 1) {
      const answer: { status: number; id: number | null } =
        held === null
          ? await call(token, '/dispatch/next', {})
          : await call(token, `/task/${held}/complete`, { qty_moved: 1 })
      if (answer.status === 200) held = held === null ? answer.id : null
      // A completion whose commit went through but whose answer was lost: the retry finds the
      // task completed (409 until completions are retry-safe; then 200).
      else if (answer.status === 409 && held !== null) held = null
      // A phone waits a little before trying again after a refusal.
      await sleep(answer.status === 200 ? 2 : 100)
    }
  }
  const running = Promise.all(tokens.map(loop))
  return {
    outcomes,
    async stop() {
      stopped = true
      await running
    },
  }
}

/** Runs `fault` under load and checks every answer; returns ms from answering to serving. */
async function underLoad(fault: () => Promise<number>): Promise<{
  recoveryMs: number
  counts: Record<number, number>
}> {
  const load = crews()
  await sleep(1_000)
  const answering = await fault()
  await sleep(RECOVERY_MS + 1_000)
  await load.stop()
  const counts: Record<number, number> = {}
  for (const outcome of load.outcomes) counts[outcome.status] = (counts[outcome.status] ?? 0) + 1
  const refused = load.outcomes.filter(
    (outcome) => outcome.status !== 200 && !(outcome.status === 409 && outcome.path === 'complete'),
  )
  // Every refusal is a 503 a phone can act on: when to try again, and why.
  const unexplained = refused.filter(
    (outcome) =>
      outcome.status !== 503 ||
      outcome.retryAfter !== '5' ||
      !/database is unavailable/.test(outcome.detail ?? ''),
  )
  expect(unexplained).toEqual([])
  const served = load.outcomes
    .filter((outcome) => outcome.status === 200 && outcome.started >= answering)
    .map((outcome) => outcome.ended)
  const recoveryMs = Math.min(...served) - answering
  // And from 5 s after the database answers, nothing is refused.
  expect(refused.filter((outcome) => outcome.started > answering + RECOVERY_MS)).toEqual([])
  expect(crashes).toEqual([])
  return { recoveryMs, counts }
}

async function waitFor<T>(what: () => Promise<T>, ok: (value: T) => boolean, ms: number) {
  const deadline = Date.now() + ms
  let value = await what()
  while (!ok(value) && Date.now() < deadline) {
    await sleep(200)
    value = await what().catch(() => value)
  }
  return value
}

const leaderNow = () => currentLeader(server.database.db, JOBS_LOCK).catch(() => null)
const me = `${hostname()}:${process.pid}`

describe('a configured database that goes away under 15 crews', () => {
  it('pg_ctl restart -m fast: no crash, 503 meanwhile, serving within 5 s; LISTEN resyncs; the leader leads again', async () => {
    expect(await waitFor(leaderNow, (holder) => holder === me, 15_000)).toBe(me)
    const heard: string[] = []
    const unsubscribe = server.events.subscribe((event) => heard.push(event.channel))
    let answering = 0
    const { recoveryMs, counts } = await underLoad(async () => {
      await theCluster().restartFast()
      answering = Date.now()
      return answering
    })
    console.log(
      `restart -m fast: answers ${JSON.stringify(counts)}; serving ${recoveryMs} ms after the database answered`,
    )
    expect(recoveryMs).toBeLessThan(RECOVERY_MS)
    expect(heard).toContain(RESYNC)
    unsubscribe()
    const holder = await waitFor(leaderNow, (value) => value === me, 15_000)
    console.log(
      `restart -m fast: leader again ${Date.now() - answering} ms after the database answered`,
    )
    expect(holder).toBe(me)
  }, 60_000)

  it('stop -m immediate for 3 s, then start: the same', async () => {
    const heard: number[] = []
    const unsubscribe = server.events.subscribe((event) => {
      if (event.channel === RESYNC) heard.push(Date.now())
    })
    let answering = 0
    const { recoveryMs, counts } = await underLoad(async () => {
      await theCluster().stop('immediate')
      await sleep(3_000)
      await theCluster().start()
      answering = Date.now()
      return answering
    })
    console.log(
      `stop -m immediate, 3 s, start: answers ${JSON.stringify(counts)}; serving ${recoveryMs} ms after the database answered; resync after ${(heard[0] ?? NaN) - answering} ms`,
    )
    expect(counts[503]).toBeGreaterThan(0)
    expect(recoveryMs).toBeLessThan(RECOVERY_MS)
    expect(heard.length).toBeGreaterThan(0)
    unsubscribe()
    expect(await waitFor(leaderNow, (value) => value === me, 15_000)).toBe(me)
  }, 60_000)

  it('a server that stops answering without closing its sockets: statements end at their deadline', async () => {
    // Request limits shortened to 1 s, so the deadline is 1 + 5 s rather than 30 + 5.
    const pool = createPool(withDatabaseName(theCluster().adminUrl, 'balancer'), silentLogger(), {
      max: 2,
      limits: { statementMs: 1_000, idleInTransactionMs: 1_000 },
    })
    const db = createDatabase(pool)
    try {
      await sql`select 1`.execute(db)
      await theCluster().freeze()
      const started = Date.now()
      const error = await sql`select 1`.execute(db).then(
        () => null,
        (failure: unknown) => failure as Error,
      )
      const waited = Date.now() - started
      await theCluster().thaw()
      console.log(`frozen server: the statement failed after ${waited} ms: ${error?.message}`)
      expect(error?.message).toMatch(/did not answer within 6 s/)
      expect(waited).toBeLessThan(8_000)
      // The silent connection was dropped, not handed out again: the next statement works.
      const { rows } = await sql<{ one: number }>`select 1 as one`.execute(db)
      expect(rows).toEqual([{ one: 1 }])
    } finally {
      await theCluster().thaw()
      await db.destroy()
    }
    expect(crashes).toEqual([])
  }, 30_000)
})
