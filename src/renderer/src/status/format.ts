import type { DatabaseMode } from '../../../shared/contract'

export function describeMode(mode: DatabaseMode): string {
  return mode === 'embedded' ? 'Embedded PostgreSQL' : 'Configured server'
}

/** Local time of day; the date too when it is not today, so a stale check stands out. */
export function formatCheckedAt(iso: string, now: Date = new Date()): string {
  const at = new Date(iso)
  if (Number.isNaN(at.getTime())) return iso
  const time = at.toLocaleTimeString(undefined, {
    hour: 'numeric',
    minute: '2-digit',
    second: '2-digit',
  })
  if (at.toDateString() === now.toDateString()) return time
  return `${at.toLocaleDateString(undefined, { month: 'short', day: 'numeric' })}, ${time}`
}
