import { stat } from 'node:fs/promises'
import type {
  StationKey,
  TripImportDone,
  TripImportProgress,
  TripImportQuarantined,
  TripImportSkipped,
} from '../../shared/trips.js'
import { describeCopyFailure } from '../imports/csv-staging.js'
import {
  lockImportContent,
  withImportTransaction,
  type ImportConnection,
} from '../imports/import-connection.js'
import { createImportProgress, type ImportProgressReporter } from '../imports/import-progress.js'
import type { RejectLimit } from '../imports/reject-limit.js'
import { detectTripHeader, type TripFileHeader } from './formats.js'
import { importCarefully } from './import-careful.js'
import { judgeImport, keepApart, quarantinedOutcome } from './quarantine.js'
import { openTripSource, type TripSource } from './source.js'
import { addTableFlows, lockFlows } from './trip-flows.repository.js'
import {
  matchCopiedStations,
  sampleStationKey,
  stationLookupJson,
  type StationMatch,
} from './trip-stations.repository.js'
import {
  attachImportTable,
  copyIntoImportTable,
  createImportTable,
  importTable,
  sampleStationIds,
  surveyImportTable,
} from './trip-table.repository.js'
import {
  checkTimeZone,
  findImportByHash,
  finishImport,
  insertImport,
  readDatesMonthFirst,
  reserveImportId,
} from './trips.repository.js'

/** A trip file that cannot be imported as it is; the message says why and what to do. */
export class TripImportError extends Error {
  override name = 'TripImportError'
}

export interface ImportFileOptions {
  /** With credentials: the import opens a connection of its own. */
  databaseUrl: string
  systemId: string
  timeZone: string
  /** Match station ids against this column instead of the one that matches most. */
  stationKey?: StationKey | null
  rejectLimit?: RejectLimit
  onProgress?: (progress: TripImportProgress) => void
  /** How often progress is reported while the file is read. */
  progressMs?: number
  /** Add the trips to flows even when their ids match fewer than half their ends (quarantine.ts). */
  acceptUnmatched?: boolean
}

export type TripPhase = 'inserting' | 'flows' | 'done'

/** One opening of the file: a second is needed when the careful way reads it again. */
export interface OpenedTripFile {
  source: TripSource
  header: TripFileHeader
  progress: ImportProgressReporter<TripPhase>
}

/** A COPY failure, said as a fact about the file. */
export function copyFailure(source: TripSource, error: unknown): TripImportError {
  const failure = describeCopyFailure(source.name, error)
  return new TripImportError(
    failure.damaged ? failure.detail : `${source.name}: ${failure.message}; nothing was imported`,
  )
}

async function openTripFile(
  path: string,
  started: number,
  onProgress: ImportFileOptions['onProgress'],
): Promise<OpenedTripFile> {
  const source = await openTripSource(path)
  let header: TripFileHeader
  try {
    header = detectTripHeader(source.headerLine)
  } catch (error) {
    source.close()
    throw new TripImportError(`${source.name}: ${(error as Error).message}`)
  }
  return { source, header, progress: createImportProgress(source, started, onProgress) }
}

/**
 * The same content imported before into the system, after waiting for an import of it that is
 * under way: the transaction is then rolled back and the earlier import named.
 */
export async function alreadyImported(
  client: ImportConnection,
  source: TripSource,
  systemId: string,
): Promise<TripImportSkipped | null> {
  const sha256 = source.sha256()
  await lockImportContent(client, 'trip_imports', systemId, sha256)
  const previous = await findImportByHash(client, systemId, sha256)
  if (!previous) return null
  await client.query('rollback')
  return {
    status: 'already-imported',
    file: source.name,
    importId: previous.importId,
    systemId,
    importedAt: previous.importedAt.toISOString(),
    rowsImported: previous.rowsImported,
  }
}

