import type { AddressInfo } from 'node:net'
import { createServer } from 'node:http'
import { performance } from 'node:perf_hooks'
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads'
import { sql } from 'kysely'
import { CLI_ACTOR, type Actor } from '../src/server/auth/actor.js'
import { openDatabase } from '../src/server/db/connect.js'
import type { Database } from '../src/server/db/database.js'
import { claimNextTask } from '../src/server/dispatch/dispatch.repository.js'
import { createApp } from '../src/server/http/app.js'
import { silentLogger } from '../src/server/logger.js'
import { createServices } from '../src/server/services.js'
import { benchDatabase, median, ms, printTable, quantile } from './lib.js'

export const description =
  'claims/s and p50/p95/p99 over HTTP at 1, 8, 64 clients vs the same claim as raw SQL'

const SYSTEM = 'bench'
const CONCURRENCY = [1, 8, 64]
const POOL_SIZE = 16

interface Options {
  tasks: number
  rounds: number
}

function parseArgs(args: string[]): Options {
  const options: Options = { tasks: 2_000, rounds: 3 }
  for (let i = 0; i < args.length; i += 2) {
    const value = Number(args[i + 1])
    if (args[i] === '--tasks' && value > 0) options.tasks = value
    else if (args[i] === '--rounds' && value > 0) options.rounds = value
    else throw new Error(`unknown option ${args[i] ?? ''}; use --tasks N --rounds N`)
  }
  return options
}

interface Run {
  claims: number
  seconds: number
  latencies: number[]
  duplicates: number
}

async function fillQueue(db: Database, count: number): Promise<void> {
  await sql`truncate task_assignments, tasks restart identity cascade`.execute(db)
  await sql`
    insert into tasks (system_id, from_station_id, to_station_id, qty, priority, created_at)
    select ${SYSTEM}, 'A', 'B', 1 + i % 9, (i % 5)::float8, now() - make_interval(secs => i)
      from generate_series(1, ${count}) as i`.execute(db)
  await sql`analyze tasks`.execute(db)
}

/** Tasks handed out more than once (must be zero), and that every task was handed out. */
async function checkOnce(db: Database, expected: number): Promise<number> {
  const { rows } = await sql<{ duplicates: number; held: number }>`
    select (select count(*) from (select task_id from task_assignments
                                   group by task_id having count(*) > 1) d) as duplicates,
           (select count(*) from tasks where status = 'assigned') as held`.execute(db)
  const row = rows[0]
  if (!row || row.held !== expected) {
    throw new Error(`expected ${expected} tasks handed out, found ${row?.held ?? 0}`)
  }
  return row.duplicates
}

/**
 * Every client claims until the queue is empty. A crew works one task at a time (a crew holding
 * one gets it back), so each claim is made by the next crew that holds none, as a crew that has
 * just completed its task does: the claim measured is a hand-out, never a held task's return.
 */
async function drain(
  clients: number,
  claim: (crew: number) => Promise<boolean>,
): Promise<Omit<Run, 'duplicates'>> {
  const latencies: number[] = []
  let claims = 0
  let nextCrew = 0
  const started = performance.now()
  await Promise.all(
    Array.from({ length: clients }, async () => {
      for (;;) {
        const before = performance.now()
        const got = await claim(nextCrew++)
        if (!got) return
        latencies.push(performance.now() - before)
        claims += 1
      }
    }),
  )
  return { claims, seconds: (performance.now() - started) / 1000, latencies }
}

/** Every token looked up once before the runs, so that no run pays for a first look-up. */
async function warmTokens(url: string, tokens: readonly string[]): Promise<void> {
  let next = 0
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      while (next < tokens.length) {
        const token = tokens[next++] ?? ''
        const response = await fetch(`${url}/me`, { headers: { authorization: `Bearer ${token}` } })
        await response.arrayBuffer()
        if (response.status !== 200) throw new Error(`GET /me answered ${response.status}`)
      }
    }),
  )
}

function crewActor(client: number): Actor {
  return { name: `Van ${client}`, role: 'crew', crewId: `van-${client}`, tokenId: client + 1 }
}

/** The HTTP server runs in a worker thread, as it would in its own process: own event loop. */
function startServerWorker(url: string): Promise<{ url: string; stop: () => Promise<void> }> {
  // The runner's own bundle (this module is one of its chunks) knows how to start a benchmark.
  const worker = new Worker(process.argv[1] ?? '', {
    workerData: { bench: 'dispatch', role: 'dispatch-server', url },
  })
  return new Promise((resolve, reject) => {
    worker.once('error', reject)
    worker.once('exit', (code) => reject(new Error(`the server thread exited (${code})`)))
    worker.once('message', (port: number) =>
      resolve({
        url: `http://127.0.0.1:${port}`,
        stop: async () => {
          await worker.terminate()
        },
      }),
    )
  })
}

