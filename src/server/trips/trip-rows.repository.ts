import { literal, STAGING_LINE, stagingColumn, stagingColumns } from '../imports/csv-staging.js'
import type { ImportConnection } from '../imports/import-connection.js'
import type { TripField, TripFileHeader } from './formats.js'
import { fieldColumn } from './trip-stations.repository.js'

/**
 * The careful way in: a file read into trip_staging (../imports/csv-staging.ts), cast, mapped
 * (trip_station_lookup), judged and inserted into trips by one statement, its bad rows kept in
 * trip_import_errors. Taken by a file with bad values (or a pipe, which cannot be read twice);
 * a clean file is copied straight into its own table instead (trip-table.repository.ts).
 */

/** What either way of importing (this one, or trip-table's copy) counts over the trips it wrote. */
export interface InsertedTrips {
  imported: number
  unmatchedTrips: number
  firstStartedAt: Date | null
  lastStartedAt: Date | null
  lastEndedAt: Date | null
}

/** Those counts as the SQL of both ways names them. */
export interface TripCountsRow {
  imported: number
  unmatched_trips: number
  first_started_at: Date | null
  last_started_at: Date | null
  last_ended_at: Date | null
}

export function insertedTrips(row: TripCountsRow | undefined): InsertedTrips {
  return {
    imported: row?.imported ?? 0,
    unmatchedTrips: row?.unmatched_trips ?? 0,
    firstStartedAt: row?.first_started_at ?? null,
    lastStartedAt: row?.last_started_at ?? null,
    lastEndedAt: row?.last_ended_at ?? null,
  }
}

/** Numbers a plain cast always accepts: the careful pass tests before it casts. */
const WHOLE_NUMBER = String.raw`^\s*[-+]?\d{1,9}(\.\d*)?\s*$`
const DECIMAL_NUMBER = String.raw`^\s*[-+]?\d{1,3}(\.\d*)?([eE][-+]?\d{1,2})?\s*$`

/**
 * SQL for the value of each field. The fast pass casts directly: a value that does not parse
 * raises, and the caller reruns the statement as the careful pass, which tests before it casts
 * (numbers by pattern, dates with try_timestamp). A clean month pays for no tests at all.
 */
function fieldExpressions(header: TripFileHeader, careful: boolean) {
  const present = (field: TripField): string | null => {
    const index = header.fieldColumns[field]
    return index === undefined ? null : `nullif(nullif(s.${stagingColumn(index)}, ''), 'NULL')`
  }
  const text = (field: TripField) => present(field) ?? 'null::text'
  const time = (field: TripField) =>
    careful ? `try_timestamp(${text(field)})` : `(${text(field)})::timestamp`
  // Files write whole seconds; "598.0" would send the file down the careful pass, which
  // truncates it.
  const wholeNumber = (field: TripField) => {
    const value = present(field)
    if (!value) return 'null::integer'
    return careful
      ? `case when ${value} ~ ${literal(WHOLE_NUMBER)} then trunc((${value})::numeric)::integer end`
      : `(${value})::integer`
  }
  const decimal = (field: TripField) => {
    const value = present(field)
    if (!value) return 'null::double precision'
    return careful
      ? `case when ${value} ~ ${literal(DECIMAL_NUMBER)} then (${value})::double precision end`
      : `(${value})::double precision`
  }
  return { present, text, time, wholeNumber, decimal }
}

/** The file's own name for a field, for reasons a person reads next to the file. */
function columnName(header: TripFileHeader, field: TripField): string {
  const index = header.fieldColumns[field]
  return index === undefined ? field : (header.columns[index] ?? field)
}

/**
 * The file's rows, cast, mapped and judged: a `parsed` CTE with one row per staging row and a
 * `reason` that is NULL for a good trip; with `rejections`, also each row's line and its fields
 * as the file gave them. `offset 0` keeps a layer a subquery of its own, so that every cast runs
 * once per row: the casts and lookups, then the instants, then the judgement (the four layers
 * this replaced measured 0-50 ms slower for the month, within the noise of a shared machine).
 *
 * Local times: a trip reads as PostgreSQL reads a local time (AT TIME ZONE), which in the hour
 * repeated when daylight time ends is the later instant. A trip whose reading disagrees with
 * its duration by a whole number of half hours, or that would end before it starts, is read
 * again with trip_instants(), which tries every instant its start and end can mean; it is given
 * the local times back from the default instants (the same local times, or for a time in the
 * hour skipped in spring the one PostgreSQL moved it to, which has the same single reading).
 * `tz` is the placeholder of the time zone parameter.
 */
