import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type pg from 'pg'
import type { DatabaseMode } from '../shared/contract.js'
import { APP_VERSION } from '../shared/version.js'
import { createAuthService, type AuthOptions, type AuthService } from './auth/auth.service.js'
import type { RunningSetting } from '../shared/settings.js'
import { createSignInLinks, type SignInLinks } from './auth/sign-in-link.js'
import { DEFAULT_LEASE_MINUTES } from './config/settings.js'
import type { CrewWorkDeps } from './crew/crew-work.js'
import type { CrewAccess } from '../shared/crew-access.js'
import { createCrewsService, type CrewsService } from './crews/crews.service.js'
import type { CrewAccessDeps } from './crew-access/pairing.service.js'
import type { Database } from './db/database.js'
import { createDispatchService, type DispatchService } from './dispatch/dispatch.service.js'
import { createEngineService, type EngineService } from './engine/engine.service.js'
import { createFeedService, type FeedService } from './gbfs/gbfs.service.js'
import { JOBS_LOCK } from './jobs/leader.js'
import { createFlowsService, type FlowsService } from './flows/flows.service.js'
import { createIdempotency, type Idempotency } from './http/idempotency.js'
import { silentLogger, type Logger } from './logger.js'
import { createMetrics, type Metrics } from './metrics.js'
import {
  createSettingsService,
  type SettingsDeps,
  type SettingsService,
} from './settings/settings.service.js'
import {
  createServiceLevelsService,
  type ServiceLevelsService,
} from './service-levels/service-levels.service.js'
import {
  createStatusImportService,
  type StatusImportService,
} from './service-levels/status-import.js'
import { createStationsService, type StationsService } from './stations/stations.service.js'
import { createStatusService, type StatusService } from './status/status.service.js'
import { lastBackupOf } from './backup/backups.js'
import { createTripsService, type TripsService } from './trips/trips.service.js'
import {
  createTilesService,
  DEFAULT_TILE_CACHE_MB,
  DEFAULT_TILE_URL,
  type TileSettings,
  type TilesService,
} from './tiles/tiles.service.js'

/**
 * Every use case the console and the API offer. IPC handlers and HTTP routes both call these;
 * neither holds logic of its own.
 */
export interface Services {
  status: StatusService
  auth: AuthService
  /** The one-time sign-in link `serve` prints while no dispatcher token exists. */
  signIn: SignInLinks
  dispatch: DispatchService
  crews: CrewsService
  /** GBFS feed health and station freshness. */
  feeds: FeedService
  trips: TripsService
  flows: FlowsService
  /** The settings file: read, database tested, saved (the Settings page). */
  settings: SettingsService
  /** A station's history and neighbours. */
  stations: StationsService
  /** The map's street tiles, through this server and its disk cache. */
  tiles: TilesService
  /** The suggestion engine: runs on demand and after polls (on the leading console). */
  engine: EngineService
  /** Minutes empty and full, cluster outages and the crews' work: the daily summaries. */
  serviceLevels: ServiceLevelsService
  /** Recorded status histories loaded as if polled (`balancer import-status`). */
  statusImports: StatusImportService
  /** First answers to requests sent with an Idempotency-Key (the crews' retries). */
  idempotency: Idempotency
  /** What the crew's working day's service functions take (src/server/crew/). */
  crewWork: CrewWorkDeps
  /** Pairing phones and their devices: plain functions over these (src/server/crew-access). */
  crewAccess: Omit<CrewAccessDeps, 'guard'>
  /**
   * The database, for an operation that only reads what the services already wrote (a task's
   * detail): its queries live beside its implementation, in its capability's folder.
   */
  db: Database
}

