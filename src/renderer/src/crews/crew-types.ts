import type { Crew } from '../../../shared/dispatch'

/**
 * The crew app's shapes as the console reads them (issue 15, /work/wt/CREW-API.md).
 *
 * STAND-INS: these are the shapes the crew-access (`src/shared/crew-access.ts`: Device, Pairing)
 * and crew-work (`src/shared/crew-work.ts`: Problem, TaskRelease, Shift; `src/shared/dispatch.ts`:
 * Crew's new fields) zod schemas define. At the merge, replace each type here with an
 * `export type { … } from` the schema's module; the components only import from this file.
 */

/** A paired phone (GET /crews/devices). */
export interface Device {
  device_id: number
  crew_id: string
  name: string
  paired_at: string
  last_contact_at: string | null
  revoked_at: string | null
}

/** A one-time pairing link for a crew (POST /crews/{crew_id}/pairings). */
export interface Pairing {
  code: string
  /** `<server_url>/crew/#pair=<code>` */
  url: string
  expires_at: string
  server_url: string
  /** SHA-256 of the server's certificate; null on plain HTTP. */
  tls_fingerprint: string | null
  /** In words, e.g. the server listens on loopback only. */
  warning: string | null
}

export const PROBLEM_KINDS = ['broken_docks', 'station_offline', 'vandalism', 'other'] as const
export type ProblemKind = (typeof PROBLEM_KINDS)[number]

export const PROBLEM_KIND_LABELS: Record<ProblemKind, string> = {
  broken_docks: 'Broken docks',
  station_offline: 'Station offline',
  vandalism: 'Vandalism',
  other: 'Other problem',
}

/** A problem a crew (or a dispatcher) reported at a station (GET /problems). */
export interface Problem {
  problem_id: number
  /** The station's system (crew-work's schema carries it; the station page's address needs it). */
  system_id: string
  station_id: string
  station_name: string
  kind: ProblemKind
  note: string | null
  has_photo: boolean
  /** GET /problems/{id}/photo; the console reads it through ProblemsSource.photo (auth, CSP). */
  photo_url?: string
  reported_by: string
  crew_id: string | null
  created_at: string
  resolved_at: string | null
  resolved_by: string | null
  resolution_note?: string | null
}

/** A crew's shift, as `GET /crews` carries the open one. */
export interface CrewShift {
  shift_id: number
  started_at: string
  van_capacity: number
  bikes_on_board: number
  bikes_moved: number
}

/** What `GET /crews` gains per crew (optional: a server without crew-work does not send them). */
export interface CrewWork {
  shift?: CrewShift | null
  task_id?: number | null
  bikes_moved_today?: number
}

export type CrewWithWork = Crew & CrewWork

export const RELEASE_REASONS = [
  'station_blocked',
  'fewer_bikes',
  'no_docks',
  'van_full',
  'station_broken',
  'other',
] as const
export type ReleaseReason = (typeof RELEASE_REASONS)[number]

/** The phone's "Can't do" list, in the words the crew chose from. */
export const RELEASE_REASON_LABELS: Record<ReleaseReason, string> = {
  station_blocked: 'station blocked',
  fewer_bikes: 'fewer bikes than expected',
  no_docks: 'no free docks',
  van_full: 'van full',
  station_broken: 'station broken',
  other: 'other',
}

/** A task given back, and why (GET /task/{task_id}/releases). */
export interface TaskRelease {
  task_id: number
  crew_id: string
  at: string
  reason_code: ReleaseReason | null
  /** The crew's note, or the label when it wrote none. */
  reason: string
  released_by: string
}
