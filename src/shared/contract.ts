/**
 * The typed contract between the renderer, the Electron main process and the server.
 *
 * The operations themselves are declared in src/shared/operations/ (one declaration each: name,
 * roles, input, output, route); what the desktop's IPC carries is derived from there. This file
 * keeps the shapes that are not an operation's: the app's status, the pushed events, the bridge.
 */

import type { z } from 'zod'
import { DESKTOP_NAMES, type DesktopName, type OperationNamed } from './operations/index.js'
import type {
  ProblemChange,
  Resync,
  StationStatusChange,
  SuggestionChange,
  TaskChange,
} from './live-events.js'
import type { TripImportProgress } from './trips.js'
import type { CrewAccess } from './crew-access.js'
import type { RunningSetting } from './settings.js'

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
  /**
   * What the server runs with now and where each value came from (flag, environment, settings
   * file, default). Absent to a caller of GET /health without a console's token.
   */
  running?: RunningSetting[]
}

export interface BackupInfo {
  takenAt: string
  bytes: number
}

/** Request -> response for every operation the desktop's IPC carries. */
export type ConsoleApi = {
  [N in DesktopName]: {
    request: z.input<OperationNamed<N>['input']>
    response: OperationNamed<N>['output'] extends z.ZodType
      ? z.output<OperationNamed<N>['output']>
      : undefined
  }
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
  /** A problem was reported or resolved at a station (by a crew or any console). */
  'problems:changed': ProblemChange
  /** Suggestions changed: an engine run, another desk's decision, an undo, a new one. */
  'suggestions:changed': SuggestionChange
  /** Changes may have been missed (a lost connection came back): reload what is shown. */
  'app:resync': Resync
}

export type Channel = keyof ConsoleApi
export type EventName = keyof ConsoleEvents

export type Unsubscribe = () => void

/** What the renderer programs against: the desktop's IPC or HTTP in a browser, alike. */
export interface ConsoleBridge {
  invoke<C extends Channel>(
    channel: C,
    ...request: ConsoleApi[C]['request'] extends undefined ? [] : [ConsoleApi[C]['request']]
  ): Promise<ConsoleApi[C]['response']>
  on<E extends EventName>(event: E, listener: (payload: ConsoleEvents[E]) => void): Unsubscribe
}

/**
 * The object the preload exposes on `window.balancer`: each call answers its `IpcResult` as data,
 * so that a failure's code and fields reach the page (the renderer turns it into a ConsoleBridge).
 */
export interface DesktopBridge {
  invoke<C extends Channel>(
    channel: C,
    ...request: ConsoleApi[C]['request'] extends undefined ? [] : [ConsoleApi[C]['request']]
  ): Promise<IpcResult<ConsoleApi[C]['response']>>
  on: ConsoleBridge['on']
}

/** Every channel, as a runtime list, so main and preload serve exactly the declared ones. */
export const CHANNELS: readonly Channel[] = DESKTOP_NAMES
export const EVENTS = [
  'app:status',
  'trips:import-progress',
  'tasks:changed',
  'stations:changed',
  'problems:changed',
  'suggestions:changed',
  'app:resync',
] as const satisfies readonly EventName[]

export function isChannel(name: unknown): name is Channel {
  return (CHANNELS as readonly unknown[]).includes(name)
}

export function isEventName(name: unknown): name is EventName {
  return (EVENTS as readonly unknown[]).includes(name)
}

type SameKeys<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false
// Compile-time proof that the runtime list names every event of the contract.
export const EVENTS_COMPLETE: SameKeys<(typeof EVENTS)[number], EventName> = true

/**
 * IPC errors cross the bridge as plain data: Electron drops custom error fields, and an Error
 * thrown across the preload's contextBridge keeps only its message. So the preload hands the page
 * the result itself and the page's client throws (src/renderer/src/api/desktop-client.ts). The
 * error carries every field an HTTP error body would (`{detail, code, fits_qty, ...}`).
 */
export interface IpcFailure {
  ok: false
  error: { code: string; detail: string } & ErrorExtra
}

/**
 * What a refusal carries beside its words, on both edges (the HTTP body's fields, the IPC
 * failure's), all of them kept: `fits_qty`, the bikes a move that does not fit could still move
 * (`move_does_not_fit`), and whatever else a server sends.
 */
export interface ErrorExtra {
  fits_qty?: number
  [field: string]: unknown
}
export interface IpcSuccess<T> {
  ok: true
  value: T
}
export type IpcResult<T> = IpcSuccess<T> | IpcFailure
