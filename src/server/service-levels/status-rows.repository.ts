import { literal, stagingColumn, stagingColumns } from '../imports/csv-staging.js'
import type { ImportConnection } from '../imports/import-connection.js'
import type { StatusColumn } from '../gbfs/status-history-columns.js'
import type { StatusFileHeader } from './status-file.js'

/**
 * A status history's rows typed and judged (status_rows), its snapshots, and what they add up
 * to, from status_staging (../imports/csv-staging.ts), before anything is written.
 */

/**
 * Whole numbers a plain integer cast accepts: the careful pass tests before it casts. Signed,
 * so that "-3" reads as a negative count rather than as not a number.
 */
const WHOLE_NUMBER = String.raw`^\s*[-+]?\d{1,9}\s*$`

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
               from (select s.line,
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
