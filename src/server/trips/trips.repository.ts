import type { StationKey } from '../../shared/trips.js'
import { importByHash, type ImportConnection } from '../imports/import-connection.js'
import type { StationMatch } from './trip-stations.repository.js'

/**
 * A trip import's record (trip_imports) and its session settings. The import's SQL is split by
 * what it does: trip-table (the file copied straight into a table of its own: the usual way),
 * trip-rows (the careful way, through staging, for files with bad rows), trip-stations,
 * trip-flows and trip-remap. All of it runs on the import's own connection, inside one
 * transaction that the caller opens and ends.
 */

/** Lyft writes ISO times; older Motivate files wrote "1/1/2016 00:00:00", month first. */
export async function readDatesMonthFirst(client: ImportConnection): Promise<void> {
  await client.query(`set local datestyle = 'ISO, MDY'`)
}

/** Fails with PostgreSQL's "time zone ... not recognized" (22023) for a zone it does not know. */
export async function checkTimeZone(client: ImportConnection, timeZone: string): Promise<void> {
  await client.query('select now() at time zone $1', [timeZone])
}

export interface PreviousImport {
  importId: number
  fileName: string
  importedAt: Date
  rowsImported: number
}

export function findImportByHash(
  client: ImportConnection,
  systemId: string,
  sha256: string,
): Promise<PreviousImport | null> {
  const columns = { fileName: 'file_name', rowsImported: 'rows_imported' }
  return importByHash<{ fileName: string; rowsImported: number }>(
    client,
    'trip_imports',
    columns,
    systemId,
    sha256,
  )
}

export interface NewImport {
  systemId: string
  fileName: string
  sha256: string
  format: string
  timeZone: string
  stationKey: StationKey | null
}

/**
 * The import's id, taken before its file is read: its trips are copied into a table named after
 * it, whose rows carry it. The record itself (insertImport) needs the file's hash, known at the
 * end of the reading. An import rolled back leaves a gap in the ids, as any identity does.
 */
export async function reserveImportId(client: ImportConnection): Promise<number> {
  const { rows } = await client.query<{ id: string }>(
    `select nextval(pg_get_serial_sequence('trip_imports', 'import_id'))::text as id`,
  )
  return Number(rows[0]?.id)
}

/** The import's row, with its counts filled in by finishImport in the same transaction. */
export async function insertImport(
  client: ImportConnection,
  importId: number,
  created: NewImport,
): Promise<void> {
  await client.query(
    `insert into trip_imports (import_id, system_id, file_name, content_sha256, format, timezone,
                               station_key, rows_read, rows_imported, rows_rejected, station_ids,
                               station_ids_matched, trips_unmatched, bytes, seconds)
     overriding system value
     values ($1, $2, $3, $4, $5, $6, $7, 0, 0, 0, 0, 0, 0, 0, 0)`,
    [
      importId,
      created.systemId,
      created.fileName,
      created.sha256,
      created.format,
      created.timeZone,
      created.stationKey,
    ],
  )
}

export interface Rejection {
  line: number
  reason: string
}

export async function firstRejections(
  client: ImportConnection,
  importId: number,
  limit: number,
): Promise<Rejection[]> {
  const { rows } = await client.query<Rejection>(
    `select line, reason from trip_import_errors where import_id = $1 order by line limit $2`,
    [importId, limit],
  )
  return rows
}

export interface FinishedImport {
  importId: number
  rowsRead: number
  rowsImported: number
  stations: StationMatch
  unmatchedTrips: number
  firstStartedAt: Date | null
  lastStartedAt: Date | null
  lastEndedAt: Date | null
  bytes: number
  seconds: number
}

export async function finishImport(client: ImportConnection, done: FinishedImport): Promise<void> {
  await client.query(
    `update trip_imports
        set rows_read = $2, rows_imported = $3, rows_rejected = $2::integer - $3::integer,
            station_ids = $4,
            station_ids_matched = $5, trips_unmatched = $6, first_started_at = $7,
            last_started_at = $8, last_ended_at = $9, bytes = $10, seconds = $11
      where import_id = $1`,
    [
      done.importId,
      done.rowsRead,
      done.rowsImported,
      done.stations.ids,
      done.stations.matched,
      done.unmatchedTrips,
      done.firstStartedAt,
      done.lastStartedAt,
      done.lastEndedAt,
      done.bytes,
      done.seconds,
    ],
  )
}
