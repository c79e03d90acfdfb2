import { sql } from 'kysely'
import type { AppStatus, BackupInfo, DatabaseMode, DatabaseStatus } from '../../shared/contract.js'
import type { RunningSetting } from '../../shared/settings.js'
import type { CrewAccess } from '../../shared/crew-access.js'
import type { Database } from '../db/database.js'
import { describeError } from '../errors.js'

export interface StatusDeps {
  db: Database
  mode: DatabaseMode
  location: string
  version: string
  apiUrl: () => string | null
  /** Where the log files are, for the System page (the desktop app's; null: stderr only). */
  logDir?: string | null
  /** How long a health probe may wait for the database before calling it unreachable. */
  probeTimeoutMs?: number
  /** What the embedded PostgreSQL's supervision knows of why it is down (null: nothing). */
  databaseProblem?: () => string | null
  /** The newest backup of the embedded database (src/server/backup); absent when configured. */
  lastBackup?: () => Promise<BackupInfo | null>
  /** Where phones reach this server, for the System page (null: not listening yet). */
  crewAccess?: () => CrewAccess | null
  /** What the server runs with now, and from where (src/server/config/setting-sources.ts). */
  running?: () => RunningSetting[]
}

export interface StatusService {
  getAppStatus(): Promise<AppStatus>
}

function timeout(ms: number): Promise<never> {
  return new Promise((_, reject) => {
    const timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms)
    timer.unref()
  })
}

function crewOf(access: (() => CrewAccess | null) | undefined): { crew?: CrewAccess } {
  const crew = access?.() ?? null
  return crew ? { crew } : {}
}

/** Connection state for the console's status bar, the IPC channel and GET /health. */
export function createStatusService(deps: StatusDeps): StatusService {
  const probeTimeoutMs = deps.probeTimeoutMs ?? 2_000

  async function probeDatabase(): Promise<DatabaseStatus> {
    const base = { mode: deps.mode, location: deps.location }
    try {
      const { rows } = await Promise.race([
        sql<{ server_version: string; postgis: boolean }>`
          select current_setting('server_version') as server_version,
                 exists (select 1 from pg_extension where extname = 'postgis') as postgis`.execute(
          deps.db,
        ),
        timeout(probeTimeoutMs),
      ])
      const row = rows[0]
      return {
        ...base,
        reachable: true,
        serverVersion: row?.server_version ?? null,
        postgis: row?.postgis ?? false,
        detail: null,
      }
    } catch (error) {
      const problem = deps.databaseProblem?.() ?? null
      return {
        ...base,
        reachable: false,
        serverVersion: null,
        postgis: false,
        detail:
          `database at ${deps.location} is unreachable: ${describeError(error)}` +
          (problem ? `; ${problem}` : ''),
      }
    }
  }

  return {
    async getAppStatus() {
      return {
        version: deps.version,
        database: await probeDatabase(),
        apiUrl: deps.apiUrl(),
        checkedAt: new Date().toISOString(),
        ...(deps.logDir ? { logDir: deps.logDir } : {}),
        ...(deps.lastBackup ? { lastBackup: await deps.lastBackup().catch(() => null) } : {}),
        ...crewOf(deps.crewAccess),
        ...(deps.running ? { running: deps.running() } : {}),
      }
    },
  }
}
