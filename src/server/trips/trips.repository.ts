import { STATION_KEYS, type StationKey } from '../../shared/trips.js'
import { literal, STAGING_LINE, stagingColumn, stagingColumns } from '../imports/csv-staging.js'
import type { ImportConnection } from '../imports/import-connection.js'
import type { TripField, TripFileHeader } from './formats.js'

/**
 * All SQL of a trip import but its staging (../imports/csv-staging.ts), which leaves the file's
 * rows in trip_staging. It runs on the import's own connection, inside one transaction that the
 * caller opens and ends.
 */

/** The quarter-hour grid of station_flows (0001: cut on the UTC quarter hour). */
const FLOW_BIN = `date_bin('15 minutes', %s, timestamptz '2000-01-01 00:00:00+00')`

function flowBin(expression: string): string {
  return FLOW_BIN.replace('%s', expression)
}

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

export async function findImportByHash(
  client: ImportConnection,
  systemId: string,
  sha256: string,
): Promise<PreviousImport | null> {
  const { rows } = await client.query<{
    import_id: string
    file_name: string
    imported_at: Date
    rows_imported: number
  }>(
    `select import_id::text, file_name, imported_at, rows_imported
       from trip_imports where system_id = $1 and content_sha256 = $2`,
    [systemId, sha256],
  )
  const row = rows[0]
  return row
    ? {
        importId: Number(row.import_id),
        fileName: row.file_name,
        importedAt: row.imported_at,
        rowsImported: row.rows_imported,
      }
    : null
}

/** The staging column of a field, or NULL for a format without it. */
function fieldColumn(header: TripFileHeader, field: TripField): string {
  const index = header.fieldColumns[field]
  return index === undefined ? 'null::text' : `s.${stagingColumn(index)}`
}

export interface StationMatch {
  key: StationKey | null
  /** Distinct station ids the file names. */
  ids: number
  matched: number
  /** Ids that matched nothing, most used first (at most 10). */
  unmatched: { id: string; tripEnds: number }[]
}

/**
 * The stations column that matches most of the ids in `idsTable` (a temporary table with a
 * `raw` column); null when none matches any. Ties go to the first in STATION_KEYS' order.
 */
async function bestStationKey(
  client: ImportConnection,
  systemId: string,
  idsTable: string,
): Promise<StationKey | null> {
  const { rows } = await client.query<Record<StationKey, number>>(
    `select ${STATION_KEYS.map(
      (key) =>
        `count(*) filter (where exists (select 1 from stations st
           where st.system_id = $1 and st.${key} = i.raw))::int as ${key}`,
    ).join(',\n')}
       from ${idsTable} i`,
    [systemId],
  )
  const row = rows[0]
  let key: StationKey | null = null
  let best = 0
  for (const candidate of STATION_KEYS) {
    if (row && row[candidate] > best) {
      best = row[candidate]
      key = candidate
    }
  }
  return key
}

/**
 * `mapTable` (raw -> station_id) for the ids in `idsTable`. Several stations can share an old
 * number (one retired, one live): the live one, last seen, wins.
 */
async function buildStationMap(
  client: ImportConnection,
  systemId: string,
  key: StationKey | null,
  idsTable: string,
  mapTable: string,
): Promise<number> {
  if (key) {
    await client.query(
      `create temp table ${mapTable} on commit drop as
       select distinct on (st.${key}) st.${key} as raw, st.station_id
         from stations st
        where st.system_id = $1 and st.${key} in (select raw from ${idsTable})
        order by st.${key}, st.is_active desc, st.last_seen_at desc`,
      [systemId],
    )
  } else {
    await client.query(`create temp table ${mapTable} (raw text, station_id text) on commit drop`)
  }
  await client.query(`analyze ${mapTable}`)
  const { rows } = await client.query<{ n: number }>(`select count(*)::int as n from ${mapTable}`)
  return rows[0]?.n ?? 0
}

/**
 * Matches the file's station ids against one column of the system's stations: the column that
 * matches most of them (a 2018 Ford GoBike month matches station_id, a Lyft file short_name, an
 * old file against a 2022+ feed legacy_id). One column for the whole file, never a mix per id:
 * in the 2023 Bay Wheels feed short numeric station_ids ("361") coexist with legacy_ids of
 * other stations.
 *
 * Builds trip_station_lookup: every distinct station field of the file, as written, with the id
 * it means (trimmed; "" and the literal NULL mean none) and the station that id matched. The
 * insert joins on the text as written: cleaning the ids of every row cost 90 ms of the month.
 * The values are counted by (start, end) pair first (14k pairs for a month): 50 ms in the
 * import, where counting the 213k values one by one took 80 ms.
 */
