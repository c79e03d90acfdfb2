import { z } from 'zod'

/**
 * Trip import's shapes: what the console asks (`trips:import`, checked with
 * tripImportRequestSchema at the IPC edge), what it hears while a file is read
 * (`trips:import-progress`) and what it gets back; `balancer import-trips` prints the same.
 */

export const STATION_KEYS = ['station_id', 'short_name', 'legacy_id', 'external_id'] as const

/** The stations column a trip file's ids matched. */
export type StationKey = (typeof STATION_KEYS)[number]

export type TripImportPhase = 'reading' | 'inserting' | 'flows' | 'done'

/** Progress of one trip file: the console's progress bar and the CLI's progress line. */
export interface TripImportProgress {
  file: string
  phase: TripImportPhase
  rowsDone: number
  rowsPerSecond: number
  /** Of the file read so far, 0-100; null while its size is unknown (a pipe). */
  percent: number | null
  elapsedSeconds: number
}

export interface TripImportStations {
  /** null when the system has no stations yet: every trip is kept unmatched. */
  matchedBy: StationKey | null
  /** Distinct station ids the file names, and how many matched a station. */
  ids: number
  idsMatched: number
  /** idsMatched / ids (0-1); null when the file names no station at all. */
  matchRate: number | null
  /** Ids that matched nothing, most used first (up to 10), with how many trip ends name them. */
  unmatchedIds: { id: string; tripEnds: number }[]
  /** Trips kept with an end whose id matched no station. */
  tripsUnmatched: number
}

export interface TripImportRejection {
  line: number
  reason: string
}

export interface TripImportDone {
  status: 'imported'
  file: string
  importId: number
  systemId: string
  format: string
  timeZone: string
  rowsRead: number
  rowsImported: number
  rowsRejected: number
  /** The first rejected rows; all of them are in trip_import_errors. */
  rejections: TripImportRejection[]
  stations: TripImportStations
  firstStartedAt: string | null
  lastEndedAt: string | null
  seconds: number
  rowsPerSecond: number
  /** station_flows rows added to or created, and how long that took. */
  flowBins: number
  flowSeconds: number
  /** What to do about unmatched stations, when there is something to do. */
  hint: string | null
}

export interface TripImportSkipped {
  status: 'already-imported'
  file: string
  importId: number
  systemId: string
  importedAt: string
  rowsImported: number
}

export interface TripImportFailed {
  status: 'failed'
  file: string
  error: string
}

/**
 * Why an import was quarantined: its station ids matched fewer than half of its trips' ends
 * (QUARANTINE_BELOW), so it is probably another city's file or the wrong system. Its trips are
 * kept apart (not in trips, station_flows, profiles nor the engine's fit) until a person
 * accepts or discards it.
 */
export interface TripImportQuarantine {
  /** Trip ends (starts and ends) that name a station id, and those that matched a station. */
  tripEnds: number
  tripEndsMatched: number
  /** tripEndsMatched / tripEnds (0-1). */
  matchRate: number
  /** What is wrong, in words. */
  problem: string
  /** What to do about it, in words. */
  advice: string
}

/** Below this share of trip ends matched, an import is quarantined. */
export const QUARANTINE_BELOW = 0.5

/** A file read and kept, but not added to flows and models until a person decides. */
export interface TripImportQuarantined extends Omit<TripImportDone, 'status'> {
  status: 'quarantined'
  quarantine: TripImportQuarantine
}

export type TripImportOutcome =
  TripImportDone | TripImportQuarantined | TripImportSkipped | TripImportFailed

/** A quarantined import waiting for a person (`trips:quarantined`, `balancer trips list`). */
export interface QuarantinedImport extends TripImportQuarantine {
  importId: number
  systemId: string
  file: string
  importedAt: string
  rowsImported: number
  firstStartedAt: string | null
  lastEndedAt: string | null
}

/** What accepting or discarding a quarantined import did. */
export interface QuarantineDecision {
  importId: number
  systemId: string
  file: string
  decision: 'accepted' | 'discarded'
  /** Trips added to trips and station_flows (accepted) or deleted (discarded). */
  trips: number
  /** station_flows rows added to or created (accepted); 0 when discarded. */
  flowBins: number
}

/** Trip files to import into one system (`balancer import-trips`, `trips:import`). */
export interface TripImportRequest {
  /** May be empty when `stationsFile` is given: then only the stations are loaded. */
  paths: string[]
  /** Default: the only system in the database. */
  systemId?: string
  /** IANA zone of the files' local times. Default: the system's (from its feed). */
  timeZone?: string
  /** Match station ids against this column instead of the one that matches most. */
  stationKey?: StationKey
  /** Bad rows allowed before a file is refused: "250" rows or "2%" (default 1%, at least 10). */
  maxRejected?: string
  /** A GBFS station_information.json to load into the system first. */
  stationsFile?: string
  /** Add a file to flows and models even when its ids match fewer than half its trip ends. */
  acceptUnmatched?: boolean
}

export interface TripImportReport {
  systemId: string
  timeZone: string
  /** What --stations loaded, when it was given. */
  stationsLoaded: { loaded: number; skipped: string[]; systemCreated: boolean } | null
  /** The system did not exist and was created for these trips. */
  systemCreated: boolean
  /** Trips of earlier imports mapped to the stations --stations loaded. */
  remapped: TripRemapReport | null
  outcomes: TripImportOutcome[]
}

export interface TripRemapReport {
  systemId: string
  imports: number
  /** Trip ends (starts or ends) that now name a station. */
  tripEndsMapped: number
  flowBins: number
}

/**
 * What the renderer may ask to import: paths of trip files on this machine. Only names a trip
 * file or station file has, so that a compromised page cannot have any file on the disk read
 * (an unknown header is echoed in the error).
 */
const tripFilePath = z
  .string()
  .regex(/\.(csv|csv\.gz|gz|zip)$/i, 'must be a .csv, .csv.gz or .zip file')
export const tripImportRequestSchema = z
  .object({
    paths: z.array(tripFilePath).max(100, 'at most 100 files at once'),
    systemId: z.string().min(1).optional(),
    timeZone: z.string().min(1).optional(),
    stationKey: z.enum(STATION_KEYS).optional(),
    maxRejected: z
      .string()
      .regex(/^\s*\d+(\.\d+)?\s*%?\s*$/, 'must be a number of rows ("250") or a share ("2%")')
      .optional(),
    stationsFile: z
      .string()
      .regex(/\.json$/i, 'must be a station_information .json file')
      .optional(),
    acceptUnmatched: z.boolean().optional(),
  })
  .strict() satisfies z.ZodType<TripImportRequest>

/** The options of an import, without the files: the console's form, an upload's query. */
export type TripImportOptions = Pick<
  TripImportRequest,
  'systemId' | 'timeZone' | 'stationKey' | 'maxRejected'
>

/**
 * A trip file sent from a browser (`trips:upload`, POST /trips/imports): its bytes and name, since
 * a browser elsewhere on the LAN cannot name paths on the server's disk.
 */
export interface TripUploadRequest extends TripImportOptions {
  file: Blob
  /** The file's own name: its ending (.csv, .csv.gz, .zip) and the report name it. */
  fileName: string
}

/** Trip files chosen in the desktop's native dialog; none when it was canceled. */
export interface ChosenFiles {
  paths: string[]
}

/** What a trip file's name must end with (the importer tells the formats apart by content). */
export const TRIP_FILE_NAME = /\.(csv|csv\.gz|gz|zip)$/i
