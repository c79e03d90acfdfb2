/**
 * The typed contract between the renderer, the Electron main process and the server.
 *
 * Every IPC channel is `domain:verb`, maps one request type to one response type, and is
 * served by the same service function as its HTTP route. The preload exposes exactly this
 * surface; the renderer never sees `ipcRenderer`.
 */

import type {
  ApproveBatchRequest,
  ApproveRequest,
  CancelRequest,
  CreatedToken,
  CreateTokenRequest,
  Crew,
  RejectRequest,
  Session,
  Suggestion,
  SuggestionListFilter,
  Task,
  TaskListFilter,
  TaskPage,
  TaskSummary,
  TokenInfo,
} from './dispatch.js'
import type { CrewAccess } from './crew-access.js'
import type { FeedsHealth, StationLive, StationsQuery } from './feeds.js'
import type {
  FlowRange,
  FlowSeries,
  StationFlowsRequest,
  StationProfile,
  StationProfileRequest,
} from './flows.js'
import type { EngineRunRequest, EngineRunSummary } from './engine.js'
import type { Resync, StationStatusChange, TaskChange } from './live-events.js'
import type {
  DatabaseTest,
  DatabaseTestRequest,
  ConsoleSettings,
  SettingsInput,
  SettingsSaved,
} from './settings.js'
import type {
  ChosenFiles,
  TripImportProgress,
  TripImportReport,
  TripImportRequest,
  TripUploadRequest,
} from './trips.js'
import type {
  ServiceClusters,
  ServiceCrews,
  ServiceDayRequest,
  ServiceRange,
  ServiceRefreshReport,
  ServiceRefreshRequest,
  ServiceReport,
  ServiceStations,
  ServiceSummary,
  ServiceTaskEffects,
} from './service-levels.js'
import type {
  NearbyStation,
  StationHistory,
  StationHistoryRequest,
  StationNearbyRequest,
} from './stations.js'

export type DatabaseMode = 'embedded' | 'configured'

export interface DatabaseStatus {
  mode: DatabaseMode
  /** Host and port only: credentials are never sent to the renderer or over HTTP. */
  location: string
  reachable: boolean
  /** `server_version` as PostgreSQL reports it, when reachable. */
  serverVersion: string | null
  postgis: boolean
  /** Why the database is unreachable, in words a dispatcher can act on. */
  detail: string | null
}

export interface AppStatus {
  version: string
  database: DatabaseStatus
  /** Where crews and browsers reach the embedded dispatch API. */
  apiUrl: string | null
  checkedAt: string
  /** Where this console writes its log files (the desktop app); absent or null: stderr only. */
  logDir?: string | null
  /**
   * The newest backup in `<data dir>/backups/` (null: none yet). Absent where the console cannot
   * know: a configured database (backed up by its operator), or a browser (GET /health is public).
   */
  lastBackup?: BackupInfo | null
  /**
   * Where a crew's phone reaches this server (a LAN or VPN address), whether TLS is on with its
   * certificate's fingerprint, and why no phone can (listening on 127.0.0.1 only). Absent while
   * the server is not listening, and to a caller of GET /health without a console's token.
   */
  crew?: CrewAccess
}

export interface BackupInfo {
  takenAt: string
  bytes: number
}

