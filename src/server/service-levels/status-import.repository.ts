import { importByHash, type ImportConnection } from '../imports/import-connection.js'
import { DEFAULT_TIME_ZONE } from '../systems/time-zone.js'
import type { FileSummary } from './status-rows.repository.js'

/**
 * A status history import's record (status_imports, its bad rows) and session settings. Its
 * SQL is split by what it does: status-rows (the staged rows typed and judged, before anything
 * is written) and status-history (the write). Like a trip import it runs on the import's own
 * connection, inside one transaction the caller opens and ends.
 */

/**
 * The file's times are UTC: one written without an offset is read as UTC, whatever the server's
 * zone.
 */
export async function readTimesInUtc(client: ImportConnection): Promise<void> {
  await client.query(`set local timezone = 'UTC'`)
}

export interface PreviousImport {
  importId: number
  importedAt: Date
  rowsRead: number
  rowsWritten: number
}

export function findImportByHash(
  client: ImportConnection,
  systemId: string,
  sha256: string,
): Promise<PreviousImport | null> {
  const columns = { rowsRead: 'rows_read', rowsWritten: 'rows_written' }
  return importByHash<{ rowsRead: number; rowsWritten: number }>(
    client,
    'status_imports',
    columns,
    systemId,
    sha256,
  )
}

/**
 * A cast that answers NULL instead of failing, for the careful pass only: a pattern can tell the
 * shape of a time, not whether its day exists. It lives in the session's temporary schema, so
 * it goes with the import's connection; it costs 0.4 s over the week's 909k times, which is why
 * the fast pass casts directly.
 */
export async function createTryTimestamp(client: ImportConnection): Promise<void> {
  await client.query(
    `create or replace function pg_temp.status_try_timestamptz(value text)
     returns timestamptz language plpgsql stable as $$
     begin
       return value::timestamptz;
     exception when data_exception then
       return null;
     end $$`,
  )
}

export interface Rejection {
  line: number
  reason: string
}

/** The first bad rows by line, read before anything is written (to refuse a file with them). */
export async function firstRejections(
  client: ImportConnection,
  limit: number,
): Promise<Rejection[]> {
  const { rows } = await client.query<Rejection>(
    `select line, reason from status_rows where reason is not null order by line limit $1`,
    [limit],
  )
  return rows
}

export interface NewImport {
  systemId: string
  fileName: string
  sha256: string
  rowsRead: number
  summary: FileSummary
}

/** The import's row; what only the writing can tell is filled in by finishImport. */
export async function insertImport(client: ImportConnection, created: NewImport): Promise<number> {
  const { summary } = created
  const { rows } = await client.query<{ import_id: string }>(
    `insert into status_imports (system_id, file_name, content_sha256, rows_read, rows_written,
                                 rows_rejected, rows_unknown_station, snapshots, stations,
                                 first_snapshot_at, last_snapshot_at, median_spacing_seconds,
                                 bytes, seconds)
     values ($1, $2, $3, $4, 0, $5, $6, $7, 0, $8, $9, $10, 0, 0)
     returning import_id::text`,
    [
      created.systemId,
      created.fileName,
      created.sha256,
      created.rowsRead,
      summary.rowsRejected,
      summary.rowsUnknownStation,
      summary.snapshots,
      summary.firstSnapshotAt,
      summary.lastSnapshotAt,
      summary.medianSpacingSeconds,
    ],
  )
  return Number(rows[0]?.import_id)
}

/** Keeps the bad rows with their line, reason and fields as the file gave them. */
export async function insertRejections(
  client: ImportConnection,
  importId: number,
): Promise<number> {
  const result = await client.query(
    `insert into status_import_errors (import_id, line, reason, fields)
     select $1, line, reason, fields from status_rows where reason is not null`,
    [importId],
  )
  return result.rowCount ?? 0
}

export interface FinishedImport {
  importId: number
  rowsWritten: number
  stations: number
  bytes: number
  seconds: number
}

export async function finishImport(client: ImportConnection, done: FinishedImport): Promise<void> {
  await client.query(
    `update status_imports
        set rows_written = $2, stations = $3, bytes = $4, seconds = $5
      where import_id = $1`,
    [done.importId, done.rowsWritten, done.stations, done.bytes, done.seconds],
  )
}

/**
 * After the commit, what autovacuum would do minutes later, before the days are recomputed from
 * the rows just written: the BRIN ranges of the new pages summarised (unsummarised ranges are
 * read whole: a day of the real week read 6,091 blocks of its month instead of 768, 120 ms
 * instead of 65), and planner statistics for the tables the summaries read (with none, the
 * stations of a new system looked like 4 rows and the clusters' nearest-station search was
 * planned as 267,000 distances instead of 517 index scans: 1.7 s instead of 20 ms).
 */
export async function settleHistory(client: ImportConnection): Promise<void> {
  await client.query(`
    select brin_summarize_new_values(i.inhrelid)
      from pg_inherits i
     where i.inhparent = 'station_status_ts_brin'::regclass`)
  await client.query('analyze stations, status_snapshots, station_status')
}

/** The system's time zone, for the report. */
export async function systemTimeZone(client: ImportConnection, systemId: string): Promise<string> {
  const { rows } = await client.query<{ timezone: string }>(
    'select timezone from systems where system_id = $1',
    [systemId],
  )
  return rows[0]?.timezone ?? DEFAULT_TIME_ZONE
}