function parsedTrips(
  header: TripFileHeader,
  careful: boolean,
  tz: string,
  rejections = false,
): string {
  const f = fieldExpressions(header, careful)
  const name = (field: TripField) => literal(columnName(header, field))
  const startValue = fieldColumn(header, 'start_station_id')
  const endValue = fieldColumn(header, 'end_station_id')
  const fields = `array[${stagingColumns(header.columns.length)
    .map((c) => `s.${c}`)
    .join(', ')}]`
  // Seconds by which the default reading misses the file's duration (floor(end - start)).
  const miss = `(date_part('epoch', p.end_default - p.start_default) - p.duration_sec)`
  const reread = `case
                   when p.start_default is null or p.end_default is null then false
                   when p.duration_sec is null then p.end_default < p.start_default
                   else abs(${miss}) > 2
                    and abs(${miss}) + 2 - 1800 * floor((abs(${miss}) + 2) / 1800) <= 4
                 end`
  const instants = `trip_instants(p.start_default at time zone ${tz}, p.end_default at time zone ${tz},
                                  p.duration_sec, ${tz})`
  return `
parsed as (
  select t.*,
         case
           when start_default is null then ${name('started_at')} || ' '
             || coalesce('"' || start_text || '" is not a date and time', 'is empty')
           when end_default is null then ${name('ended_at')} || ' '
             || coalesce('"' || end_text || '" is not a date and time', 'is empty')
           when duration_text is not null and duration_sec is null then ${name('duration_sec')}
             || ' "' || duration_text || '" is not a number'
           when duration_sec < 0 then 'negative ' || ${name('duration_sec')} || ' ' || duration_sec
           when ended_at < started_at then 'ends (' || end_text || ') before it starts ('
             || start_text || ')'
         end as reason
    from (
      select p.*,
             case when ${reread} then (${instants}).started_at else p.start_default end as started_at,
             case when ${reread} then (${instants}).ended_at else p.end_default end as ended_at
        from (
          select ${rejections ? `${STAGING_LINE} as line, ${fields} as fields,` : ''}
                 ${f.text('started_at')} as start_text,
                 ${f.text('ended_at')} as end_text,
                 ${f.time('started_at')} at time zone ${tz} as start_default,
                 ${f.time('ended_at')} at time zone ${tz} as end_default,
                 ${f.text('duration_sec')} as duration_text,
                 ${f.wholeNumber('duration_sec')} as duration_sec,
                 ls.raw as start_raw,
                 le.raw as end_raw,
                 ls.station_id as start_station_id,
                 le.station_id as end_station_id,
                 ${f.text('start_station_name')} as start_station_name,
                 ${f.text('end_station_name')} as end_station_name,
                 ${f.decimal('start_lat')} as start_lat_read,
                 ${f.decimal('start_lon')} as start_lon_read,
                 ${f.decimal('end_lat')} as end_lat_read,
                 ${f.decimal('end_lon')} as end_lon_read,
                 ${f.text('ride_id')} as ride_id,
                 ${f.text('rideable_type')} as rideable_type,
                 ${f.text('member_type')} as member_type,
                 ${f.text('bike_id')} as bike_id
            from trip_staging s
            left join trip_station_lookup ls on ls.value = ${startValue}
            left join trip_station_lookup le on le.value = ${endValue}
          offset 0) p
      offset 0) t
)`
}

/**
 * The one set-based statement of an import: writes the good trips. `parsed` is read once, so it
 * streams: routing bad rows to trip_import_errors in the same statement would make PostgreSQL
 * materialise all of it (0.8 s more for the month); insertRejections does that in a second pass,
 * only for a file that has bad rows. The quarter-hour counts are added later from the trips
 * themselves (addTableFlows): counting them here, from the RETURNING rows, cost 0.18 s of the
 * month's insert.
 */
export async function insertTrips(
  client: ImportConnection,
  header: TripFileHeader,
  params: {
    importId: number
    systemId: string
    timeZone: string
    careful: boolean
    /** The import's own table (trip-table.repository.ts), attached to trips at the end. */
    table: string
  },
): Promise<InsertedTrips> {
  const sql = `
with ${parsedTrips(header, params.careful, '$3')},
inserted as (
  insert into ${params.table} (system_id, import_id, ride_id, started_at, ended_at, duration_sec,
                     start_station_id, end_station_id, start_station_raw, end_station_raw,
                     start_station_name, end_station_name, start_lat, start_lon, end_lat, end_lon,
                     rideable_type, member_type, bike_id)
  select $2, $1, ride_id, started_at, ended_at, duration_sec,
         start_station_id, end_station_id, start_raw, end_raw,
         start_station_name, end_station_name,
         -- Out-of-range positions are dropped, not the trip: its stations and times still count.
         case when start_lat_read between -90 and 90 then start_lat_read end,
         case when start_lon_read between -180 and 180 then start_lon_read end,
         case when end_lat_read between -90 and 90 then end_lat_read end,
         case when end_lon_read between -180 and 180 then end_lon_read end,
         rideable_type, member_type, bike_id
    from parsed where reason is null
  returning started_at, ended_at,
            (start_station_id is null and start_station_raw is not null)
         or (end_station_id is null and end_station_raw is not null) as unmatched
)
select count(*)::int as imported,
       count(*) filter (where unmatched)::int as unmatched_trips,
       min(started_at) as first_started_at,
       max(started_at) as last_started_at,
       max(ended_at) as last_ended_at
  from inserted`

  const { rows } = await client.query<TripCountsRow>(sql, [
    params.importId,
    params.systemId,
    params.timeZone,
  ])
  return insertedTrips(rows[0])
}

/** Keeps the rows insertTrips left out, with their line, reason and fields as the file gave them. */
export async function insertRejections(
  client: ImportConnection,
  header: TripFileHeader,
  params: { importId: number; timeZone: string; careful: boolean },
): Promise<number> {
  const result = await client.query(
    `with ${parsedTrips(header, params.careful, '$2', true)}
     insert into trip_import_errors (import_id, line, reason, fields)
     select $1, p.line, p.reason, p.fields
       from parsed p
      where p.reason is not null`,
    [params.importId, params.timeZone],
  )
  return result.rowCount ?? 0
}
