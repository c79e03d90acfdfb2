import { spawn } from 'node:child_process'
import { createServer } from 'node:net'
import { join } from 'node:path'
import pg from 'pg'

/** The benchmark's fake system: a ring of stations, enough for tasks between distinct ones. */
export const SYSTEM = 'soak'
const STATIONS = 8
/** The queue is topped up below this many ready tasks, by this many: 64 crews never run dry. */
const READY_LOW = 1_000
const READY_BATCH = 2_000

/** A port nothing listens on now (the kernel's choice on 127.0.0.1). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      const port = typeof address === 'object' && address ? address.port : 0
      server.close(() => resolve(port))
    })
  })
}

/** Runs `node bin/balancer.mjs ARGS` and resolves to its stdout; rejects with its stderr's end. */
export function runCli(
  root: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  timeoutMs = 120_000,
): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(root, 'bin', 'balancer.mjs'), ...args], {
      cwd: root,
      env,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
    child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-2000)))
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
    child.once('error', reject)
    child.once('exit', (code, signal) => {
      clearTimeout(timer)
      if (code === 0) resolve(stdout)
      else
        reject(new Error(`balancer ${args[0] ?? ''} failed (${signal ?? code}): ${stderr.trim()}`))
    })
  })
}

/** Runs the jobs `width` at a time, in order of the results. */
export async function inBatches<T>(
  count: number,
  width: number,
  job: (index: number) => Promise<T>,
): Promise<T[]> {
  const results: T[] = new Array<T>(count)
  let next = 0
  await Promise.all(
    Array.from({ length: Math.min(width, count) }, async () => {
      while (next < count) {
        const index = next++
        results[index] = await job(index)
      }
    }),
  )
  return results
}

export async function seedStations(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    await client.query(
      `insert into systems (system_id, name) values ($1, 'Soak') on conflict do nothing`,
      [SYSTEM],
    )
    await client.query(
      `insert into stations (system_id, station_id, name, lat, lon)
       select $1, 'S' || i, 'Soak station ' || i, 37.77 + i * 0.001, -122.42 + i * 0.001
         from generate_series(1, ${STATIONS}) as i
       on conflict do nothing`,
      [SYSTEM],
    )
  } finally {
    await client.end()
  }
}

/** One statement: counts the ready tasks and adds a batch when they run low. */
const TOP_UP = `
  insert into tasks (system_id, from_station_id, to_station_id, qty, priority, reason, created_by)
  select $1, 'S' || (1 + i % ${STATIONS}), 'S' || (1 + (i + 1) % ${STATIONS}), 1 + i % 12,
         random(), 'soak benchmark', 'soak'
    from generate_series(1, case when (select count(*) from tasks where status = 'ready') < ${READY_LOW}
                                 then ${READY_BATCH} else 0 end) as i`

export interface TopUp {
  inserted: number
  failures: number
  stop(): Promise<void>
}

/**
 * Keeps ready tasks in the queue, every second, on a connection of its own that survives the
 * faults (an error is counted and the next second tries again).
 */
export async function startTopUp(url: string): Promise<TopUp> {
  const pool = new pg.Pool({
    connectionString: url,
    max: 1,
    connectionTimeoutMillis: 3_000,
    query_timeout: 10_000,
  })
  pool.on('error', () => undefined)
  const state = { inserted: 0, failures: 0 }
  const once = async () => {
    try {
      state.inserted += (await pool.query(TOP_UP, [SYSTEM])).rowCount ?? 0
    } catch {
      state.failures += 1
    }
  }
  await once()
  let running = true
  // One at a time: a top-up slowed by a fault is not joined by another each second.
  let pending: Promise<void> | null = null
  const timer = setInterval(() => {
    if (running && !pending) pending = once().finally(() => (pending = null))
  }, 1_000)
  return {
    get inserted() {
      return state.inserted
    },
    get failures() {
      return state.failures
    },
    async stop() {
      running = false
      clearInterval(timer)
      await pending
      await pool.end().catch(() => undefined)
    },
  }
}
