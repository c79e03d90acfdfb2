import { ApiError, NetworkError, type ProblemKind, type ReleaseReasonCode } from './api'

/** The words on the phone, in one place: what a crew member reads and acts on. */

export const RELEASE_REASONS: { code: ReleaseReasonCode; label: string }[] = [
  { code: 'station_blocked', label: 'Station blocked' },
  { code: 'fewer_bikes', label: 'Fewer bikes than expected' },
  { code: 'no_docks', label: 'No free docks' },
  { code: 'van_full', label: 'Van full' },
  { code: 'station_broken', label: 'Station broken' },
  { code: 'other', label: 'Other' },
]

export const PROBLEM_KINDS: { kind: ProblemKind; label: string }[] = [
  { kind: 'broken_docks', label: 'Broken docks' },
  { kind: 'station_offline', label: 'Station offline' },
  { kind: 'vandalism', label: 'Vandalism' },
  { kind: 'other', label: 'Other' },
]

export const NO_NETWORK = 'No connection to the depot. Move to where you have signal and try again.'

/** An error as a sentence a crew member can act on. */
export function describeError(error: unknown): string {
  if (error instanceof NetworkError) return NO_NETWORK
  if (!(error instanceof ApiError)) {
    return `Something went wrong on this phone (${error instanceof Error ? error.message : String(error)}). Reload the app.`
  }
  const { status, detail, code } = error
  if (status === 401) return 'This phone is signed out. Ask the dispatcher for a new pairing code.'
  if (status === 403)
    return `The server says this crew may not do that: ${detail}. Call the dispatcher.`
  if (code === 'qty_over_limit') return `Too many bikes: ${limitWords(detail)}. Check the count.`
  if (status === 404 && /no available tasks/i.test(detail)) {
    return 'No tasks right now. Try again in a few minutes.'
  }
  if (status === 409) return `This task changed on the server: ${detail}. Call the dispatcher.`
  if (status === 429) return 'Too many tries from this phone. Wait a minute, then try again.'
  if (status >= 500) {
    return `The depot server has a problem (${status}: ${detail}). It will be tried again.`
  }
  return `The server refused this: ${detail}.`
}

/** "qty_moved: at most 12, the van's capacity" reads better without the field's name. */
function limitWords(detail: string): string {
  return detail.replace(/^qty_\w+:\s*/, '')
}

export function distanceWords(metres: number | null): string {
  if (metres === null) return 'distance unknown (no position yet)'
  if (metres < 1000) return `${Math.round(metres / 10) * 10} m away`
  return `${(metres / 1000).toFixed(metres < 10_000 ? 1 : 0)} km away`
}

export function bikes(count: number): string {
  return `${count} ${count === 1 ? 'bike' : 'bikes'}`
}

export function ago(iso: string | null, now = Date.now()): string {
  if (!iso) return 'never reported'
  const minutes = Math.round((now - Date.parse(iso)) / 60_000)
  if (minutes < 1) return 'just now'
  if (minutes < 60) return `${minutes} min ago`
  return `${Math.round(minutes / 60)} h ago`
}
