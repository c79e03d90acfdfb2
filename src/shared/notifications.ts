import type { Task } from './dispatch.js'
import type { StationLive } from './feeds.js'
import type { ServiceHours } from './settings.js'

/**
 * What deserves a dispatcher's attention unasked, decided from what the console already reads:
 * a station that has just become empty or full (during service hours), a task that has just run
 * past its lease. Pure: fed station lists and stale-task lists, it answers the notices to show;
 * the desktop (main's `Notification`) and a browser (Web Notifications) only display them.
 *
 * Transitions only: a station that stays empty is told once; the first list seen sets what is
 * normal, so starting the console is not a burst; many stations changing in one poll are one
 * notice ("12 stations became empty"), not twelve.
 */

export type NoticeKind = 'empty' | 'full' | 'stale-task'

export interface Notice {
  kind: NoticeKind
  title: string
  body: string
  /** Same tag, same notice: a display may replace an older one with it. */
  tag: string
}

export interface NotifierOptions {
  /** When station notices are shown, on the system's clock; read at each decision. */
  serviceHours: () => ServiceHours
  /** The system's IANA zone; null: the machine's own. */
  timeZone: () => string | null
  /** From this many stations changing one way in one list, one notice for them all. */
  batchFrom?: number
}

type Fill = 'empty' | 'full' | 'ok'

/** Minutes since midnight of `now` on the clock of `timeZone`. */
function minutesOfDay(now: Date, timeZone: string | null): number {
  const parts = new Intl.DateTimeFormat('en-GB', {
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
    ...(timeZone ? { timeZone } : {}),
  }).formatToParts(now)
  const value = (type: string) => Number(parts.find((part) => part.type === type)?.value ?? 0)
  return value('hour') * 60 + value('minute')
}

function minutesOf(clock: string): number {
  const [hours, minutes] = clock.split(':').map(Number)
  return (hours ?? 0) * 60 + (minutes ?? 0)
}

/** Whether `now` is inside the hours; an end before the start runs past midnight (22:00-02:00). */
export function withinServiceHours(
  now: Date,
  hours: ServiceHours,
  timeZone: string | null,
): boolean {
  const minute = minutesOfDay(now, timeZone)
  const start = minutesOf(hours.start)
  const end = minutesOf(hours.end)
  return start < end ? minute >= start && minute < end : minute >= start || minute < end
}

/** A station's fill when its numbers can be trusted; null when they cannot (stale, closed). */
function fillOf(station: StationLive): Fill | null {
  if (station.stale || station.isInstalled === false || station.bikes === null) return null
  if (station.isRenting !== false && station.bikes === 0) return 'empty'
  if (station.isReturning !== false && station.docks === 0) return 'full'
  return 'ok'
}

const NAMES_SHOWN = 3

function listOf(names: string[]): string {
  const shown = names.slice(0, NAMES_SHOWN).join(', ')
  const more = names.length - NAMES_SHOWN
  return more > 0 ? `${shown} and ${more} more` : shown
}

export interface Notifier {
  stations(stations: readonly StationLive[], now?: Date): Notice[]
  /** The tasks stale now (assigned and past their lease). */
  staleTasks(tasks: readonly Task[], now?: Date): Notice[]
}

export function createNotifier(options: NotifierOptions): Notifier {
  const batchFrom = options.batchFrom ?? 4
  const fills = new Map<string, Fill>()
  let stale: Set<number> | null = null

  function stationNotices(kind: 'empty' | 'full', changed: StationLive[]): Notice[] {
    if (changed.length === 0) return []
    const word = kind === 'empty' ? 'empty' : 'full'
    if (changed.length >= batchFrom) {
      return [
        {
          kind,
          title: `${changed.length} stations became ${word}`,
          body: listOf(changed.map((station) => station.name)),
          tag: `stations-${kind}`,
        },
      ]
    }
    return changed.map((station) => ({
      kind,
      title: `${station.name} is ${word}`,
      body:
        kind === 'empty'
          ? `No bikes to rent; ${station.docks ?? '?'} docks free`
          : `No docks free; ${station.bikes ?? '?'} bikes waiting`,
      tag: `station-${station.systemId}-${station.stationId}`,
    }))
  }

  return {
    stations(stations, now = new Date()) {
      const became: Record<'empty' | 'full', StationLive[]> = { empty: [], full: [] }
      for (const station of stations) {
        const fill = fillOf(station)
        // Numbers nobody can trust change nothing: the state before them stands.
        if (fill === null) continue
        const key = `${station.systemId}\u0000${station.stationId}`
        const before = fills.get(key)
        fills.set(key, fill)
        if (before !== undefined && before !== fill && fill !== 'ok') became[fill].push(station)
      }
      if (!withinServiceHours(now, options.serviceHours(), options.timeZone())) return []
      return [...stationNotices('empty', became.empty), ...stationNotices('full', became.full)]
    },

    staleTasks(tasks) {
      const ids = new Set(tasks.map((task) => task.id))
      const first = stale === null
      const fresh = first ? [] : tasks.filter((task) => !stale?.has(task.id))
      stale = ids
      if (fresh.length === 0) return []
      if (fresh.length >= batchFrom) {
        return [
          {
            kind: 'stale-task',
            title: `${fresh.length} tasks are past their lease`,
            body: `Tasks ${listOf(fresh.map((task) => String(task.id)))}: check on their crews`,
            tag: 'tasks-stale',
          },
        ]
      }
      return fresh.map((task) => ({
        kind: 'stale-task',
        title: `Task ${task.id} is past its lease`,
        body: `${task.worker_id ? `Crew ${task.worker_id}` : 'Its crew'} has not completed it: ${task.qty} bikes from ${task.from_station_id} to ${task.to_station_id}`,
        tag: `task-${task.id}`,
      }))
    },
  }
}
