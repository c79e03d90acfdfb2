import type {
  TripImportDone,
  TripImportQuarantined,
  TripImportSkipped,
} from '../../shared/trips.js'
import { copyIntoStaging, createStaging, fastThenCareful } from '../imports/csv-staging.js'
import type { ImportConnection } from '../imports/import-connection.js'
import { tooManyRejected } from '../imports/reject-limit.js'
import {
  alreadyImported,
  copyFailure,
  finishTripImport,
  recordImport,
  TripImportError,
  type ImportFileOptions,
  type OpenedTripFile,
} from './import.js'
import { insertRejections, insertTrips } from './trip-rows.repository.js'
import { matchStations } from './trip-stations.repository.js'
import { createCarefulTable, importTable } from './trip-table.repository.js'
import { firstRejections } from './trips.repository.js'

/**
 * The careful way in (trip-rows.repository.ts): the bytes stream into COPY of a temporary
 * staging table of text (PostgreSQL parses the CSV), then one statement casts, maps, validates
 * and inserts the good rows into the import's own table, and the bad ones are kept with their
 * line and reason, unless there are more than the file's allowance. Taken by a pipe (which
 * cannot be read twice) and by a file the usual way found bad rows in.
 */
export async function importCarefully(
  client: ImportConnection,
  file: OpenedTripFile,
  importId: number,
  options: ImportFileOptions,
): Promise<TripImportDone | TripImportQuarantined | TripImportSkipped> {
  const { source, header, progress } = file
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
  const skipped = await alreadyImported(client, source, options.systemId)
  if (skipped) return skipped

  const stations = await matchStations(client, header, options.systemId, options.stationKey ?? null)
  await recordImport(client, file, importId, options, stations.key)
  await createCarefulTable(client, { importId, systemId: options.systemId })
  // The good rows, cast directly; if some value does not parse, carefully.
  const insertion = await fastThenCareful(client, (careful) =>
    insertTrips(client, header, {
      importId,
      systemId: options.systemId,
      timeZone: options.timeZone,
      careful,
      table: importTable(importId),
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

  return finishTripImport(
    client,
    file,
    importId,
    options,
    {
      rowsRead,
      rowsImported: inserted.imported,
      rowsRejected,
      rejections,
      stations,
      unmatchedTrips: inserted.unmatchedTrips,
      firstStartedAt: inserted.firstStartedAt,
      lastStartedAt: inserted.lastStartedAt,
      lastEndedAt: inserted.lastEndedAt,
    },
    false,
  )
}