/** The import's record, once its file was read and its station key chosen (either way in). */
export function recordImport(
  client: ImportConnection,
  file: OpenedTripFile,
  importId: number,
  options: ImportFileOptions,
  stationKey: StationKey | null,
): Promise<void> {
  return insertImport(client, importId, {
    systemId: options.systemId,
    fileName: file.source.name,
    sha256: file.source.sha256(),
    format: file.header.format.name,
    timeZone: options.timeZone,
    stationKey,
  })
}

export interface ImportedTrips {
  rowsRead: number
  rowsImported: number
  rowsRejected: number
  rejections: { line: number; reason: string }[]
  stations: StationMatch
  unmatchedTrips: number
  firstStartedAt: Date | null
  lastStartedAt: Date | null
  lastEndedAt: Date | null
}

/**
 * The import's counts added to station_flows: one aggregate over its own table, into a partition
 * of station_flows of their own when the system has no counts in their range yet.
 */
async function addImportFlows(
  client: ImportConnection,
  systemId: string,
  importId: number,
  trips: ImportedTrips,
): Promise<{ flowBins: number; flowSeconds: number }> {
  const started = performance.now()
  await lockFlows(client, systemId)
  const { firstStartedAt, lastEndedAt } = trips
  const flowBins =
    firstStartedAt && lastEndedAt
      ? await addTableFlows(client, systemId, importId, { firstStartedAt, lastEndedAt })
      : 0
  return { flowBins, flowSeconds: (performance.now() - started) / 1000 }
}

/**
 * The end of either way, once the trips are in the import's own table and their stations
 * matched (`trips.stations`): the import's counts added to station_flows, its table attached to
 * trips, its record completed, the commit.
 */
export async function finishTripImport(
  client: ImportConnection,
  file: OpenedTripFile,
  importId: number,
  options: ImportFileOptions,
  trips: ImportedTrips,
  copied: boolean,
): Promise<TripImportDone | TripImportQuarantined> {
  const { source, header, progress } = file
  const quarantine = await judgeImport(client, importId, options)
  progress.report('flows', trips.rowsRead)
  const { flowBins, flowSeconds } = quarantine
    ? { flowBins: 0, flowSeconds: 0 }
    : await addImportFlows(client, options.systemId, importId, trips)
  await attachImportTable(client, importId, copied ? header : null)
  if (quarantine) await keepApart(client, importId)

  const seconds = progress.elapsed()
  await finishImport(client, {
    importId,
    rowsRead: trips.rowsRead,
    rowsImported: trips.rowsImported,
    stations: trips.stations,
    unmatchedTrips: trips.unmatchedTrips,
    firstStartedAt: trips.firstStartedAt,
    lastStartedAt: trips.lastStartedAt,
    lastEndedAt: trips.lastEndedAt,
    bytes: source.counters().csvBytes,
    seconds,
  })
  await client.query('commit')
  progress.report('done', trips.rowsRead)
  const { stations } = trips
  const done: TripImportDone = {
    status: 'imported',
    file: source.name,
    importId,
    systemId: options.systemId,
    format: header.format.name,
    timeZone: options.timeZone,
    rowsRead: trips.rowsRead,
    rowsImported: trips.rowsImported,
    rowsRejected: trips.rowsRejected,
    rejections: trips.rejections,
    stations: {
      matchedBy: stations.key,
      ids: stations.ids,
      idsMatched: stations.matched,
      matchRate: stations.ids > 0 ? stations.matched / stations.ids : null,
      unmatchedIds: stations.unmatched,
      tripsUnmatched: trips.unmatchedTrips,
    },
    firstStartedAt: trips.firstStartedAt?.toISOString() ?? null,
    lastEndedAt: trips.lastEndedAt?.toISOString() ?? null,
    seconds,
    rowsPerSecond: seconds > 0 ? Math.round(trips.rowsRead / seconds) : 0,
    flowBins,
    flowSeconds,
    hint: null,
  }
  return quarantine ? quarantinedOutcome(done, quarantine) : done
}