async function serveInWorker(url: string): Promise<void> {
  const logger = silentLogger()
  const database = await openDatabase(
    { dataDir: '/tmp', databaseUrl: url, host: '127.0.0.1', port: 0 },
    logger,
    { poolSize: POOL_SIZE },
  )
  const { services, metrics } = createServices({
    db: database.db,
    pool: database.pool,
    mode: 'configured',
    location: database.location,
    apiUrl: () => null,
    databaseUrl: database.url,
    // Each crew's token is used once per run: kept for the whole benchmark, it is looked up
    // once (in the warm-up), as 64 crews' tokens reused every second are in a depot.
    auth: { cacheMs: 3_600_000 },
  })
  // Rate limits off: this measures the claim path, not the limiter's budget.
  const app = createApp({ services, logger, metrics, rateLimits: false })
  const server = createServer(app)
  server.keepAliveTimeout = 30_000
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  parentPort?.postMessage((server.address() as AddressInfo).port)
  await new Promise(() => undefined)
}

export async function run(args: string[]): Promise<void> {
  if (!isMainThread && (workerData as { role?: string } | null)?.role === 'dispatch-server') {
    await serveInWorker((workerData as { url: string }).url)
    return
  }
  const options = parseArgs(args)
  const bench = await benchDatabase('dispatch', POOL_SIZE)
  try {
    const { db } = bench
    await db.insertInto('systems').values({ system_id: SYSTEM, name: 'Bench' }).execute()
    await db
      .insertInto('stations')
      .values([
        { system_id: SYSTEM, station_id: 'A', name: 'A', lat: 37.77, lon: -122.42 },
        { system_id: SYSTEM, station_id: 'B', name: 'B', lat: 37.78, lon: -122.41 },
      ])
      .execute()
    const { services } = createServices({
      db,
      pool: bench.pool,
      mode: 'configured',
      location: bench.location,
      apiUrl: () => null,
      databaseUrl: bench.url,
    })
    // One crew per task of a run: every claim is a crew's first (see drain).
    const tokens: string[] = []
    for (let i = 0; i < options.tasks + Math.max(...CONCURRENCY); i++) {
      const created = await services.auth.createToken(
        { role: 'crew', name: `Van ${i}`, crewId: `van-${i}` },
        CLI_ACTOR,
      )
      tokens.push(created.token)
    }
    const server = await startServerWorker(bench.url)
    await warmTokens(server.url, tokens)
    process.stdout.write(
      `dispatch claims: ${options.tasks} ready tasks per run, ${options.rounds} rounds, pool ${POOL_SIZE}, ` +
        `HTTP server in its own thread, PostgreSQL ${bench.location}\n\n`,
    )

    const results = new Map<string, Run[]>()
    const record = (key: string, result: Run) =>
      results.set(key, [...(results.get(key) ?? []), result])
    for (let round = 0; round < options.rounds; round++) {
      for (const clients of CONCURRENCY) {
        // Alternate which goes first, so neither always runs on a warmer cache.
        const order = round % 2 === 0 ? (['sql', 'http'] as const) : (['http', 'sql'] as const)
        for (const mode of order) {
          await fillQueue(db, options.tasks)
          const result =
            mode === 'sql'
              ? await drain(clients, async (crew) =>
                  Boolean(await claimNextTask(db, `van-${crew}`, crewActor(crew))),
                )
              : await drain(clients, async (crew) => {
                  const response = await fetch(`${server.url}/dispatch/next`, {
                    method: 'POST',
                    headers: {
                      authorization: `Bearer ${tokens[crew] ?? ''}`,
                      'content-type': 'application/json',
                    },
                    body: '{}',
                  })
                  await response.arrayBuffer()
                  if (response.status === 404) return false
                  if (response.status !== 200) throw new Error(`claim answered ${response.status}`)
                  return true
                })
          record(`${mode}:${clients}`, {
            ...result,
            duplicates: await checkOnce(db, options.tasks),
          })
        }
      }
    }
    await server.stop()

    const rows: string[][] = [
      ['clients', 'path', 'claims/s (median)', 'p50', 'p95', 'p99', 'duplicates', 'HTTP / SQL'],
    ]
    for (const clients of CONCURRENCY) {
      const rate = (mode: string) =>
        median((results.get(`${mode}:${clients}`) ?? []).map((r) => r.claims / r.seconds))
      for (const mode of ['sql', 'http']) {
        const runs = results.get(`${mode}:${clients}`) ?? []
        const latencies = runs.flatMap((r) => r.latencies).sort((a, b) => a - b)
        rows.push([
          String(clients),
          mode === 'sql' ? 'raw SQL (pg, same statement)' : 'HTTP POST /dispatch/next',
          rate(mode).toFixed(0),
          ms(quantile(latencies, 0.5)),
          ms(quantile(latencies, 0.95)),
          ms(quantile(latencies, 0.99)),
          String(runs.reduce((sum, r) => sum + r.duplicates, 0)),
          mode === 'http' ? `${((100 * rate('http')) / rate('sql')).toFixed(0)} %` : '',
        ])
      }
    }
    printTable(rows)
    const http64 = median((results.get('http:64') ?? []).map((r) => r.claims / r.seconds))
    const sql64 = median((results.get('sql:64') ?? []).map((r) => r.claims / r.seconds))
    const p99 = quantile(
      (results.get('http:64') ?? []).flatMap((r) => r.latencies).sort((a, b) => a - b),
      0.99,
    )
    process.stdout.write(
      `\ntarget at 64 clients: HTTP >= 50 % of raw SQL (${((100 * http64) / sql64).toFixed(0)} %), ` +
        `p99 <= 100 ms (${ms(p99)}), zero duplicates\n`,
    )
  } finally {
    await bench.dispose()
  }
}
