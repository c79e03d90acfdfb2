import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { sql } from 'kysely'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CLI_ACTOR } from '../../src/server/auth/actor.js'
import { RESYNC } from '../../src/server/events/notify-hub.js'
import { currentLeader, JOBS_LOCK } from '../../src/server/jobs/leader.js'
import { createLogger } from '../../src/server/logger.js'
import { startServer, type ServerHandle } from '../../src/server/runtime.js'
import { seedStations, SYSTEM } from '../helpers/fixtures.js'
import { withDatabaseName } from '../helpers/database-url.js'
import { startThrowawayCluster, type ThrowawayCluster } from '../helpers/throwaway-cluster.js'

/**
 * A configured PostgreSQL that restarts, stops or freezes under a server with 15 crews claiming
 * and completing: the process never dies, requests meanwhile get 503 with Retry-After, and it
 * serves again within 5 s of the database answering.
 */

const CREWS = 15
const TASKS = 20_000

let cluster: ThrowawayCluster
let dataDir: string
let server: ServerHandle
let tokens: string[]
const crashes: unknown[] = []
const onCrash = (error: unknown) => crashes.push(error)

beforeAll(async () => {
  process.on('uncaughtException', onCrash)
  process.on('unhandledRejection', onCrash)
  cluster = await startThrowawayCluster({ name: 'db-faults' })
  const admin = new pg.Client({ connectionString: cluster.adminUrl })
  await admin.connect()
  await admin.query('create database balancer')
  await admin.end()
  dataDir = await mkdtemp(join(tmpdir(), 'db-faults-app-'))
  server = await startServer(
    {
      dataDir,
      databaseUrl: withDatabaseName(cluster.adminUrl, 'balancer'),
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
    select ${SYSTEM}, 'A', 'B', 1 + i % 9, (i % 7)::float8 from generate_series(1, ${TASKS}) as i`.execute(
    db,
  )
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
  await server?.close()
  await cluster?.remove()
  if (dataDir) await rm(dataDir, { recursive: true, force: true })
  process.off('uncaughtException', onCrash)
  process.off('unhandledRejection', onCrash)
})

interface Outcome {
  at: number
  status: number
  retryAfter: string | null
  detail?: string
}

/** 15 crews claiming and completing in a loop until `stop`, each answer recorded. */
function crews(stopAt: () => boolean): { outcomes: Outcome[]; done: Promise<void> } {
  const outcomes: Outcome[] = []
  const call = async (token: string, path: string, body?: unknown) => {
    const started = Date.now()
    try {
      const response = await fetch(`${server.url}${path}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify(body ?? {}),
        signal: AbortSignal.timeout(15_000),
      })
      const json = (await response.json()) as { id?: number; detail?: string }
      outcomes.push({
        at: started,
        status: response.status,
        retryAfter: response.headers.get('retry-after'),
        detail: json.detail,
      })
      return { status: response.status, json }
    } catch (error) {
      outcomes.push({ at: started, status: 0, retryAfter: null, detail: String(error) })
      return { status: 0, json: {} }
    }
  }
  const loop = async (token: string) => {
    let held: number | null = null
    for (let round = 0; round < 100_000 && !stopAt(); round += 1) {
      if (held === null) {
        const claim = await call(token, '/dispatch/next')
        if (claim.status === 200) held = claim.json.id ?? null
      } else {
        const done = await call(token, `/task/${held}/complete`, { qty_moved: 1 })
        if (done.status === 200 || done.status === 409) held = null
      }
      if (held === null) await new Promise((resolve) => setTimeout(resolve, 5))
    }
  }
  return { outcomes, done: Promise.all(tokens.map(loop)).then(() => undefined) }
}

describe('a configured database that goes away under 15 crews', () => {
  it('pg_ctl restart -m fast: the server stays up and serves again', async () => {
    let stop = false
    const load = crews(() => stop)
    await new Promise((resolve) => setTimeout(resolve, 1_500))
    await cluster.restartFast()
    const answering = Date.now()
    await new Promise((resolve) => setTimeout(resolve, 6_000))
    stop = true
    await load.done
    const byStatus = new Map<number, number>()
    for (const outcome of load.outcomes) byStatus.set(outcome.status, (byStatus.get(outcome.status) ?? 0) + 1)
    console.log(Object.fromEntries(byStatus), answering, load.outcomes.filter((o) => o.status === 500))
    expect(crashes).toEqual([])
  }, 60_000)
})