export interface ServicesDeps {
  db: Database
  pool: pg.Pool
  mode: DatabaseMode
  location: string
  apiUrl: () => string | null
  /** Where the log files are (the desktop app), shown on the System page. */
  logDir?: string | null
  leaseMinutes?: number
  auth?: AuthOptions
  /** The feeds this console is configured with, and whether it is the one polling them. */
  feeds?: { urls: () => readonly string[]; isLeader: () => boolean }
  /** With credentials: a trip import streams into COPY on a connection of its own. */
  databaseUrl: string
  logger?: Logger
  /** Where the settings file is (none: the Settings page says so). */
  settings?: SettingsDeps
  /** Why the embedded PostgreSQL is down, from its supervision (the health page says it). */
  databaseProblem?: () => string | null
  /** Where phones reach this server (null: not listening, or unknown to this process). */
  crewAccess?: () => CrewAccess | null
  /** The map's tile server and cache bound (default OpenStreetMap, 500 MB). */
  tiles?: TileSettings
  /** What the server runs with now, and from where: the Settings and System pages show it. */
  running?: () => RunningSetting[]
}

/** The services of one process over one database, and the metrics they report to. */
export function createServices(deps: ServicesDeps): { services: Services; metrics: Metrics } {
  let dispatch: DispatchService | null = null
  const metrics = createMetrics({
    pool: deps.pool,
    taskSummary: () => {
      if (!dispatch) throw new Error('services are not ready')
      return dispatch.summary()
    },
  })
  const leaseMs = (deps.leaseMinutes ?? DEFAULT_LEASE_MINUTES) * 60_000
  dispatch = createDispatchService(deps.db, {
    leaseMs,
    onEvent: (event, count) => metrics.onDispatchEvent(event, count),
  })
  const trips = createTripsService({
    db: deps.db,
    databaseUrl: deps.databaseUrl,
    logger: deps.logger ?? silentLogger(),
  })
  const serviceLevels = createServiceLevelsService({ db: deps.db, logger: deps.logger })
  const auth = createAuthService(deps.db, deps.auth)
  const crewAccess = deps.crewAccess ?? (() => null)
  const services: Services = {
    status: createStatusService({
      db: deps.db,
      mode: deps.mode,
      location: deps.location,
      version: APP_VERSION,
      apiUrl: deps.apiUrl,
      databaseProblem: deps.databaseProblem,
      logDir: deps.logDir,
      lastBackup: lastBackupOf(deps.mode, deps.settings?.dataDir),
      crewAccess,
      running: deps.running,
    }),
    auth,
    signIn: createSignInLinks(auth),
    dispatch,
    crews: createCrewsService(deps.db),
    feeds: createFeedService({
      db: deps.db,
      feedUrls: deps.feeds?.urls ?? (() => []),
      lockName: JOBS_LOCK,
      isLeader: deps.feeds?.isLeader ?? (() => false),
    }),
    trips,
    flows: createFlowsService({ db: deps.db, trips }),
    settings: createSettingsService({
      ...(deps.settings ?? { dataDir: null }),
      running: deps.running,
    }),
    stations: createStationsService({ db: deps.db }),
    tiles: createTilesService({
      settings: deps.tiles ?? { url: DEFAULT_TILE_URL, cacheMB: DEFAULT_TILE_CACHE_MB },
      // Without a data directory (tests built by hand), a folder of the system's temporary one.
      dataDir: deps.settings?.dataDir ?? join(tmpdir(), 'bay-wheels-balancer'),
    }),
    engine: createEngineService({
      db: deps.db,
      databaseUrl: deps.databaseUrl,
      dispatch,
      logger: deps.logger,
    }),
    serviceLevels,
    statusImports: createStatusImportService({
      db: deps.db,
      databaseUrl: deps.databaseUrl,
      logger: deps.logger ?? silentLogger(),
      refreshDays: (system, from, to) => serviceLevels.refresh({ system, from, to, rebuild: true }),
    }),
    idempotency: createIdempotency(deps.db),
    crewWork: { db: deps.db, leaseMs, now: () => new Date() },
    crewAccess: { db: deps.db, auth, access: crewAccess },
    db: deps.db,
  }
  return { services, metrics }
}
