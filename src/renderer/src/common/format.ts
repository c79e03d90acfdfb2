/** Words and numbers as the console shows them: short, plain, in the system's own clock. */

/** "40 s", "12 min", "3 h 5 min", "2 d": how long, for a person glancing at a board. */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds))
  if (s < 60) return `${s} s`
  const minutes = Math.floor(s / 60)
  if (minutes < 60) return `${minutes} min`
  const hours = Math.floor(minutes / 60)
  if (hours < 24) return minutes % 60 ? `${hours} h ${minutes % 60} min` : `${hours} h`
  return `${Math.floor(hours / 24)} d`
}

/** Seconds from `iso` to `now`; null for no time or an unreadable one. */
export function secondsSince(iso: string | null | undefined, now: number): number | null {
  if (!iso) return null
  const at = Date.parse(iso)
  return Number.isNaN(at) ? null : Math.max(0, (now - at) / 1000)
}

/** "40 s ago", or `never` for no time at all. */
export function formatAgo(iso: string | null | undefined, now: number, never = 'never'): string {
  const seconds = secondsSince(iso, now)
  return seconds === null ? never : `${formatDuration(seconds)} ago`
}

/**
 * The time of day in the system's zone (a depot in San Francisco reads Pacific time, whatever
 * the analyst's laptop says), with the date when it is not today there.
 */
export function formatClock(iso: string | null | undefined, timeZone?: string | null): string {
  if (!iso) return '—'
  const at = new Date(iso)
  if (Number.isNaN(at.getTime())) return iso
  const zone = timeZone ?? undefined
  const time = at.toLocaleTimeString(undefined, {
    hour: 'numeric',
    minute: '2-digit',
    timeZone: zone,
  })
  const day = (date: Date) => date.toLocaleDateString(undefined, { timeZone: zone })
  if (day(at) === day(new Date())) return time
  const date = at.toLocaleDateString(undefined, { month: 'short', day: 'numeric', timeZone: zone })
  return `${date}, ${time}`
}

/** The full date and time with the zone, for a tooltip. */
export function formatFullTime(iso: string | null | undefined, timeZone?: string | null): string {
  if (!iso) return ''
  const at = new Date(iso)
  if (Number.isNaN(at.getTime())) return iso
  return at.toLocaleString(undefined, { timeZone: timeZone ?? undefined, timeZoneName: 'short' })
}

export function plural(count: number, one: string, many = `${one}s`): string {
  return `${count.toLocaleString()} ${count === 1 ? one : many}`
}

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}
