import type {
  StationKey,
  TripImportDone,
  TripImportProgress,
  TripImportSkipped,
} from '../../shared/trips.js'
import {
  copyIntoStaging,
  createStaging,
  describeCopyFailure,
  fastThenCareful,
} from '../imports/csv-staging.js'
import { lockImportContent, withImportTransaction } from '../imports/import-connection.js'
import { createImportProgress } from '../imports/import-progress.js'
import { tooManyRejected, type RejectLimit } from '../imports/reject-limit.js'
import { detectTripHeader, type TripFileHeader } from './formats.js'
import { openTripSource, type TripSource } from './source.js'
import {
  addImportFlows,
  checkTimeZone,
  findImportByHash,
  finishImport,
  firstRejections,
  insertImport,
  insertRejections,
  insertTrips,
  lockFlows,
  matchStations,
  readDatesMonthFirst,
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
}

/** A COPY failure, said as a fact about the file. */
function copyFailure(source: TripSource, error: unknown): TripImportError {
  const failure = describeCopyFailure(source.name, error)
  return new TripImportError(
    failure.damaged ? failure.detail : `${source.name}: ${failure.message}; nothing was imported`,
  )
}

/**
 * Imports one trip file into one system, in one transaction: the bytes stream into COPY of a
 * temporary staging table (PostgreSQL parses the CSV), then one statement casts, maps, validates
 * and inserts, and the new trips' counts are added to station_flows. A failure anywhere, or a
 * killed process, rolls all of it back; the staging table is temporary and goes with it.
 */
export async function importTripFile(
  path: string,
  options: ImportFileOptions,
): Promise<TripImportDone | TripImportSkipped> {
  const started = performance.now()
  const source = await openTripSource(path)
  let header: TripFileHeader
  try {
    header = detectTripHeader(source.headerLine)
  } catch (error) {
    source.close()
    throw new TripImportError(`${source.name}: ${(error as Error).message}`)
  }
  const progress = createImportProgress(source, started, options.onProgress)

  return withImportTransaction(
    {
      databaseUrl: options.databaseUrl,
      applicationName: 'balancer import-trips',
      source,
      importedMeanwhile: (detail, cause) => new TripImportError(detail, { cause }),
    },
    async (client) => {
      await readDatesMonthFirst(client)
      await checkTimeZone(client, options.timeZone)
      await createStaging(client, 'trip_staging', header.columns.length)
      let rowsRead: number
      try {
        rowsRead = await progress.whileReading(options.progressMs ?? 250, () =>
          copyIntoStaging(client, 'trip_staging', header, source.stream),
        )
      } catch (error) {
        throw copyFailure(source, error)
      }
      progress.report('inserting', rowsRead)

      const sha256 = source.sha256()
      await lockImportContent(client, 'trip_imports', options.systemId, sha256)
      const previous = await findImportByHash(client, options.systemId, sha256)
      if (previous) {
        await client.query('rollback')
        return {
          status: 'already-imported',
          file: source.name,
          importId: previous.importId,
          systemId: options.systemId,
          importedAt: previous.importedAt.toISOString(),
          rowsImported: previous.rowsImported,
        }
      }

      const stations = await matchStations(
        client,
        header,
        options.systemId,
        options.stationKey ?? null,
      )
      const importId = await insertImport(client, {
        systemId: options.systemId,
        fileName: source.name,
        sha256,
        format: header.format.name,
        timeZone: options.timeZone,
        stationKey: stations.key,
      })
      // The good rows, cast directly; if some value does not parse, carefully.
      const insertion = await fastThenCareful(client, (careful) =>
        insertTrips(client, header, {
          importId,
          systemId: options.systemId,
          timeZone: options.timeZone,
          careful,
        }),
      )
      const inserted = insertion.result
      const rowsRejected = rowsRead - inserted.imported
      let rejections: { line: number; reason: string }[] = []
      if (rowsRejected > 0) {
        await insertRejections(client, header, {
          importId,
          timeZone: options.timeZone,
          careful: insertion.careful,
        })
        rejections = await firstRejections(client, importId, 5)
      }
      const refusal = tooManyRejected(
        source.name,
        { read: rowsRead, rejected: rowsRejected, first: rejections },
        options.rejectLimit,
      )
      if (refusal) throw new TripImportError(refusal)

      progress.report('flows', rowsRead)
      const flowsStarted = performance.now()
      await lockFlows(client, options.systemId)
      const { tripIds, firstStartedAt, lastEndedAt } = inserted
      const flowBins =
        tripIds && firstStartedAt && lastEndedAt
          ? await addImportFlows(client, options.systemId, {
              importId,
              tripIds,
              firstStartedAt,
              lastEndedAt,
            })
          : 0
      const flowSeconds = (performance.now() - flowsStarted) / 1000

      const seconds = progress.elapsed()
      await finishImport(client, {
        importId,
        rowsRead,
        rowsImported: inserted.imported,
        stations,
        unmatchedTrips: inserted.unmatchedTrips,
        firstStartedAt: inserted.firstStartedAt,
        lastStartedAt: inserted.lastStartedAt,
        lastEndedAt: inserted.lastEndedAt,
        bytes: source.counters().csvBytes,
        seconds,
      })
      await client.query('commit')
      progress.report('done', rowsRead)

      return {
        status: 'imported',
        file: source.name,
        importId,
        systemId: options.systemId,
        format: header.format.name,
        timeZone: options.timeZone,
        rowsRead,
        rowsImported: inserted.imported,
        rowsRejected,
        rejections,
        stations: {
          matchedBy: stations.key,
          ids: stations.ids,
          idsMatched: stations.matched,
          matchRate: stations.ids > 0 ? stations.matched / stations.ids : null,
          unmatchedIds: stations.unmatched,
          tripsUnmatched: inserted.unmatchedTrips,
        },
        firstStartedAt: inserted.firstStartedAt?.toISOString() ?? null,
        lastEndedAt: inserted.lastEndedAt?.toISOString() ?? null,
        seconds,
        rowsPerSecond: seconds > 0 ? Math.round(rowsRead / seconds) : 0,
        flowBins,
        flowSeconds,
        hint: null,
      }
    },
  )
}
