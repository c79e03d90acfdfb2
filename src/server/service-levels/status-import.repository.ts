import { literal, STAGING_LINE, stagingColumn, stagingColumns } from '../imports/csv-staging.js'
import type { ImportConnection } from '../imports/import-connection.js'
import type { StatusColumn } from '../gbfs/status-history-columns.js'
import type { StatusFileHeader } from './status-file.js'

/**
 * All SQL of a status history import (`balancer import-status`) but its staging
 * (../imports/csv-staging.ts), which leaves the file's rows in status_staging. Like a trip import
 * it runs on the import's own connection, inside one transaction the caller opens and ends.
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

export async function findImportByHash(
  client: ImportConnection,
  systemId: string,
  sha256: string,
): Promise<PreviousImport | null> {
  const { rows } = await client.query<{
    import_id: string
    imported_at: Date
    rows_read: number
    rows_written: number
  }>(
    `select import_id::text, imported_at, rows_read, rows_written
       from status_imports where system_id = $1 and content_sha256 = $2`,
    [systemId, sha256],
  )
  const row = rows[0]
  return row
    ? {
        importId: Number(row.import_id),
        importedAt: row.imported_at,
        rowsRead: row.rows_read,
        rowsWritten: row.rows_written,
      }
    : null
}

/**
 * Whole numbers a plain integer cast accepts: the careful pass tests before it casts. Signed,
 * so that "-3" reads as a negative count rather than as not a number.
 */
const WHOLE_NUMBER = String.raw`^\s*[-+]?\d{1,9}\s*$`

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

/**
 * SQL for the value of each column, from the staging row `s`. The fast pass casts directly, so a
 * value that does not parse raises and the caller reruns the statement as the careful pass,
 * which tests before it casts; a clean file pays for no tests. Booleans are matched, never
 * cast: PostgreSQL's boolean also takes "yes" and "on", which the format does not write. A time
 * must begin with a digit, so that the words a timestamptz cast also takes ("now", "epoch",
 * "infinity") are bad values rather than instants.
 */
function columnExpressions(header: StatusFileHeader, careful: boolean) {
  const raw = (column: StatusColumn) => `s.${stagingColumn(header.positions[column])}`
  const text = (column: StatusColumn) => `nullif(${raw(column)}, '')`
  const time = (value: string) =>
    `case when ascii(${value}) between 48 and 57 then ${
      careful ? `pg_temp.status_try_timestamptz(${value})` : `(${value})::timestamptz`
    } end`
  const count = (column: StatusColumn) =>
    careful
      ? `case when ${raw(column)} ~ ${literal(WHOLE_NUMBER)} then ${raw(column)}::integer end`
      : `${text(column)}::integer`
  // The format's own 0 and 1 first: lower(btrim()) on every flag cost 0.2 s of the week.
  const flag = (column: StatusColumn) =>
    `case ${raw(column)} when '1' then true when '0' then false
       else case lower(btrim(${raw(column)})) when '1' then true when 'true' then true
                                              when '0' then false when 'false' then false end
     end`
  return { raw, text, time, count, flag }
}

/** The counts: [column, name in status_rows, required], in the file format's order. */
const COUNTS = [
  ['num_bikes_available', 'bikes', true],
  ['num_ebikes_available', 'ebikes', false],
  ['num_docks_available', 'docks', true],
  ['num_docks_disabled', 'docks_disabled', false],
  ['num_bikes_disabled', 'bikes_disabled', false],
] as const

/** The flags, all required: [column, name in status_rows]. */
const FLAGS = [
  ['is_installed', 'is_installed'],
  ['is_renting', 'is_renting'],
  ['is_returning', 'is_returning'],
] as const

/**
 * Why a typed row `p` is bad, or NULL: the first problem in the file's column order, in words
 * that name the column and quote the value.
 */
