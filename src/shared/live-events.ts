import type { ConsoleEvents } from './contract.js'
import type { TaskStatus } from './dispatch.js'

/**
 * Changes made on any console or by any crew on the shared database reach the console as typed
 * events. PostgreSQL NOTIFY (through the server's notify hub in Electron, through GET /events in
 * a browser) names them by database channel; this turns one notification into its event.
 */

/** A task that changed, as the `tasks` notification names it. */
export interface TaskChange {
  id: number
  status: TaskStatus
}

/**
 * A finished GBFS poll, as the `station_status` notification describes it; or, with outcome
 * 'stale', the moment the feed's data turned stale with no newer poll (`pollId` is then the feed's
 * latest poll). Either way the console reloads what it shows of the stations.
 */
export interface StationStatusChange {
  feedId: number
  pollId: number
  systemId: string | null
  outcome: 'ok' | 'not_modified' | 'error' | 'stale'
  statusRowsWritten: number
  at: string
}

/** A problem reported or resolved at a station, as the `problems` notification names it. */
export interface ProblemChange {
  problem_id: number
  station_id: string
  kind: string
  event: 'reported' | 'resolved'
}

/** Suggestions of a system changed: proposed, approved, rejected, superseded or undone. */
export interface SuggestionChange {
  system_id: string
}

/** Changes may have been missed (the connection was lost): reload what is shown. */
export interface Resync {
  at: string
}

export type LiveEvent =
  | { event: 'tasks:changed'; payload: ConsoleEvents['tasks:changed'] }
  | { event: 'stations:changed'; payload: ConsoleEvents['stations:changed'] }
  | { event: 'problems:changed'; payload: ConsoleEvents['problems:changed'] }
  | { event: 'suggestions:changed'; payload: ConsoleEvents['suggestions:changed'] }
  | { event: 'app:resync'; payload: ConsoleEvents['app:resync'] }

// Not dispatch.ts's TASK_STATUSES: that module brings zod into the renderer's bundle.
const STATUSES: readonly TaskStatus[] = ['ready', 'assigned', 'completed', 'canceled']

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null
}

function isTaskChange(value: unknown): value is TaskChange {
  return (
    isRecord(value) &&
    typeof value.id === 'number' &&
    (STATUSES as readonly unknown[]).includes(value.status)
  )
}

// The outcome is not checked: an outcome a newer server adds still means "reload the stations".
function isStationStatusChange(value: unknown): value is StationStatusChange {
  return (
    isRecord(value) &&
    typeof value.feedId === 'number' &&
    typeof value.pollId === 'number' &&
    typeof value.at === 'string'
  )
}

function isProblemChange(value: unknown): value is ProblemChange {
  return (
    isRecord(value) &&
    typeof value.problem_id === 'number' &&
    typeof value.station_id === 'string' &&
    (value.event === 'reported' || value.event === 'resolved')
  )
}

/**
 * The console event for one notification, or null for a channel the console does not follow or
 * a payload it cannot read (a newer server's: never worth breaking the stream for).
 */
export function liveEventOf(channel: string, payload: string, now = new Date()): LiveEvent | null {
  if (channel === 'resync') return { event: 'app:resync', payload: { at: now.toISOString() } }
  let data: unknown
  try {
    data = JSON.parse(payload)
  } catch {
    return null
  }
  if (channel === 'tasks') {
    const changes = Array.isArray(data) ? data : [data]
    return changes.every(isTaskChange) ? { event: 'tasks:changed', payload: changes } : null
  }
  if (channel === 'station_status') {
    return isStationStatusChange(data) ? { event: 'stations:changed', payload: data } : null
  }
  if (channel === 'suggestions') {
    return isRecord(data) && typeof data.system_id === 'string'
      ? { event: 'suggestions:changed', payload: { system_id: data.system_id } }
      : null
  }
  if (channel === 'problems') {
    return isProblemChange(data) ? { event: 'problems:changed', payload: data } : null
  }
  return null
}