export async function matchStations(
  client: ImportConnection,
  header: TripFileHeader,
  systemId: string,
  forcedKey: StationKey | null,
): Promise<StationMatch> {
  await client.query(
    `create temp table trip_station_values on commit drop as
     select value, nullif(nullif(btrim(value), ''), 'NULL') as raw, sum(trips)::int as trip_ends
       from (select ${fieldColumn(header, 'start_station_id')} as start_value,
                    ${fieldColumn(header, 'end_station_id')} as end_value, count(*) as trips
               from trip_staging s group by 1, 2) pairs
      cross join lateral (values (start_value), (end_value)) ids (value)
      where value is not null
      group by value`,
  )
  await client.query(
    `create temp table trip_station_ids on commit drop as
     select raw, sum(trip_ends)::int as trip_ends
       from trip_station_values where raw is not null group by raw`,
  )
  const key = forcedKey ?? (await bestStationKey(client, systemId, 'trip_station_ids'))
  const matched = await buildStationMap(
    client,
    systemId,
    key,
    'trip_station_ids',
    'trip_station_map',
  )
  await client.query(
    `create temp table trip_station_lookup on commit drop as
     select v.value, v.raw, m.station_id
       from trip_station_values v left join trip_station_map m on m.raw = v.raw`,
  )
  await client.query('analyze trip_station_lookup')
  const ids = await client.query<{ n: number }>('select count(*)::int as n from trip_station_ids')
  const unmatched = await client.query<{ raw: string; trip_ends: number }>(
    `select raw, trip_ends from trip_station_ids i
      where not exists (select 1 from trip_station_map m where m.raw = i.raw)
      order by trip_ends desc, raw limit 10`,
  )
  return {
    key,
    ids: ids.rows[0]?.n ?? 0,
    matched,
    unmatched: unmatched.rows.map((r) => ({ id: r.raw, tripEnds: r.trip_ends })),
  }
}

export interface NewImport {
  systemId: string
  fileName: string
  sha256: string
  format: string
  timeZone: string
  stationKey: StationKey | null
}

/** The import's row, with its counts filled in by finishImport in the same transaction. */
export async function insertImport(client: ImportConnection, created: NewImport): Promise<number> {
  const { rows } = await client.query<{ import_id: string }>(
    `insert into trip_imports (system_id, file_name, content_sha256, format, timezone, station_key,
                               rows_read, rows_imported, rows_rejected, station_ids,
                               station_ids_matched, trips_unmatched, bytes, seconds)
     values ($1, $2, $3, $4, $5, $6, 0, 0, 0, 0, 0, 0, 0, 0)
     returning import_id::text`,
    [
      created.systemId,
      created.fileName,
      created.sha256,
      created.format,
      created.timeZone,
      created.stationKey,
    ],
  )
  return Number(rows[0]?.import_id)
}