/** What the database says when a file's values or rows are not all good trips. */
function refusedRows(error: unknown): boolean {
  const code = (error as { code?: unknown }).code
  return typeof code === 'string' && (code.startsWith('22') || code === '23502' || code === '23514')
}

const CAREFUL = Symbol('careful')

/**
 * The usual way (trip-table.repository.ts): the file copied straight into the import's own
 * table, its station ids mapped on the way in by the column that matches most of its first rows.
 * Answers CAREFUL, having undone all of it, when the file has a value or a row that is not a
 * good trip, or when the whole file's ids match another column best.
 */
async function importStraight(
  client: ImportConnection,
  file: OpenedTripFile,
  importId: number,
  options: ImportFileOptions,
): Promise<TripImportDone | TripImportQuarantined | TripImportSkipped | typeof CAREFUL> {
  const { source, header, progress } = file
  const forced = options.stationKey ?? null
  const careful = async (): Promise<typeof CAREFUL> => {
    await client.query('rollback to savepoint straight')
    return CAREFUL
  }
  await client.query('savepoint straight')
  try {
    const key =
      forced ??
      (await sampleStationKey(client, options.systemId, sampleStationIds(source.head, header)))
    const lookup = await stationLookupJson(client, options.systemId, key)
    await createImportTable(client, header, { importId, systemId: options.systemId, lookup })
    let rowsRead: number
    try {
      rowsRead = await progress.whileReading(options.progressMs ?? 250, () =>
        copyIntoImportTable(
          client,
          header,
          { importId, timeZone: options.timeZone },
          source.stream,
        ),
      )
    } catch (error) {
      if (refusedRows(error)) return await careful()
      throw copyFailure(source, error)
    }
    progress.report('inserting', rowsRead)
    const skipped = await alreadyImported(client, source, options.systemId)
    if (skipped) return skipped

    const trips = await surveyImportTable(client, importId, options.timeZone)
    const matched = await matchCopiedStations(
      client,
      importTable(importId),
      options.systemId,
      key,
      forced !== null,
    )
    if (!matched.keyHolds) return await careful()
    await recordImport(client, file, importId, options, key)
    return await finishTripImport(
      client,
      file,
      importId,
      options,
      {
        ...trips,
        rowsRead,
        rowsImported: trips.imported,
        rowsRejected: 0,
        rejections: [],
        stations: matched.match,
      },
      true,
    )
  } catch (error) {
    if (refusedRows(error)) return careful()
    throw error
  }
}

/**
 * Imports one trip file into one system, in one transaction. A file that can be read again (not
 * a pipe) is copied straight into the import's own table; one with bad rows, or a pipe, goes the
 * careful way (import-careful.ts): staged, cast, judged, its bad rows kept. Either way the new
 * trips' counts are added to station_flows and the table is attached to trips before the commit.
 * A failure anywhere, or a killed process, rolls all of it back, the import's table with it.
 */
export async function importTripFile(
  path: string,
  options: ImportFileOptions,
): Promise<TripImportDone | TripImportQuarantined | TripImportSkipped> {
  const started = performance.now()
  let file = await openTripFile(path, started, options.onProgress)
  const rereadable = await stat(path).then(
    (info) => info.isFile(),
    () => false,
  )
  return withImportTransaction(
    {
      databaseUrl: options.databaseUrl,
      applicationName: 'balancer import-trips',
      // The file read at the time: a second opening replaces the first.
      source: {
        get name() {
          return file.source.name
        },
        close: () => file.source.close(),
      },
      importedMeanwhile: (detail, cause) => new TripImportError(detail, { cause }),
    },
    async (client) => {
      await readDatesMonthFirst(client)
      await checkTimeZone(client, options.timeZone)
      const importId = await reserveImportId(client)
      if (rereadable) {
        const straight = await importStraight(client, file, importId, options)
        if (straight !== CAREFUL) return straight
        file.source.close()
        file = await openTripFile(path, started, options.onProgress)
      }
      return importCarefully(client, file, importId, options)
    },
  )
}
