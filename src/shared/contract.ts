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
  Suggestion,
  SuggestionListFilter,
  Task,
  TaskListFilter,
  TaskPage,
  TaskSummary,
  TokenInfo,
} from './dispatch.js'

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
}

/** The stations column a trip file's ids matched. */
export type StationKey = 'station_id' | 'short_name' | 'legacy_id' | 'external_id'

export type TripImportPhase = 'reading' | 'inserting' | 'flows' | 'done'

/** Progress of one trip file: the console's progress bar and the CLI's progress line. */
export interface TripImportProgress {
  file: string
  phase: TripImportPhase
  rowsDone: number
  rowsPerSecond: number
  /** Of the file read so far, 0-100; null while its size is unknown (a pipe). */
  percent: number | null
  elapsedSeconds: number
}

export interface TripImportStations {
  /** null when the system has no stations yet: every trip is kept unmatched. */
  matchedBy: StationKey | null
  /** Distinct station ids the file names, and how many matched a station. */
  ids: number
  idsMatched: number
  /** idsMatched / ids (0-1); null when the file names no station at all. */
  matchRate: number | null
  /** Ids that matched nothing, most used first (up to 10), with how many trip ends name them. */
  unmatchedIds: { id: string; tripEnds: number }[]
  /** Trips kept with an end whose id matched no station. */
  tripsUnmatched: number
}

export interface TripImportRejection {
  line: number
  reason: string
}

export interface TripImportDone {
  status: 'imported'
  file: string
  importId: number
  systemId: string
  format: string
  timeZone: string
  rowsRead: number
  rowsImported: number
  rowsRejected: number
  /** The first rejected rows; all of them are in trip_import_errors. */
  rejections: TripImportRejection[]
  stations: TripImportStations
  firstStartedAt: string | null
  lastEndedAt: string | null
  seconds: number
  rowsPerSecond: number
  /** station_flows rows added to or created, and how long that took. */
  flowBins: number
  flowSeconds: number
  /** What to do about unmatched stations, when there is something to do. */
  hint: string | null
}

export interface TripImportSkipped {
  status: 'already-imported'
  file: string
  importId: number
  systemId: string
  importedAt: string
  rowsImported: number
}

export interface TripImportFailed {
  status: 'failed'
  file: string
  error: string
}

export type TripImportOutcome = TripImportDone | TripImportSkipped | TripImportFailed

/** Trip files to import into one system (`balancer import-trips`, `trips:import`). */
export interface TripImportRequest {
  /** May be empty when `stationsFile` is given: then only the stations are loaded. */
  paths: string[]
  /** Default: the only system in the database. */
  systemId?: string
  /** IANA zone of the files' local times. Default: the system's (from its feed). */
  timeZone?: string
  /** Match station ids against this column instead of the one that matches most. */
  stationKey?: StationKey
  /** Bad rows allowed before a file is refused: "250" rows or "2%" (default 1%, at least 10). */
  maxRejected?: string
  /** A GBFS station_information.json to load into the system first. */
  stationsFile?: string
}

export interface TripImportReport {
  systemId: string
  timeZone: string
  /** What --stations loaded, when it was given. */
  stationsLoaded: { loaded: number; skipped: string[]; systemCreated: boolean } | null
  /** The system did not exist and was created for these trips. */
  systemCreated: boolean
  /** Trips of earlier imports mapped to the stations --stations loaded. */
  remapped: TripRemapReport | null
  outcomes: TripImportOutcome[]
}

export interface TripRemapReport {
  systemId: string
  imports: number
  /** Trip ends (starts or ends) that now name a station. */
  tripEndsMapped: number
  flowBins: number
}

export type FlowBin = '15min' | 'hour' | 'day'

/**
 * A time range of flows. `from` and `to` are ISO dates or date-times: without an offset they are
 * local times of the system ("2018-02-01" is its midnight), with one ("...Z") instants. Bins are
 * those that start in [from, to), `from` rounded down to its bin.
 */
export interface FlowRange {
  systemId?: string
  from: string
  to: string
  bin?: FlowBin
}

export interface StationFlowsRequest extends FlowRange {
  stationId: string
}

export interface FlowPoint {
  /** The bin's start as an instant (ISO, UTC). */
  start: string
  /** The same start on the system's clock ("2018-02-01 08:15"). */
  local: string
  outflow: number
  inflow: number
}

export interface FlowSeries {
  systemId: string
  /** null for the whole system. */
  stationId: string | null
  stationName: string | null
  timeZone: string
  bin: FlowBin
  from: string
  to: string
  points: FlowPoint[]
  totals: { outflow: number; inflow: number }
}

export interface StationProfileRequest {
  systemId?: string
  stationId: string
  /** Local dates; default: the days the system's imported trips cover. */
  from?: string
  to?: string
  bin?: Exclude<FlowBin, 'day'>
}

export interface ProfileCell {
  /** ISO day of week: 1 = Monday ... 7 = Sunday. */
  dayOfWeek: number
  /** Minutes after local midnight at which the slot starts. */
  minuteOfDay: number
  /** Mean trips per day in this slot over the days of this weekday in the range. */
  outflow: number
  inflow: number
}

/** The seed's forecasting input: mean flows by day of week and time of day, on the local clock. */
export interface StationProfile {
  systemId: string
  stationId: string
  stationName: string
  timeZone: string
  bin: Exclude<FlowBin, 'day'>
  /** Local dates, `to` exclusive. */
  from: string
  to: string
  /** How many days of each weekday (Monday first) the means are over. */
  days: number[]
  cells: ProfileCell[]
}

export interface FlowsRefreshReport {
  remapped: TripRemapReport[]
  /** station_flows rebuilt from all trips (only when asked). */
  rebuilt: { systemId: string; bins: number; seconds: number }[]
  imbalanceScoresSeconds: number
}

/** Request -> response for every IPC channel. */
export interface ConsoleApi {
  'app:status': { request: undefined; response: AppStatus }
  'suggestions:list': { request: SuggestionListFilter; response: Suggestion[] }
  'suggestions:reject': { request: { suggestion_id: number } & RejectRequest; response: Suggestion }
  'tasks:approve': { request: ApproveRequest; response: Task }
  'tasks:approveBatch': { request: ApproveBatchRequest; response: Task[] }
  'tasks:list': { request: TaskListFilter; response: TaskPage }
  'tasks:cancel': { request: { task_id: number } & CancelRequest; response: Task }
  'tasks:summary': { request: undefined; response: TaskSummary }
  'crews:list': { request: undefined; response: Crew[] }
  'tokens:list': { request: { include_revoked?: boolean }; response: TokenInfo[] }
  'tokens:create': { request: CreateTokenRequest; response: CreatedToken }
  'tokens:revoke': { request: { token_id: number }; response: TokenInfo }
}

/** Events pushed from main to the renderer. */
export interface ConsoleEvents {
  'app:status': AppStatus
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
  'suggestions:list',
  'suggestions:reject',
  'tasks:approve',
  'tasks:approveBatch',
  'tasks:list',
  'tasks:cancel',
  'tasks:summary',
  'crews:list',
  'tokens:list',
  'tokens:create',
  'tokens:revoke',
] as const satisfies readonly Channel[]
export const EVENTS = ['app:status'] as const satisfies readonly EventName[]

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
