import { parse } from 'csv-parse/sync'
import type { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { from as copyFrom } from 'pg-copy-streams'
import { literal } from '../imports/csv-staging.js'
import type { ImportConnection } from '../imports/import-connection.js'
import type { TripField, TripFileHeader } from './formats.js'
import { insertedTrips, type InsertedTrips, type TripCountsRow } from './trip-rows.repository.js'
import { jsonbConstant, stationRaw } from './trip-stations.repository.js'

/**
 * The usual way in: a trip file copied straight into a table of its own (trips_import_<id>),
 * which becomes the import's partition of trips when it is attached at the end. COPY parses and
 * types every value (in the system's time zone) and the rows' station ids are mapped as they
 * arrive, by generated columns looking them up in a constant of the system's stations; so the
 * rows are written once, where they stay. A value COPY cannot read, or a row a check of trips
 * refuses (an end before the start, a negative duration, a position off the globe), fails the
 * COPY: the caller then reads the file again the careful way, which keeps the bad rows.
 */

/** The partition of trips that holds one import's trips. */
export function importTable(importId: number): string {
  return `trips_import_${importId}`
}

/** The column of the import's table each field of the file is copied into. */
const FIELD_COLUMNS: Record<TripField, string> = {
  ride_id: 'ride_id',
  rideable_type: 'rideable_type',
  started_at: 'started_at',
  ended_at: 'ended_at',
  duration_sec: 'duration_sec',
  start_station_id: 'start_station_raw',
  start_station_name: 'start_station_name',
  start_lat: 'start_lat',
  start_lon: 'start_lon',
  end_station_id: 'end_station_raw',
  end_station_name: 'end_station_name',
  end_lat: 'end_lat',
  end_lon: 'end_lon',
  bike_id: 'bike_id',
  member_type: 'member_type',
}

/** Text columns where the careful way reads the word NULL as no value, as it reads "". */
const TEXT_COLUMNS = [
  'ride_id',
  'rideable_type',
  'start_station_name',
  'end_station_name',
  'bike_id',
  'member_type',
] as const

/** The table's column for each column of the file; a column not imported goes to a spare one. */
function copyColumns(header: TripFileHeader): { columns: string[]; spare: string[] } {
  const byIndex = new Map<number, string>()
  for (const [field, index] of Object.entries(header.fieldColumns)) {
    byIndex.set(index, FIELD_COLUMNS[field as TripField])
  }
  const spare: string[] = []
  const columns = header.columns.map((_, index) => {
    const column = byIndex.get(index)
    if (column) return column
    spare.push(`spare_${index + 1}`)
    return `spare_${index + 1}`
  })
  return { columns, spare }
}

/**
 * Station ids of the file's first rows (those read with its header), for the choice of the
 * stations column before the COPY. A sample that does not parse is no sample.
 */
export function sampleStationIds(head: Buffer, header: TripFileHeader): string[] {
  const text = head.toString('utf8', 0, head.lastIndexOf(10) + 1)
  const ids = new Set<string>()
  try {
    const rows: string[][] = parse(text, {
      delimiter: header.delimiter,
      bom: true,
      from_line: 2,
      relax_column_count: true,
    })
    for (const row of rows) {
      for (const field of ['start_station_id', 'end_station_id'] as const) {
        const index = header.fieldColumns[field]
        const value = index === undefined ? undefined : row[index]
        if (value) ids.add(value)
      }
    }
  } catch {
    return []
  }
  return [...ids]
}

/**
 * Creates the import's table: trips' columns and checks, its system, import and trip ids as
 * defaults, the station each station id matches generated from it by `lookup` (a JSON object),
 * and a spare text column for each column of the file that is not imported. The check on
 * import_id spares the attach a scan of the rows.
 */
export async function createImportTable(
  client: ImportConnection,
  header: TripFileHeader,
  params: { importId: number; systemId: string; lookup: string },
): Promise<void> {
  const table = importTable(params.importId)
  const lookup = jsonbConstant(params.lookup)
  // One generated column per end: each costs COPY a rebuilt row (0.2-0.4 s of CPU for the
  // four-month file), so the id as written is copied into the raw column as it is, and the few
  // rows where it needs trimming are put right afterwards (surveyImportTable).
  const generated = (end: 'start' | 'end') =>
    `add column ${end}_station_id text
       generated always as (${lookup} ->> ${end}_station_raw) stored`
  const spare = copyColumns(header).spare.map((column) => `add column ${column} text`)
  await client.query(`create table ${table} (like trips including constraints)`)
  await client.query(
    `alter table ${table}
       drop column start_station_id, drop column end_station_id,
       drop constraint trips_check,
       ${tableDefaults(await tripSequence(client), params).join(',\n')},
       ${generated('start')},
       ${generated('end')},
       ${[...spare, importCheck(params.importId)].join(',\n')}`,
  )
}

/** The identity sequence of trips: an import's table takes its trip ids from it. */
async function tripSequence(client: ImportConnection): Promise<string> {
  const { rows } = await client.query<{ sequence: string | null }>(
    `select pg_get_serial_sequence('trips', 'trip_id') as sequence`,
  )
  return rows[0]?.sequence ?? 'trips_trip_id_seq'
}

/** What every row of an import's table carries: a trip id, its system and its import. */
function tableDefaults(sequence: string, params: { importId: number; systemId: string }): string[] {
  return [
    `alter column trip_id set default nextval(${literal(sequence)}::regclass)`,
    `alter column system_id set default ${literal(params.systemId)}`,
    `alter column import_id set default ${params.importId}`,
  ]
}

/** The partition's bound as a check, so that attaching the table needs no scan of its rows. */
function importCheck(importId: number): string {
  return `add constraint ${importTable(importId)}_import
            check (import_id is not null and import_id = ${importId})`
}

/**
 * Streams the CSV into the import's table, read in the system's time zone (`set local`, so the
 * careful way's savepoint takes it back). Empty fields are no value whether quoted or not
 * (FORCE_NULL), as the careful way reads them.
 */
export async function copyIntoImportTable(
  client: ImportConnection,
  header: TripFileHeader,
  params: { importId: number; timeZone: string },
  csv: Readable,
): Promise<number> {
  await client.query(`select set_config('timezone', $1, true)`, [params.timeZone])
  const { columns, spare } = copyColumns(header)
  const imported = columns.filter((column) => !spare.includes(column))
  const copy = client.query(
    copyFrom(
      `copy ${importTable(params.importId)} (${columns.join(', ')}) from stdin
         with (format csv, header true, delimiter ${literal(header.delimiter)},
               force_null (${imported.join(', ')}))`,
    ),
  )
  await pipeline(csv, copy)
  return copy.rowCount
}

export type CopiedTrips = InsertedTrips

/** Seconds by which a trip's reading misses the file's duration (floor(end - start)). */
const MISS = `(date_part('epoch', ended_at - started_at) - duration_sec)`

/**
 * A trip whose reading disagrees with its duration by a whole number of half hours, or without
 * a duration ends before it starts: a time in the hour repeated when daylight time ends, read as
 * PostgreSQL reads it (the later instant). As in the careful way (trip-rows.repository.ts). The
 * import's table is made without trips' check that a trip ends after it starts, so that such a
 * trip can be read again; the check comes back before the attach, over all the rows at once.
 */
const REREAD = `(case when duration_sec is null then ended_at < started_at
                      else abs(${MISS}) > 2
                       and abs(${MISS}) + 2 - 1800 * floor((abs(${MISS}) + 2) / 1800) <= 4 end)`

/**
 * One pass over the copied trips for the import's figures; then the few rows that need it are
 * put right: the trips read again with trip_instants() (those of the repeated hour), and the word
 * NULL in text fields made no value. `tz` is the system's time zone.
 */
export async function surveyImportTable(
  client: ImportConnection,
  importId: number,
  timeZone: string,
): Promise<CopiedTrips> {
  const table = importTable(importId)
  const nullWord = `'NULL' in (${TEXT_COLUMNS.join(', ')})`
  const untrimmed = ['start', 'end']
    .map((end) => `${end}_station_raw is distinct from ${stationRaw(`${end}_station_raw`)}`)
    .join(' or ')
  const survey = async () => {
    const { rows } = await client.query<
      TripCountsRow & {
        rereads: number
        null_words: number
        untrimmed: number
      }
    >(
      `select count(*)::int as imported,
              count(*) filter (where (start_station_id is null and start_station_raw is not null)
                                  or (end_station_id is null and end_station_raw is not null))::int
                as unmatched_trips,
              min(started_at) as first_started_at, max(started_at) as last_started_at,
              max(ended_at) as last_ended_at,
              count(*) filter (where ${REREAD})::int as rereads,
              count(*) filter (where ${nullWord})::int as null_words,
              count(*) filter (where ${untrimmed})::int as untrimmed
         from ${table}`,
    )
    return rows[0]
  }
  let row = await survey()
  if (row && row.untrimmed > 0) {
    // The ids as they mean them; their generated station ids follow.
    await client.query(
      `update ${table}
          set start_station_raw = ${stationRaw('start_station_raw')},
              end_station_raw = ${stationRaw('end_station_raw')}
        where ${untrimmed}`,
    )
  }
  if (row && row.null_words > 0) {
    await client.query(
      `update ${table}
          set ${TEXT_COLUMNS.map((c) => `${c} = nullif(${c}, 'NULL')`).join(', ')}
        where ${nullWord}`,
    )
  }
  if (row && row.rereads > 0) {
    await client.query(
      `update ${table} t
          set started_at = i.started_at, ended_at = i.ended_at
         from (select trip_id, (trip_instants(started_at at time zone $1, ended_at at time zone $1,
                                              duration_sec, $1)).*
                 from ${table} where ${REREAD}) i
        where t.trip_id = i.trip_id`,
      [timeZone],
    )
  }
  if (row && (row.rereads > 0 || row.untrimmed > 0)) row = await survey()
  // A trip that still ends before it starts fails this (23514): the careful way keeps it.
  await client.query(
    `alter table ${table} add constraint trips_check check (ended_at >= started_at)`,
  )
  return insertedTrips(row)
}

/**
 * The import's table becomes its partition of trips. Its references (system, stations, import)
 * are checked once, as trips' statement trigger checks an INSERT's, and the rows they name
 * locked until the commit. A table copied into (with `header`) loses its spare columns (a
 * dropped column costs nothing) and its generated station ids become
 * plain columns. The attach builds trips' indexes over the rows once.
 */
export async function attachImportTable(
  client: ImportConnection,
  importId: number,
  header: TripFileHeader | null,
): Promise<void> {
  const table = importTable(importId)
  await client.query(`select trips_check_table_references(${literal(table)})`)
  const copied = header
    ? [
        'alter column start_station_id drop expression',
        'alter column end_station_id drop expression',
        ...copyColumns(header).spare.map((column) => `drop column ${column}`),
      ]
    : []
  const defaults = ['trip_id', 'system_id', 'import_id'].map(
    (column) => `alter column ${column} drop default`,
  )
  await client.query(`alter table ${table} ${[...copied, ...defaults].join(',\n')}`)
  await client.query(`alter table trips attach partition ${table} for values in (${importId})`)
  await client.query(`alter table ${table} drop constraint ${table}_import`)
}

/**
 * The careful way's table: trips' columns, checks and ids, filled by one INSERT of the staged
 * rows and attached like the other. (Creating it as a partition of trips at once would lock
 * trips against every reader until the import commits; attaching it does not.)
 */
export async function createCarefulTable(
  client: ImportConnection,
  params: { importId: number; systemId: string },
): Promise<void> {
  const table = importTable(params.importId)
  await client.query(`create table ${table} (like trips including constraints)`)
  await client.query(
    `alter table ${table}
       ${tableDefaults(await tripSequence(client), params).join(',\n')},
       ${importCheck(params.importId)}`,
  )
}