function rejectionReason(): string {
  const countChecks = COUNTS.map(([column, name, required]) => {
    const empty = required ? `when p.${name}_text is null then '${column} is empty'` : ''
    return `${empty}
            when p.${name}_text is not null and p.${name} is null
              then format('${column} "%s" is not a whole number', p.${name}_text)
            when p.${name} < 0 then format('negative ${column} %s', p.${name})`
  }).join('\n')
  const flagChecks = FLAGS.map(
    ([column, name]) => `when p.${name}_text is null then '${column} is empty'
            when p.${name} is null
              then format('${column} "%s" is not 0, 1, true or false', p.${name}_text)`,
  ).join('\n')
  return `case
            when p.poll_time_text is null then 'poll_time is empty'
            when p.poll_time is null
              then format('poll_time "%s" is not a date and time', p.poll_time_text)
            when p.station_id is null then 'station_id is empty'
            when p.last_reported_text is not null and p.last_reported is null
                 and not p.last_reported_sentinel
              then format('last_reported "%s" is neither a date and time nor a whole number',
                          p.last_reported_text)
            ${countChecks}
            ${flagChecks}
          end`
}

/**
 * Casts, judges and marks every staged row in one statement, into status_rows: the line, the
 * typed values, `known` (the system has the station) and `reason` (NULL for a good row; with
 * the row's fields as the file gave them for a bad one). Every later step reads this table
 * instead of casting again. `offset 0` keeps each layer a subquery of its own, so that every cast
 * runs once per row.
 *
 * last_reported: an ISO time; a whole number is the feed's raw value, epoch seconds from 1e9 on
 * and below it a sentinel (GBFS feeds send 0 or 86400 for "never"), stored as NULL. Seconds
 * beyond 1e11 (the year 5138) are no time at all.
 */
export async function createStatusRows(
  client: ImportConnection,
  header: StatusFileHeader,
  params: { systemId: string; careful: boolean },
): Promise<void> {
  const f = columnExpressions(header, params.careful)
  const columns = stagingColumns(header.columns.length)
  // The raw fields ride along and become an array for bad rows only: one for every row cost
  // 0.12 s of the week's 1.5 s.
  const rawFields = columns.map((c) => `s.${c} as raw_${c}`).join(', ')
  const fields = `array[${columns.map((c) => `p.raw_${c}`).join(', ')}]`
  const countColumns = COUNTS.map(
    ([column, name]) => `${f.text(column)} as ${name}_text, ${f.count(column)} as ${name}`,
  ).join(',\n')
  const flagColumns = FLAGS.map(
    ([column, name]) => `${f.text(column)} as ${name}_text, ${f.flag(column)} as ${name}`,
  ).join(',\n')
  await client.query(
    `create temp table status_rows on commit drop as
     select p.line, p.poll_time, p.station_id, p.last_reported, p.bikes, p.ebikes, p.docks,
            p.docks_disabled, p.bikes_disabled, p.is_installed, p.is_renting, p.is_returning,
            st.station_id is not null as known, j.reason,
            case when j.reason is not null then ${fields} end as fields
       from (select t.*,
                    case when t.last_reported_number is null then ${f.time('t.last_reported_text')}
                         when t.last_reported_number >= 1e9 and t.last_reported_number < 1e11
                           then to_timestamp(t.last_reported_number::double precision)
                    end as last_reported,
                    coalesce(t.last_reported_number < 1e9, false) as last_reported_sentinel
               from (select ${STAGING_LINE} as line,
                            ${rawFields},
                            ${f.text('poll_time')} as poll_time_text,
                            ${f.time(f.text('poll_time'))} as poll_time,
                            ${f.text('station_id')} as station_id,
                            ${f.text('last_reported')} as last_reported_text,
                            case when ${f.raw('last_reported')} ~ '^\\s*\\d+\\s*$'
                                 then ${f.raw('last_reported')}::numeric end
                              as last_reported_number,
                            ${countColumns},
                            ${flagColumns}
                       from status_staging s
                     offset 0) t
             offset 0) p
       left join stations st on st.system_id = $1 and st.station_id = p.station_id
      cross join lateral (select ${rejectionReason()} as reason) j`,
    [params.systemId],
  )
}

/**
 * The file's snapshots: each distinct poll_time of its good rows, numbered in time order (the
 * absences are runs of these numbers), with the rows of known stations it holds.
 */
