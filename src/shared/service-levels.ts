import { z } from 'zod'
import { systemIdText as systemId } from './schema-parts.js'

/**
 * Service levels (issue 8): how long each station stood empty or full, cluster outages as the Bay
 * Area's operating agreement counts them, and how the crews did. The HTTP routes validate and
 * document with these schemas, the IPC edge checks the renderer's requests with them, and the
 * renderer and `balancer report` compile against the types. Keys are snake_case, as in the
 * report an analyst gets from `balancer report --json`.
 *
 * Days are local dates of the system (`2023-07-12`); a range is `[from, to)`, as in flows.
 * Minutes are decimals (a state holds from one poll to the next, to the second).
 */

/** The hours a station must serve, on the system's clock: the agreement's 6 am to 10 pm. */
export const SERVICE_HOURS = { start: '06:00', end: '22:00' } as const

/** A cluster: a station and every station within a third of a mile (MTC KPI #12). */
export const CLUSTER_RADIUS_METERS = 1609.344 / 3
/** ... or, when fewer than this many are that close, its this many nearest. */
export const CLUSTER_NEAREST = 3
/** Out for this long in a row is tolerated; every minute beyond it counts. */
export const OUTAGE_GRACE_MINUTES = 10
/** What each counted minute of a cluster outage costs the operator. */
export const OUTAGE_DOLLARS_PER_MINUTE = 1
/** Before and after a completed task, the hours its stations are looked at. */
export const TASK_EFFECT_MINUTES = 120
/** At most this many days per request: a year of 2,000 stations is 730,000 station-days. */
export const MAX_SERVICE_DAYS = 400

/** A local date `by` days from `day` (YYYY-MM-DD; calendar days, whatever the clocks do). */
export function shiftDay(day: string, by: number): string {
  const date = new Date(`${day}T00:00:00Z`)
  date.setUTCDate(date.getUTCDate() + by)
  return date.toISOString().slice(0, 10)
}

const LOCAL_DATE = /^\d{4}-\d{2}-\d{2}$/
const localDate = z.string().regex(LOCAL_DATE, 'must be a date (2023-07-12)')

/** A range of local days: what every service-level question is asked over. */
export const serviceRangeSchema = z
  .object({
    system: systemId.optional().meta({
      description: 'The system (default: the only one in the database)',
    }),
    from: localDate.meta({ description: 'First local day, inclusive', example: '2023-07-10' }),
    to: localDate.meta({
      description: 'Local day after the last, exclusive',
      example: '2023-07-17',
    }),
  })
  .strict()
export type ServiceRange = z.infer<typeof serviceRangeSchema>

export const serviceDayRequestSchema = z
  .object({
    system: systemId.optional(),
    day: localDate.meta({ description: 'The local day', example: '2023-07-12' }),
  })
  .strict()
export type ServiceDayRequest = z.infer<typeof serviceDayRequestSchema>

export const serviceRefreshRequestSchema = z
  .object({
    system: systemId.optional(),
    from: localDate.optional().meta({ description: 'Default: every day with status history' }),
    to: localDate.optional(),
    rebuild: z.boolean().optional().meta({
      description: 'Recompute every day of the range, not only those new data may have changed',
    }),
  })
  .strict()
export type ServiceRefreshRequest = z.infer<typeof serviceRefreshRequestSchema>

// The answers' schemas and types, by role in their own file; importers keep this path.
export * from './service-levels-answers.js'

/**
 * `balancer import-status FILE.csv[.gz]`: a recorded station_status history (the format of
 * ../shared/data/status-history) loaded as if it had been polled, for weeks nobody polled live.
 */
export interface StatusImportRequest {
  path: string
  /** Default: system_information.json beside the file, else the only system, else lyft_bay. */
  systemId?: string
  /** A GBFS station_information.json; default: the ones beside the file. */
  stationsFile?: string
  /** IANA zone of a system this import creates (the file's times are UTC). */
  timeZone?: string
  /** Bad rows allowed before the file is refused: "250" rows or "2%" (default 1%, at least 10). */
  maxRejected?: string
}

export type StatusImportPhase = 'reading' | 'writing' | 'refreshing' | 'done'

/** Progress of one status history: the CLI's progress line. */
export interface StatusImportProgress {
  file: string
  phase: StatusImportPhase
  rowsDone: number
  rowsPerSecond: number
  /** Of the file read so far, 0-100; null while its size is unknown (a pipe). */
  percent: number | null
  elapsedSeconds: number
}

/** What the station files loaded before the import brought: distinct stations over all files. */
export interface StatusImportStations {
  files: string[]
  loaded: number
  /** Entries without an id, a name or a position, each with its file and why. */
  skipped: string[]
}

interface StatusImportOutcomeBase {
  file: string
  importId: number
  systemId: string
  /** The system's own zone: what the local days and times of the report are read in. */
  timeZone: string
  /** The system did not exist and was created for this file. */
  systemCreated: boolean
  stationsLoaded: StatusImportStations | null
}

export interface StatusImportDone extends StatusImportOutcomeBase {
  status: 'imported'
  rowsRead: number
  /** Rows added to station_status: a station's row where something changed since its last. */
  rowsWritten: number
  rowsUnchanged: number
  /** Rows station_status already had (same station and time: a poll, an earlier import). */
  rowsAlreadyStored: number
  rowsRejected: number
  /** The first rejected rows; all of them are in status_import_errors. */
  rejections: { line: number; reason: string }[]
  /** Rows naming a station the system does not have: not written. */
  rowsUnknownStation: number
  unknownStationExamples: string[]
  snapshots: number
  stations: number
  /** Runs of snapshots that left a station out, recorded in station_status_absences. */
  absences: number
  firstSnapshotAt: string | null
  lastSnapshotAt: string | null
  medianSpacingSeconds: number | null
  /** Gaps between snapshots up to this long are bridged: twice the median spacing. */
  bridgeMinutes: number | null
  seconds: number
  rowsPerSecond: number
  /** The local days [from, to) whose service summaries were recomputed; null without snapshots. */
  days: { from: string; to: string } | null
}

export interface StatusImportSkipped extends StatusImportOutcomeBase {
  status: 'already-imported'
  importedAt: string
  rowsRead: number
  rowsWritten: number
}

export type StatusImportReport = StatusImportDone | StatusImportSkipped
