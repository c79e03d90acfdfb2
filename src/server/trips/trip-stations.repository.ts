import { STATION_KEYS, type StationKey } from '../../shared/trips.js'
import { literal, stagingColumn } from '../imports/csv-staging.js'
import type { ImportConnection } from '../imports/import-connection.js'
import type { TripField, TripFileHeader } from './formats.js'

/**
 * Which stations a trip file's ids mean. One column of the system's stations for the whole file,
 * never a mix per id: the column that matches most of them (a 2018 Ford GoBike month matches
 * station_id, a Lyft file short_name, an old file against a 2022+ feed legacy_id). In the 2023
 * Bay Wheels feed short numeric station_ids ("361") coexist with legacy_ids of other stations.
 */

/** The staging column of a field, or NULL for a format without it. */
export function fieldColumn(header: TripFileHeader, field: TripField): string {
  const index = header.fieldColumns[field]
  return index === undefined ? 'null::text' : `s.${stagingColumn(index)}`
}

/** A station id as the file wrote it, as the id it means: trimmed; "" and NULL mean none. */
export function stationRaw(value: string): string {
  return `nullif(nullif(btrim(${value}), ''), 'NULL')`
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
export async function bestStationKey(
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
export async function buildStationMap(
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
 * Matches the ids of a file read through staging (the careful way) against the column that
 * matches most of them, or `forcedKey`.
 *
 * Builds trip_station_lookup: every distinct station field of the file, as written, with the id
 * it means and the station that id matched. The insert joins on the text as written: cleaning
 * the ids of every row cost 90 ms of the month. The values are counted by (start, end) pair
 * first (14k pairs for a month): 50 ms in the import, where counting the 213k values one by one
 * took 80 ms.
 */
export async function matchStations(
  client: ImportConnection,
  header: TripFileHeader,
  systemId: string,
  forcedKey: StationKey | null,
): Promise<StationMatch> {
  const ends = `select ${fieldColumn(header, 'start_station_id')} as start_value,
                      ${fieldColumn(header, 'end_station_id')} as end_value
                 from trip_staging s`
  const key = await countAndRank(client, systemId, ends, forcedKey)
  const matched = await mapStationIds(client, systemId, key)
  await client.query(
    `create temp table trip_station_lookup on commit drop as
     select v.value, v.raw, m.station_id
       from trip_station_values v left join trip_station_map m on m.raw = v.raw`,
  )
  await client.query('analyze trip_station_lookup')
  return describeMatch(client, key, matched)
}

/**
 * Counts the file's station values (`ends`, see countStationValues) and answers the column its
 * ids are matched by: the one forced, or the one that matches most of them.
 */
async function countAndRank(
  client: ImportConnection,
  systemId: string,
  ends: string,
  forcedKey: StationKey | null,
): Promise<StationKey | null> {
  await countStationValues(client, ends)
  return forcedKey ?? (await bestStationKey(client, systemId, 'trip_station_ids'))
}

/** trip_station_map: the file's ids mapped to stations by `key`. */
function mapStationIds(client: ImportConnection, systemId: string, key: StationKey | null) {
  return buildStationMap(client, systemId, key, 'trip_station_ids', 'trip_station_map')
}

/**
 * trip_station_values (each distinct station field as written, the id it means, its trip ends)
 * and trip_station_ids (each distinct id, its trip ends), from `ends`: a query of
 * (start_value, end_value) rows.
 */
async function countStationValues(client: ImportConnection, ends: string): Promise<void> {
  await client.query(
    `create temp table trip_station_values on commit drop as
     select value, ${stationRaw('value')} as raw, sum(trips)::int as trip_ends
       from (select start_value, end_value, count(*) as trips
               from (${ends}) ends group by 1, 2) pairs
      cross join lateral (values (start_value), (end_value)) ids (value)
      where value is not null
      group by value`,
  )
  await client.query(
    `create temp table trip_station_ids on commit drop as
     select raw, sum(trip_ends)::int as trip_ends
       from trip_station_values where raw is not null group by raw`,
  )
}

/** The match of trip_station_ids against trip_station_map, as the import's summary tells it. */
async function describeMatch(
  client: ImportConnection,
  key: StationKey | null,
  matched: number,
): Promise<StationMatch> {
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

/**
 * The column that matches most of a sample of the file's ids (its first rows, read before the
 * COPY): the stations must be known before the rows arrive, as the rows are mapped on the way
 * in. matchCopiedStations checks the choice against the whole file afterwards.
 */
export async function sampleStationKey(
  client: ImportConnection,
  systemId: string,
  sample: readonly string[],
): Promise<StationKey | null> {
  await client.query(
    `create temp table trip_sample_ids on commit drop as
     select distinct ${stationRaw('value')} as raw from unnest($1::text[]) as ids (value)`,
    [sample],
  )
  return bestStationKey(client, systemId, 'trip_sample_ids')
}

/**
 * Every station of the system by `key`, as a JSON object {id: station_id}: the lookup the rows'
 * generated columns make as they arrive (a binary search among the keys of a constant). Several
 * stations can share an old number (one retired, one live): the live one, last seen, wins, as
 * in buildStationMap.
 */
export async function stationLookupJson(
  client: ImportConnection,
  systemId: string,
  key: StationKey | null,
): Promise<string> {
  if (!key) return '{}'
  const { rows } = await client.query<{ lookup: string }>(
    `select coalesce(jsonb_object_agg(raw, station_id), '{}')::text as lookup
       from (select distinct on (st.${key}) st.${key} as raw, st.station_id
               from stations st
              where st.system_id = $1 and st.${key} is not null
              order by st.${key}, st.is_active desc, st.last_seen_at desc) m`,
    [systemId],
  )
  return rows[0]?.lookup ?? '{}'
}

/**
 * The match of a file copied into `table` (its ids already mapped with `key`), and whether
 * `key` is still the column that matches most of the whole file's ids (else, unless the
 * column was forced, the import goes the careful way, which maps again).
 */
export async function matchCopiedStations(
  client: ImportConnection,
  table: string,
  systemId: string,
  key: StationKey | null,
  forced: boolean,
): Promise<{ match: StationMatch; keyHolds: boolean }> {
  const ends = `select start_station_raw as start_value, end_station_raw as end_value from ${table}`
  const best = await countAndRank(client, systemId, ends, forced ? key : null)
  const matched = await mapStationIds(client, systemId, key)
  return { match: await describeMatch(client, key, matched), keyHolds: best === key }
}

/** Quotes a JSON text as an SQL jsonb constant. */
export function jsonbConstant(json: string): string {
  return `${literal(json)}::jsonb`
}
