import { useEffect, useState } from 'react'
import type { Role } from '../../../shared/dispatch'

export type ViewId =
  'overview' | 'suggestions' | 'tasks' | 'crews' | 'import' | 'settings' | 'system'

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

/** `#/tasks` -> tasks; anything else is the overview. */
export function viewOfHash(hash: string, allowed: readonly ViewInfo[]): ViewId {
  const id = hash.replace(/^#\/?/, '').split(/[/?]/)[0]
  return allowed.find((view) => view.id === id)?.id ?? 'overview'
}

/** Hash routing: the address bar says where one is, Back works, and no router is needed. */
export function useHashView(allowed: readonly ViewInfo[]): [ViewId, (view: ViewId) => void] {
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
  return [viewOfHash(hash, allowed), go]
}
