import { useEffect, useState } from 'react'
import type { Role } from '../../../shared/dispatch'

export type ViewId =
  | 'overview'
  | 'stations'
  | 'map'
  | 'suggestions'
  | 'tasks'
  | 'crews'
  | 'import'
  | 'settings'
  | 'system'
  | 'station'

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
  { id: 'overview', label: 'Overview', key: 'o', roles: ['dispatcher', 'analyst'] },
  { id: 'stations', label: 'Stations', key: 'n', roles: ['dispatcher', 'analyst'] },
  { id: 'map', label: 'Map', key: 'm', roles: ['dispatcher', 'analyst'] },
  { id: 'suggestions', label: 'Suggestions', key: 's', roles: ['dispatcher', 'analyst'] },
  { id: 'tasks', label: 'Tasks', key: 't', roles: ['dispatcher', 'analyst'] },
  { id: 'crews', label: 'Crews', key: 'c', roles: ['dispatcher'] },
  { id: 'import', label: 'Trip import', key: 'i', roles: ['dispatcher'] },
  { id: 'settings', label: 'Settings', key: 'e', roles: ['dispatcher'] },
  { id: 'system', label: 'System', key: 'y', roles: ['dispatcher', 'analyst'] },
]

export function viewsFor(role: Role): ViewInfo[] {
  return VIEWS.filter((view) => view.roles.includes(role))
}

/** A station by its system and its GBFS id (both opaque strings). */
export interface StationRef {
  systemId: string
  stationId: string
}

export interface Route {
  view: ViewId
  /** The station a `#/station/<system>/<station>` address opens. */
  station: StationRef | null
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

/** `#/tasks` -> tasks, `#/station/a/b` -> station b of a; anything else is the overview. */
export function routeOfHash(hash: string, allowed: readonly ViewInfo[]): Route {
  const [id, ...rest] = hash.replace(/^#\/?/, '').split('?')[0]?.split('/') ?? []
  if (id === 'station' && allowed.some((view) => view.id === 'stations')) {
    const systemId = decode(rest[0])
    const stationId = decode(rest.slice(1).join('/'))
    if (systemId && stationId) return { view: 'station', station: { systemId, stationId } }
  }
  return { view: allowed.find((view) => view.id === id)?.id ?? 'overview', station: null }
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
