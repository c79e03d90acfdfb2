import type { AppStatus, DatabaseMode } from '../shared/contract.js'
import { APP_VERSION } from '../shared/version.js'
import { describeDatabaseUrl, type Settings } from '../server/config/settings.js'
import { describeError } from '../server/errors.js'
import type { Logger } from '../server/logger.js'
import { ServiceError } from '../server/errors.js'
import type { Services } from '../server/services.js'

/** What the console needs of a started server; `ServerHandle` is one. */
export interface RunningServer {
  services: Services
  close(): Promise<void>
}

export interface ServerSupervisorDeps {
  start(): Promise<RunningServer>
  /** What `app:status` answers while the server is down, built from the error that felled it. */
  failedStatus(error: unknown): AppStatus
  /** Called when the server comes up or fails, so the window hears it before the next poll. */
  onChange?(): void
  logger: Pick<Logger, 'info' | 'error'>
}

/**
 * Keeps the dispatch server for the console's lifetime. A failed start is not fatal: the window
 * stays up and shows why, and asking for the status again (the Retry button) tries again, so a
 * dispatcher who starts the depot's PostgreSQL or fixes settings.json need not restart the app.
 */
export interface ServerSupervisor {
  start(): Promise<void>
  /** For `app:status`: waits for a start in progress and retries a failed one. */
  status(): Promise<AppStatus>
  /**
   * The running server's services, for every channel but `app:status`: waits for a start in
   * progress, and fails with the reason while the server is down.
   */
  services(): Promise<Services>
  /** For periodic pushes: the current state without starting anything; null while starting. */
  snapshot(): Promise<AppStatus | null>
  /** Waits for a start in progress, then closes the server (and its embedded PostgreSQL). */
  stop(): Promise<void>
}

type State =
  | { kind: 'idle' }
  | { kind: 'starting'; done: Promise<void> }
  | { kind: 'running'; server: RunningServer }
  | { kind: 'failed'; error: unknown }
  | { kind: 'stopped' }

export function createServerSupervisor(deps: ServerSupervisorDeps): ServerSupervisor {
  let state: State = { kind: 'idle' }
  let stopping: Promise<void> | null = null

  function start(): Promise<void> {
    if (state.kind === 'starting') return state.done
    if (state.kind === 'running' || state.kind === 'stopped') return Promise.resolve()
    const done = deps.start().then(
      (server) => {
        state = { kind: 'running', server }
        deps.onChange?.()
      },
      (error: unknown) => {
        deps.logger.error({ err: error }, 'the dispatch server did not start')
        state = { kind: 'failed', error }
        deps.onChange?.()
      },
    )
    state = { kind: 'starting', done }
    return done
  }

  async function snapshot(): Promise<AppStatus | null> {
    switch (state.kind) {
      case 'running':
        return state.server.services.status.getAppStatus()
      case 'failed':
        return deps.failedStatus(state.error)
      case 'stopped':
        return deps.failedStatus(new Error('the dispatch server is shutting down'))
      default:
        return null
    }
  }

  return {
    start,
    async status() {
      if (state.kind !== 'running' && stopping === null) await start()
      return (await snapshot()) ?? deps.failedStatus(new Error('the dispatch server is starting'))
    },
    snapshot,
    async services() {
      if (state.kind === 'starting') await state.done
      if (state.kind === 'running') return state.server.services
      const why =
        state.kind === 'failed'
          ? `the dispatch server did not start: ${describeError(state.error)}`
          : state.kind === 'stopped'
            ? 'the dispatch server is shutting down'
            : 'the dispatch server has not started'
      throw new ServiceError('unavailable', 'server_unavailable', why)
    },
    stop() {
      stopping ??= (async () => {
        if (state.kind === 'starting') await state.done
        const last = state
        state = { kind: 'stopped' }
        if (last.kind === 'running') {
          await last.server.close()
          deps.logger.info('dispatch server closed')
        }
      })()
      return stopping
    },
  }
}

/**
 * The status of a server that could not start. `settings` is null when they could not be read;
 * the location never includes credentials.
 */
export function failedStartStatus(
  error: unknown,
  settings: Settings | null,
  env: NodeJS.ProcessEnv = process.env,
): AppStatus {
  let mode: DatabaseMode
  let location: string
  if (settings) {
    mode = settings.databaseUrl ? 'configured' : 'embedded'
    location = settings.databaseUrl ? describeDatabaseUrl(settings.databaseUrl) : settings.dataDir
  } else {
    mode = env.DATABASE_URL ? 'configured' : 'embedded'
    location = 'unknown: the settings could not be read'
  }
  return {
    version: APP_VERSION,
    database: {
      mode,
      location,
      reachable: false,
      serverVersion: null,
      postgis: false,
      detail: describeError(error),
    },
    apiUrl: null,
    checkedAt: new Date().toISOString(),
  }
}
