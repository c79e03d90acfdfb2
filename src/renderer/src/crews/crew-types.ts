import type { Crew } from '../../../shared/dispatch'
import {
  PROBLEM_KINDS,
  RELEASE_REASONS,
  type ProblemKind,
  type ReleaseReason,
} from '../../../shared/crew-work'

/**
 * The crew app's shapes as the console reads them: the shared zod schemas' types
 * (src/shared/crew-access.ts, src/shared/crew-work.ts, src/shared/dispatch.ts), and the words the
 * console shows for their codes.
 */

export type { Device, Pairing } from '../../../shared/crew-access'
export type { Problem, Shift as CrewShift, TaskRelease } from '../../../shared/crew-work'
export { PROBLEM_KINDS, RELEASE_REASONS, type ProblemKind, type ReleaseReason }

/** A crew as `GET /crews` answers it: with its open shift, its task and the bikes moved today. */
export type CrewWithWork = Crew

export const PROBLEM_KIND_LABELS: Record<ProblemKind, string> = {
  broken_docks: 'Broken docks',
  station_offline: 'Station offline',
  vandalism: 'Vandalism',
  other: 'Other problem',
}

/** The phone's "Can't do" list, in the words the crew chose from. */
export const RELEASE_REASON_LABELS: Record<ReleaseReason, string> = {
  station_blocked: 'station blocked',
  fewer_bikes: 'fewer bikes than expected',
  no_docks: 'no free docks',
  van_full: 'van full',
  station_broken: 'station broken',
  other: 'other',
}
