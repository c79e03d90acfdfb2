import { useEffect, useState } from 'react'
import type { Role } from '../../../shared/dispatch'
import { DISPATCH, READERS } from '../../../shared/operations/roles'

export type ViewId =
  | 'overview'
  | 'stations'
  | 'map'
  | 'service'
  | 'suggestions'
  | 'tasks'
  | 'crews'
  | 'import'
  | 'settings'
  | 'system'
  | 'station'
  | 'report'
  | 'problems'
  | 'task'

export interface ViewInfo {
  id: ViewId
  label: string
  /** The letter after `g` that opens it. */
  key: string
  /** Who sees it in the navigation. */
  roles: readonly Role[]
}

/** The views in navigation order; the number keys follow this order too. */
export const VIEWS: readonly ViewInfo[] = [
  { id: 'overview', label: 'Overview', key: 'o', roles: READERS },
  { id: 'stations', label: 'Stations', key: 'n', roles: READERS },
  { id: 'map', label: 'Map', key: 'm', roles: READERS },
  { id: 'service', label: 'Service', key: 'l', roles: READERS },
  { id: 'suggestions', label: 'Suggestions', key: 's', roles: READERS },
  { id: 'tasks', label: 'Tasks', key: 't', roles: READERS },
  { id: 'crews', label: 'Crews', key: 'c', roles: DISPATCH },
  { id: 'import', label: 'Trip import', key: 'i', roles: DISPATCH },
  { id: 'settings', label: 'Settings', key: 'e', roles: DISPATCH },
  { id: 'system', label: 'System', key: 'y', roles: READERS },
  // Last, so the number keys people have learnt for the others stay as they were.
  { id: 'problems', label: 'Problems', key: 'p', roles: READERS },
]

export function viewsFor(role: Role): ViewInfo[] {
  return VIEWS.filter((view) => view.roles.includes(role))
}

/** The number key of the view at `index` in the menu: 1 to 9, then 0 for the tenth, as on a keyboard's top row. */
export function numberKey(index: number): string | null {
  if (index < 9) return String(index + 1)
  return index === 9 ? '0' : null
}

/** A station by its system and its GBFS id (both opaque strings). */
export interface StationRef {
  systemId: string
  stationId: string
}

/** A system's service day: what a daily report is about. */
export interface ServiceDayRef {
  systemId: string
  /** A local date of the system, `2023-07-12`. */
  day: string
}

export interface Route {
  view: ViewId
  /** The station a `#/station/<system>/<station>` address opens. */
  station: StationRef | null
  /** The day a `#/service/report/<system>/<day>` address prints. */
  report: ServiceDayRef | null
  /** The task a `#/task/<id>` address opens (its whole history). */
  task: number | null
  /** What follows `?` in the address (`from=2023-07-10&to=2023-07-17`), for the view to read. */
  query: string
}

/** `#/station/lyft_bay/5065.10`: a station's own page, which anyone who sees Stations may open. */
export function stationHash({ systemId, stationId }: StationRef): string {
  return `#/station/${encodeURIComponent(systemId)}/${encodeURIComponent(stationId)}`
}

function decode(part: string | undefined): string | null {
  if (!part) return null
  try {
    return decodeURIComponent(part)
  } catch {
    return null
  }
}

/** `#/task/12`: a task's detail, which anyone who sees Tasks may open. */
export function taskHash(taskId: number): string {
  return `#/task/${taskId}`
}

/** `#/service/report/lyft_bay/2023-07-12`: one day's printable report, for anyone who sees Service. */
export function reportHash({ systemId, day }: ServiceDayRef): string {
  return `#/service/report/${encodeURIComponent(systemId)}/${day}`
}

/**
 * `#/tasks` -> tasks, `#/station/a/b` -> station b of a, `#/service/report/a/2023-07-12` -> that
 * day's report; anything else is the overview.
 */
export function routeOfHash(hash: string, allowed: readonly ViewInfo[]): Route {
  const [path = '', ...queries] = hash.replace(/^#\/?/, '').split('?')
  const [id, ...rest] = path.split('/')
  const query = queries.join('?')
  const sees = (view: ViewId) => allowed.some((info) => info.id === view)
  if (id === 'station' && sees('stations')) {
    const systemId = decode(rest[0])
    const stationId = decode(rest.slice(1).join('/'))
    if (systemId && stationId) {
      return { view: 'station', station: { systemId, stationId }, report: null, task: null, query }
    }
  }
  if (id === 'service' && rest[0] === 'report' && sees('service')) {
    const systemId = decode(rest[1])
    const day = rest[2] ?? ''
    if (systemId && /^\d{4}-\d{2}-\d{2}$/.test(day)) {
      return { view: 'report', station: null, report: { systemId, day }, task: null, query }
    }
  }
  if (id === 'task' && sees('tasks') && /^\d{1,15}$/.test(rest[0] ?? '')) {
    return { view: 'task', station: null, report: null, task: Number(rest[0]), query }
  }
  const view = allowed.find((info) => info.id === id)?.id ?? 'overview'
  return { view, station: null, report: null, task: null, query }
}

export function viewOfHash(hash: string, allowed: readonly ViewInfo[]): ViewId {
  return routeOfHash(hash, allowed).view
}

/** Opens a station's page (a plain hash change: Back returns to where one was). */
export function openStation(station: StationRef): void {
  window.location.hash = stationHash(station)
}

/** Hash routing: the address bar says where one is, Back works, and no router is needed. */
export function useHashRoute(allowed: readonly ViewInfo[]): [Route, (view: ViewId) => void] {
  const [hash, setHash] = useState(() => window.location.hash)
  useEffect(() => {
    const onChange = () => setHash(window.location.hash)
    window.addEventListener('hashchange', onChange)
    return () => window.removeEventListener('hashchange', onChange)
  }, [])
  const go = (view: ViewId) => {
    window.location.hash = `#/${view}`
    setHash(`#/${view}`)
  }
  return [routeOfHash(hash, allowed), go]
}