/** Request -> response for every IPC channel. */
export interface ConsoleApi {
  'app:status': { request: undefined; response: AppStatus }
  /** Who the console acts as: in a browser the token's holder; in the desktop app its dispatcher. */
  'session:me': { request: undefined; response: Session }
  'feeds:health': { request: undefined; response: FeedsHealth }
  'feeds:stations': { request: StationsQuery; response: StationLive[] }
  'suggestions:list': { request: SuggestionListFilter; response: Suggestion[] }
  'suggestions:reject': { request: { suggestion_id: number } & RejectRequest; response: Suggestion }
  /** Runs the suggestion engine now (as the scheduled job does) and says what it did. */
  'suggestions:run': { request: EngineRunRequest; response: EngineRunSummary }
  'tasks:approve': { request: ApproveRequest; response: Task }
  'tasks:approveBatch': { request: ApproveBatchRequest; response: Task[] }
  'tasks:list': { request: TaskListFilter; response: TaskPage }
  'tasks:cancel': { request: { task_id: number } & CancelRequest; response: Task }
  'tasks:summary': { request: undefined; response: TaskSummary }
  'crews:list': { request: undefined; response: Crew[] }
  'tokens:list': { request: { include_revoked?: boolean }; response: TokenInfo[] }
  'tokens:create': { request: CreateTokenRequest; response: CreatedToken }
  'tokens:revoke': { request: { token_id: number }; response: TokenInfo }
  'flows:station': { request: StationFlowsRequest; response: FlowSeries }
  'flows:system': { request: FlowRange; response: FlowSeries }
  'flows:profile': { request: StationProfileRequest; response: StationProfile }
  /** Bikes over time from the status history, at most 2,000 points. */
  'stations:history': { request: StationHistoryRequest; response: StationHistory }
  /** The nearest stations of the same system with their live numbers, nearest first. */
  'stations:nearby': { request: StationNearbyRequest; response: NearbyStation[] }
  /** Service levels per day over a range of days: minutes empty, full, unknown; cluster outages. */
  'service:summary': { request: ServiceRange; response: ServiceSummary }
  /** Every station's service levels over a range of days. */
  'service:stations': { request: ServiceRange; response: ServiceStations }
  /** Every cluster's outages over a range of days. */
  'service:clusters': { request: ServiceRange; response: ServiceClusters }
  /** Tasks per day and hour, their durations, and each crew's work over a range of days. */
  'service:crews': { request: ServiceRange; response: ServiceCrews }
  /** Each completed task's stations, empty and full before and after it. */
  'service:taskEffects': { request: ServiceRange; response: ServiceTaskEffects }
  /** One day's report: every station, the clusters out, the crews (`balancer report`). */
  'service:report': { request: ServiceDayRequest; response: ServiceReport }
  /** Brings the daily summaries up to date (all of a range again with `rebuild`). */
  'service:refresh': { request: ServiceRefreshRequest; response: ServiceRefreshReport }
  /** Files on the desktop's own disk: the desktop app only (a browser gets a clear refusal). */
  'trips:import': { request: TripImportRequest; response: TripImportReport }
  /** The desktop's native open dialog for trip files: the desktop app only. */
  'trips:chooseFiles': { request: undefined; response: ChosenFiles }
  /** A trip file's bytes from a browser (POST /trips/imports); the desktop imports from disk. */
  'trips:upload': { request: TripUploadRequest; response: TripImportReport }
  /** The settings file's values, the database password masked (a dispatcher over HTTP too). */
  'settings:get': { request: undefined; response: ConsoleSettings }
  /** Connects to a database before it is saved: server version, migrations. Desktop only. */
  'settings:testDatabase': { request: DatabaseTestRequest; response: DatabaseTest }
  /** Writes the settings file. Desktop only: a browser on the LAN never changes the server's. */
  'settings:save': { request: SettingsInput; response: SettingsSaved }
}

/** Events pushed from main to the renderer. */
export interface ConsoleEvents {
  'app:status': AppStatus
  /**
   * While `trips:import` (or, to the uploading browser only, `trips:upload`) reads a file: rows
   * done, rows/s and percent, for a progress bar.
   */
  'trips:import-progress': TripImportProgress
  /** Tasks changed on any console or by any crew on the same database. */
  'tasks:changed': TaskChange[]
  /** A GBFS poll finished (on whichever console polls): station numbers and feed health moved. */
  'stations:changed': StationStatusChange
  /** Changes may have been missed (a lost connection came back): reload what is shown. */
  'app:resync': Resync
}

export type Channel = keyof ConsoleApi
export type EventName = keyof ConsoleEvents

export type Unsubscribe = () => void

/** The object the preload exposes on `window.balancer`, and what the renderer programs against. */
export interface ConsoleBridge {
  invoke<C extends Channel>(
    channel: C,
    ...request: ConsoleApi[C]['request'] extends undefined ? [] : [ConsoleApi[C]['request']]
  ): Promise<ConsoleApi[C]['response']>
  on<E extends EventName>(event: E, listener: (payload: ConsoleEvents[E]) => void): Unsubscribe
}

/** Every channel, as a runtime list, so main and preload can prove they cover the contract. */
export const CHANNELS = [
  'app:status',
  'session:me',
  'feeds:health',
  'feeds:stations',
  'suggestions:list',
  'suggestions:reject',
  'suggestions:run',
  'tasks:approve',
  'tasks:approveBatch',
  'tasks:list',
  'tasks:cancel',
  'tasks:summary',
  'crews:list',
  'tokens:list',
  'tokens:create',
  'tokens:revoke',
  'flows:station',
  'flows:system',
  'flows:profile',
  'stations:history',
  'stations:nearby',
  'service:summary',
  'service:stations',
  'service:clusters',
  'service:crews',
  'service:taskEffects',
  'service:report',
  'service:refresh',
  'trips:import',
  'trips:chooseFiles',
  'trips:upload',
  'settings:get',
  'settings:testDatabase',
  'settings:save',
] as const satisfies readonly Channel[]
export const EVENTS = [
  'app:status',
  'trips:import-progress',
  'tasks:changed',
  'stations:changed',
  'app:resync',
] as const satisfies readonly EventName[]

export function isChannel(name: unknown): name is Channel {
  return (CHANNELS as readonly unknown[]).includes(name)
}

export function isEventName(name: unknown): name is EventName {
  return (EVENTS as readonly unknown[]).includes(name)
}

type SameKeys<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false
// Compile-time proof that the runtime lists name every channel and event of the contract.
export const CHANNELS_COMPLETE: SameKeys<(typeof CHANNELS)[number], Channel> = true
export const EVENTS_COMPLETE: SameKeys<(typeof EVENTS)[number], EventName> = true

/** IPC errors cross the bridge as plain data: Electron drops custom error fields. */
export interface IpcFailure {
  ok: false
  error: { code: string; detail: string }
}
export interface IpcSuccess<T> {
  ok: true
  value: T
}
export type IpcResult<T> = IpcSuccess<T> | IpcFailure