export async function createFileSnapshots(client: ImportConnection): Promise<void> {
  await client.query(
    `create temp table status_file_snapshots on commit drop as
     select poll_time, row_number() over (order by poll_time)::integer as n,
            count(*) filter (where known)::integer as stations
       from status_rows
      where reason is null
      group by poll_time`,
  )
}

export interface FileSummary {
  rowsRejected: number
  rowsUnknownStation: number
  /** Ids of unknown stations, those with most rows first (at most 5). */
  unknownStationExamples: string[]
  snapshots: number
  firstSnapshotAt: Date | null
  lastSnapshotAt: Date | null
  medianSpacingSeconds: number | null
  /** Local days of the system [from, to) the snapshots fall on; null without snapshots. */
  days: { from: string; to: string } | null
}

/**
 * What the typed rows add up to before anything is written. The days are the system's own:
 * the local date of the first snapshot to the day after the last's, on its clock.
 */
export async function summariseFile(
  client: ImportConnection,
  systemId: string,
): Promise<FileSummary> {
  const { rows } = await client.query<{
    rejected: number
    unknown_station: number
    unknown_examples: string[]
    snapshots: number
    first_at: Date | null
    last_at: Date | null
    median_spacing: number | null
    from_day: string | null
    to_day: string | null
  }>(
    `with counts as (
       select count(*) filter (where reason is not null)::integer as rejected,
              count(*) filter (where reason is null and not known)::integer as unknown_station
         from status_rows
     ),
     span as (
       select count(*)::integer as snapshots, min(poll_time) as first_at,
              max(poll_time) as last_at
         from status_file_snapshots
     ),
     spacing as (
       select percentile_cont(0.5) within group (order by seconds) as median_spacing
         from (select extract(epoch from poll_time - lag(poll_time) over (order by n))::float8
                        as seconds
                 from status_file_snapshots) gaps
        where seconds is not null
     ),
     zone as (select timezone from systems where system_id = $1)
     select counts.*, span.*, spacing.median_spacing,
            array(select station_id from status_rows
                   where reason is null and not known
                   group by station_id order by count(*) desc, station_id limit 5)
              as unknown_examples,
            to_char((span.first_at at time zone zone.timezone)::date, 'YYYY-MM-DD') as from_day,
            to_char((span.last_at at time zone zone.timezone)::date + 1, 'YYYY-MM-DD') as to_day
       from counts, span, spacing, zone`,
    [systemId],
  )
  const row = rows[0]
  if (!row) throw new Error(`system ${systemId} vanished during the import`)
  return {
    rowsRejected: row.rejected,
    rowsUnknownStation: row.unknown_station,
    unknownStationExamples: row.unknown_examples,
    snapshots: row.snapshots,
    firstSnapshotAt: row.first_at,
    lastSnapshotAt: row.last_at,
    medianSpacingSeconds: row.median_spacing,
    days: row.from_day && row.to_day ? { from: row.from_day, to: row.to_day } : null,
  }
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

/** Makes the monthly station_status partitions the snapshots fall in (a no-op when they exist). */
export async function ensurePartitions(
  client: ImportConnection,
  range: { first: Date; last: Date },
): Promise<void> {
  await client.query('select ensure_station_status_partitions($1, $2)', [range.first, range.last])
}

export interface WrittenHistory {
  /** Good rows of known stations. */
  rowsListed: number
  /** Of those, rows where the station changed (or was listed again after an absence). */
  rowsChanged: number
  /** Of those, rows station_status did not have yet: what was written. */
  rowsWritten: number
  stations: number
  absences: number
  snapshotsWritten: number
}

/**
 * The one statement that writes the history, from status_rows and status_file_snapshots:
 *
 * - station_status: per station, a row only where it differs from the station's previous row
 *   in the file (the poller's rule: counts, flags or last_reported changed), or where the
 *   station is listed again after snapshots that left it out (the poller writes a station that
 *   comes back, too). Rows go in time order, which is what the BRIN index on ts wants; a row
 *   the table already has (a poll, an earlier import of other bytes) is left as it is.
 * - station_status_absences: each run of snapshots that left a station out after its first
 *   listing, from the first snapshot without it to the next that lists it; a station never
 *   listed again is unknown until the file's last snapshot + 1 second. A rejected row leaves
 *   its station out of that snapshot too: its numbers then are not known.
 * - status_snapshots: one per snapshot, with the rows of known stations it held.
 *
 * station_status_latest is not touched: an imported week is history, not live numbers.
 * Measured on the Bay Wheels week (437,945 rows written of 454,443; last_reported moves at
 * nearly every poll), 2 shared cores: 6.9-7.9 s. Under EXPLAIN ANALYZE the insert takes 3.7 s,
 * its foreign key's per-row check on stations 2.1 s (a trigger per row; only a schema change
 * could make it one check per statement, as trips have) and the window over the rows 1.2 s.
 */
export async function writeHistory(
  client: ImportConnection,
  params: { systemId: string; importId: number },
): Promise<WrittenHistory> {
  const { rows } = await client.query<{
    listed: number
    changed: number
    written: number
    stations: number
    absences: number
    snapshots: number
  }>(
    `with listed as materialized (
       select r.station_id, r.poll_time, r.last_reported, r.bikes, r.ebikes, r.docks,
              r.docks_disabled, r.bikes_disabled, r.is_installed, r.is_renting, r.is_returning,
              sn.n, lag(sn.n) over w as previous_n, lead(sn.n) over w is null as last_listing,
              lag(sn.n) over w is null
              or lag(sn.n) over w < sn.n - 1
              or (r.last_reported, r.bikes, r.ebikes, r.docks, r.docks_disabled,
                  r.bikes_disabled, r.is_installed, r.is_renting, r.is_returning)
                 is distinct from
                 (lag(r.last_reported) over w, lag(r.bikes) over w, lag(r.ebikes) over w,
                  lag(r.docks) over w, lag(r.docks_disabled) over w, lag(r.bikes_disabled) over w,
                  lag(r.is_installed) over w, lag(r.is_renting) over w, lag(r.is_returning) over w)
                as changed
         from status_rows r
         join status_file_snapshots sn using (poll_time)
        where r.reason is null and r.known
       window w as (partition by r.station_id order by r.poll_time, r.line)
     ),
     written as (
       insert into station_status (system_id, station_id, ts, last_reported, num_bikes_available,
                                   num_ebikes_available, num_docks_available, num_bikes_disabled,
                                   num_docks_disabled, is_installed, is_renting, is_returning)
       select $1, station_id, poll_time, last_reported, bikes, ebikes, docks, bikes_disabled,
              docks_disabled, is_installed, is_renting, is_returning
         from listed
        where changed
        order by poll_time, station_id
       on conflict (system_id, station_id, ts) do nothing
       returning 1
     ),
     gaps as (
       select l.station_id, after.poll_time as since, l.poll_time as until
         from listed l
         join status_file_snapshots after on after.n = l.previous_n + 1
        where l.previous_n < l.n - 1
       union all
       select l.station_id, after.poll_time,
              (select max(poll_time) from status_file_snapshots) + interval '1 second'
         from listed l
         join status_file_snapshots after on after.n = l.n + 1
        where l.last_listing
     ),
     absences as (
       insert into station_status_absences (system_id, station_id, since, until)
       select $1, station_id, since, until from gaps
       on conflict (system_id, station_id, since) do nothing
       returning 1
     ),
     snapshots as (
       insert into status_snapshots (system_id, observed_at, source, import_id, stations)
       select $1, poll_time, 'import', $2, stations from status_file_snapshots
       on conflict (system_id, observed_at) do nothing
       returning 1
     )
     select (select count(*) from listed)::integer as listed,
            (select count(*) from listed where changed)::integer as changed,
            (select count(*) from written)::integer as written,
            (select count(*) from listed where previous_n is null)::integer as stations,
            (select count(*) from absences)::integer as absences,
            (select count(*) from snapshots)::integer as snapshots`,
    [params.systemId, params.importId],
  )
  const row = rows[0]
  return {
    rowsListed: row?.listed ?? 0,
    rowsChanged: row?.changed ?? 0,
    rowsWritten: row?.written ?? 0,
    stations: row?.stations ?? 0,
    absences: row?.absences ?? 0,
    snapshotsWritten: row?.snapshots ?? 0,
  }
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