export interface InsertedTrips {
  imported: number
  unmatchedTrips: number
  firstStartedAt: Date | null
  lastStartedAt: Date | null
  lastEndedAt: Date | null
  /** The trip_ids the insert took (bigint, as text): the range addImportFlows reads back. */
  tripIds: { first: string; last: string } | null
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
 * themselves (addImportFlows): counting them here, from the RETURNING rows, cost 0.18 s of the
 * month's insert.
 */
export async function insertTrips(
  client: ImportConnection,
  header: TripFileHeader,
  params: { importId: number; systemId: string; timeZone: string; careful: boolean },
): Promise<InsertedTrips> {
  const sql = `
with ${parsedTrips(header, params.careful, '$3')},
inserted as (
  insert into trips (system_id, import_id, ride_id, started_at, ended_at, duration_sec,
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
  returning trip_id, started_at, ended_at,
            (start_station_id is null and start_station_raw is not null)
         or (end_station_id is null and end_station_raw is not null) as unmatched
)
select count(*)::int as imported,
       count(*) filter (where unmatched)::int as unmatched_trips,
       min(started_at) as first_started_at,
       max(started_at) as last_started_at,
       max(ended_at) as last_ended_at,
       min(trip_id)::text as first_trip_id,
       max(trip_id)::text as last_trip_id
  from inserted`

  const { rows } = await client.query<{
    imported: number
    unmatched_trips: number
    first_started_at: Date | null
    last_started_at: Date | null
    last_ended_at: Date | null
    first_trip_id: string | null
    last_trip_id: string | null
  }>(sql, [params.importId, params.systemId, params.timeZone])
  const row = rows[0]
  return {
    imported: row?.imported ?? 0,
    unmatchedTrips: row?.unmatched_trips ?? 0,
    firstStartedAt: row?.first_started_at ?? null,
    lastStartedAt: row?.last_started_at ?? null,
    lastEndedAt: row?.last_ended_at ?? null,
    tripIds:
      row?.first_trip_id && row.last_trip_id
        ? { first: row.first_trip_id, last: row.last_trip_id }
        : null,
  }
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

/**
 * The writers of one system's station_flows take turns (imports, remaps, a rebuild), from their
 * flows step to their commit: a second import of the same system waits about a second. That
 * lets an import that adds new bins insert them plainly (below), and no two writers can
 * deadlock over the same bins.
 */
export async function lockFlows(client: ImportConnection, systemId: string): Promise<void> {
  await client.query(`select pg_advisory_xact_lock(hashtext('station_flows'), hashtext($1))`, [
    systemId,
  ])
}

/**
 * Adds quarter-hour counts to station_flows, under lockFlows: the cost grows with the trips just
 * written, not with the history. `events` is a query of (station_id, time_bin, outflow, inflow)
 * rows ($1 is the system, `params` follow), all of them within the bins of [first, last]. When
 * none of the system's bins in that range exists yet (a new month, the usual case) the counts
 * are inserted plainly; otherwise they are added to the existing ones. Month of 123k bins:
 * 0.5-0.7 s inserted, 1.2-1.5 s through ON CONFLICT. Rows go in time order, which is what the
 * BRIN index on time_bin wants.
 */
async function addFlows(
  client: ImportConnection,
  systemId: string,
  events: string,
  params: unknown[],
  range: { first: Date; last: Date },
): Promise<number> {
  const { rows } = await client.query<{ overlap: boolean }>(
    `select exists (select 1 from station_flows
                     where system_id = $1
                       and time_bin >= ${flowBin('$2::timestamptz')}
                       and time_bin <= ${flowBin('$3::timestamptz')}) as overlap`,
    [systemId, range.first, range.last],
  )
  const counts = `
    insert into station_flows (system_id, station_id, time_bin, outflow, inflow)
    select $1, station_id, time_bin, sum(outflow), sum(inflow)
      from (select station_id collate "C" as station_id, time_bin, outflow, inflow
              from (${events}) events) events
     -- grouped in the order of the insert: one sort serves both
     group by time_bin, station_id
     order by time_bin, station_id`
  const result = await client.query(
    rows[0]?.overlap
      ? `${counts}
         on conflict (system_id, station_id, time_bin) do update
            set outflow = station_flows.outflow + excluded.outflow,
                inflow = station_flows.inflow + excluded.inflow`
      : counts,
    [systemId, ...params],
  )
  return result.rowCount ?? 0
}

/** Adds trip_new_flows (a remap's counts) to station_flows; see addFlows. */
export async function addNewFlows(client: ImportConnection, systemId: string): Promise<number> {
  const { rows } = await client.query<{ first: Date | null; last: Date | null }>(
    'select min(time_bin) as first, max(time_bin) as last from trip_new_flows',
  )
  const range = rows[0]
  let added = 0
  if (range?.first && range.last) {
    added = await addFlows(
      client,
      systemId,
      'select station_id, time_bin, outflow, inflow from trip_new_flows',
      [],
      { first: range.first, last: range.last },
    )
  }
  await client.query('truncate trip_new_flows')
  return added
}

/**
 * Adds the counts of one import's trips to station_flows, read back from trips by the trip_ids
 * the insert took (a range of the primary key that holds those trips, and only trips of imports
 * that ran at the same time besides). One aggregation straight into station_flows; see addFlows.
 */
export async function addImportFlows(
  client: ImportConnection,
  systemId: string,
  imported: {
    importId: number
    tripIds: { first: string; last: string }
    firstStartedAt: Date
    lastEndedAt: Date
  },
): Promise<number> {
  const trips = `from trips
                 where trip_id between $3::bigint and $4::bigint
                   and system_id = $1 and import_id = $2`
  return addFlows(
    client,
    systemId,
    `select start_station_id as station_id, ${flowBin('started_at')} as time_bin,
            1 as outflow, 0 as inflow
       ${trips} and start_station_id is not null
     union all
     select end_station_id, ${flowBin('ended_at')}, 0, 1
       ${trips} and end_station_id is not null`,
    [imported.importId, imported.tripIds.first, imported.tripIds.last],
    // Trips end after they start: every bin lies from the first start's to the last end's.
    { first: imported.firstStartedAt, last: imported.lastEndedAt },
  )
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

/** trip_new_flows, for an import and for a remap alike. */
export async function createNewFlows(client: ImportConnection): Promise<void> {
  await client.query(
    `create temp table if not exists trip_new_flows (
       station_id text not null, time_bin timestamptz not null,
       outflow integer not null, inflow integer not null
     ) on commit drop`,
  )
}

const UNMATCHED = `((start_station_id is null and start_station_raw is not null)
                or (end_station_id is null and end_station_raw is not null))`

export interface UnmatchedImport {
  importId: number
  stationKey: StationKey | null
}

/** Imports of a system that kept trips whose station ids matched nothing (trips_unmatched_idx). */
export async function importsWithUnmatchedTrips(
  client: ImportConnection,
  systemId: string,
): Promise<UnmatchedImport[]> {
  const { rows } = await client.query<{ import_id: string; station_key: StationKey | null }>(
    `select i.import_id::text, i.station_key
       from trip_imports i
      where i.system_id = $1
        and exists (select 1 from trips t
                     where t.system_id = $1 and t.import_id = i.import_id and ${UNMATCHED})
      order by i.import_id`,
    [systemId],
  )
  return rows.map((r) => ({ importId: Number(r.import_id), stationKey: r.station_key }))
}

export interface Remapped {
  stationKey: StationKey | null
  tripEnds: number
}

/**
 * Maps the kept-but-unmatched trips of one import to stations that exist now (a feed was polled,
 * or a station file loaded, after the import), with the import's own stations column (or the
 * best one, if it had none), and adds their counts to trip_new_flows.
 */
export async function remapImport(
  client: ImportConnection,
  systemId: string,
  unmatched: UnmatchedImport,
): Promise<Remapped> {
  const params = [systemId, unmatched.importId]
  await client.query('drop table if exists remap_ids, remap_map')
  await client.query(
    `create temp table remap_ids on commit drop as
     select start_station_raw as raw from trips
      where system_id = $1 and import_id = $2
        and start_station_id is null and start_station_raw is not null
     union
     select end_station_raw from trips
      where system_id = $1 and import_id = $2
        and end_station_id is null and end_station_raw is not null`,
    params,
  )
  const key = unmatched.stationKey ?? (await bestStationKey(client, systemId, 'remap_ids'))
  const found = await buildStationMap(client, systemId, key, 'remap_ids', 'remap_map')
  if (found === 0) return { stationKey: key, tripEnds: 0 }

  await createNewFlows(client)
  await client.query('truncate trip_new_flows')
  await client.query(
    `with mapped as (
       update trips t set start_station_id = m.station_id
         from remap_map m
        where t.system_id = $1 and t.import_id = $2 and t.start_station_id is null
          and t.start_station_raw is not null and t.start_station_raw = m.raw
       returning t.start_station_id, t.started_at)
     insert into trip_new_flows (station_id, time_bin, outflow, inflow)
     select start_station_id, ${flowBin('started_at')}, count(*), 0 from mapped group by 1, 2`,
    params,
  )
  await client.query(
    `with mapped as (
       update trips t set end_station_id = m.station_id
         from remap_map m
        where t.system_id = $1 and t.import_id = $2 and t.end_station_id is null
          and t.end_station_raw is not null and t.end_station_raw = m.raw
       returning t.end_station_id, t.ended_at)
     insert into trip_new_flows (station_id, time_bin, outflow, inflow)
     select end_station_id, ${flowBin('ended_at')}, 0, count(*) from mapped group by 1, 2`,
    params,
  )
  const moved = await client.query<{ ends: number }>(
    `select coalesce(sum(outflow + inflow), 0)::int as ends from trip_new_flows`,
  )
  await client.query(
    `update trip_imports
        set station_key = coalesce(station_key, $3),
            station_ids_matched = least(station_ids, station_ids_matched + $4),
            trips_unmatched = (select count(*) from trips
                                where system_id = $1 and import_id = $2 and ${UNMATCHED})
      where import_id = $2`,
    [...params, key, found],
  )
  return { stationKey: key, tripEnds: moved.rows[0]?.ends ?? 0 }
}
