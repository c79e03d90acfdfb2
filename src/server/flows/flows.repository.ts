import { sql, type RawBuilder } from 'kysely'
import type { FlowBin } from '../../shared/flows.js'
import type { Database } from '../db/database.js'

/** A `from`/`to` as given: local to the system's clock, or an instant with its offset. */
export type FlowTime = { kind: 'local'; text: string } | { kind: 'instant'; text: string }

function instant(time: FlowTime, timeZone: string): RawBuilder<Date> {
  return time.kind === 'instant'
    ? sql<Date>`${time.text}::timestamptz`
    : sql<Date>`(${time.text}::timestamp at time zone ${timeZone})`
}

/** The quarter-hour grid of station_flows (0001). */
const ORIGIN = sql.raw(`timestamptz '2000-01-01 00:00:00+00'`)

/**
 * How one resolution groups station_flows' quarter hours, on the system's clock. A bin has a
 * key: the instant it starts at (15 minutes, hours) or its local date (days); `series` is a
 * query of the keys of every bin that starts in [from, to). Hours are cut at
 * the local hour, so the hour repeated when daylight time ends is two bins; local days have
 * 23, 24 or 25 hours.
 */
function resolution(bin: FlowBin, timeZone: string) {
  const localMinute = (x: RawBuilder<unknown>) =>
    sql`(date_part('minute', ${x} at time zone ${timeZone}) * interval '1 minute')`
  switch (bin) {
    case '15min':
      return {
        key: (x: RawBuilder<unknown>) => x,
        series: (from: RawBuilder<Date>, to: RawBuilder<Date>) =>
          sql`select generate_series(date_bin('15 minutes', ${from}, ${ORIGIN}),
                                     ${to} - interval '1 microsecond', interval '15 minutes') as key`,
        start: (key: RawBuilder<unknown>) => key,
        end: (key: RawBuilder<unknown>) => sql`(${key} + interval '15 minutes')`,
      }
    case 'hour':
      return {
        key: (x: RawBuilder<unknown>) => sql`(${x} - ${localMinute(x)})`,
        series: (from: RawBuilder<Date>, to: RawBuilder<Date>) => {
          const quarter = sql`date_bin('15 minutes', ${from}, ${ORIGIN})`
          return sql`select generate_series(${quarter} - ${localMinute(quarter)},
                                            ${to} - interval '1 microsecond', interval '1 hour') as key`
        },
        start: (key: RawBuilder<unknown>) => key,
        end: (key: RawBuilder<unknown>) => sql`(${key} + interval '1 hour')`,
      }
    case 'day':
      return {
        key: (x: RawBuilder<unknown>) => sql`(${x} at time zone ${timeZone})::date`,
        series: (from: RawBuilder<Date>, to: RawBuilder<Date>) =>
          sql`select generate_series((${from} at time zone ${timeZone})::date,
                                     ((${to} - interval '1 microsecond') at time zone ${timeZone})::date,
                                     interval '1 day')::date as key`,
        start: (key: RawBuilder<unknown>) => sql`(${key}::timestamp at time zone ${timeZone})`,
        end: (key: RawBuilder<unknown>) => sql`((${key} + 1)::timestamp at time zone ${timeZone})`,
      }
  }
}

export interface ResolvedRange {
  from: Date
  to: Date
  /** How many bins the range holds at the asked resolution. */
  bins: number
}

/** The range's instants and bin count, so that a caller can refuse one too large to send. */
export async function resolveRange(
  db: Database,
  params: { from: FlowTime; to: FlowTime; bin: FlowBin; timeZone: string },
): Promise<ResolvedRange> {
  const r = resolution(params.bin, params.timeZone)
  const from = instant(params.from, params.timeZone)
  const to = instant(params.to, params.timeZone)
  const { rows } = await sql<{ from_at: Date; to_at: Date; bins: number }>`
    select ${from} as from_at, ${to} as to_at,
           case when ${to} > ${from}
                then (select count(*)::int from (${r.series(from, to)}) s)
                else 0 end as bins`.execute(db)
  const row = rows[0]
  if (!row) throw new Error('the range query returned nothing')
  return { from: row.from_at, to: row.to_at, bins: row.bins }
}

export interface FlowRow {
  start: Date
  local: string
  outflow: number
  inflow: number
}

/**
 * Flows per bin over [from, to), every bin present (zeros where no trip left or arrived), for
 * one station or (stationId null) summed over the system. Reads station_flows by its key
 * (a station) or its BRIN index on time (the system).
 */
export async function flowSeries(
  db: Database,
  params: {
    systemId: string
    stationId: string | null
    from: Date
    to: Date
    bin: FlowBin
    timeZone: string
  },
): Promise<FlowRow[]> {
  const r = resolution(params.bin, params.timeZone)
  const from = sql<Date>`${params.from}::timestamptz`
  const to = sql<Date>`${params.to}::timestamptz`
  const station = params.stationId === null ? sql`` : sql`and station_id = ${params.stationId}`
  const key = sql.ref('series.key')
  const { rows } = await sql<FlowRow>`
    with series as (
      ${r.series(from, to)}
    ), bounds as (
      select min(${r.start(key)}) as lo, max(${r.end(key)}) as hi from series
    ), counted as (
      select ${r.key(sql.ref('time_bin'))} as key,
             sum(outflow)::int as outflow, sum(inflow)::int as inflow
        from station_flows
       where system_id = ${params.systemId} ${station}
         and time_bin >= (select lo from bounds) and time_bin < (select hi from bounds)
       group by 1
    )
    select ${r.start(key)} as start,
           to_char(${r.start(key)} at time zone ${params.timeZone}, 'YYYY-MM-DD HH24:MI') as local,
           coalesce(counted.outflow, 0) as outflow,
           coalesce(counted.inflow, 0) as inflow
      from series left join counted on counted.key = series.key
     order by series.key`.execute(db)
  return rows
}

export interface ProfileRow {
  dow: number
  minute: number
  days: number
  outflow: number
  inflow: number
}

/**
 * Mean flows per (ISO day of week, slot of the local day) over the local dates [from, to):
 * each mean is over the days of that weekday in the range on which the system has trips (a
 * station without trips on such a day counts it as zeros; a gap between trip files does not).
 */
export async function profileCells(
  db: Database,
  params: {
    systemId: string
    stationId: string
    from: string
    to: string
    slotMinutes: number
    timeZone: string
  },
): Promise<ProfileRow[]> {
  const { systemId, stationId, from, to, slotMinutes, timeZone } = params
  const local = sql`(time_bin at time zone ${timeZone})`
  const { rows } = await sql<ProfileRow>`
    with days as (
      -- The days of the range the system has trips on (any station): a calendar gap between
      -- two trip files is no day of zeros.
      select extract(isodow from d)::int as dow, count(*)::int as days
        from (select distinct (bin at time zone ${timeZone})::date as d
                from (select distinct time_bin as bin from station_flows
                       where system_id = ${systemId}
                         and time_bin >= (${from}::date::timestamp at time zone ${timeZone})
                         and time_bin < (${to}::date::timestamp at time zone ${timeZone})) bins
             ) covered
       group by 1
    ), counted as (
      select extract(isodow from ${local})::int as dow,
             ((date_part('hour', ${local}) * 60 + date_part('minute', ${local}))::int
               / ${slotMinutes}) * ${slotMinutes} as minute,
             sum(outflow)::int as outflow, sum(inflow)::int as inflow
        from station_flows
       where system_id = ${systemId} and station_id = ${stationId}
         and time_bin >= (${from}::date::timestamp at time zone ${timeZone})
         and time_bin < (${to}::date::timestamp at time zone ${timeZone})
       group by 1, 2
    )
    select w.dow, s.minute, coalesce(days.days, 0) as days,
           coalesce(counted.outflow::float8 / nullif(days.days, 0), 0) as outflow,
           coalesce(counted.inflow::float8 / nullif(days.days, 0), 0) as inflow
      from generate_series(1, 7) w (dow)
      cross join generate_series(0, 1439, ${slotMinutes}) s (minute)
      left join days on days.dow = w.dow
      left join counted on counted.dow = w.dow and counted.minute = s.minute
     order by w.dow, s.minute`.execute(db)
  return rows
}

/** Local dates the system's imported trips start on (not quarantined ones): a profile's default range. */
export async function importedDays(
  db: Database,
  systemId: string,
  timeZone: string,
): Promise<{ from: string; to: string } | null> {
  const { rows } = await sql<{ from: string | null; to: string | null }>`
    select to_char(min(first_started_at) at time zone ${timeZone}, 'YYYY-MM-DD') as from,
           to_char((max(last_started_at) at time zone ${timeZone})::date + 1, 'YYYY-MM-DD') as to
      from trip_imports where system_id = ${systemId} and status = 'imported'`.execute(db)
  const row = rows[0]
  return row?.from && row.to ? { from: row.from, to: row.to } : null
}

export async function findStation(
  db: Database,
  systemId: string,
  stationId: string,
): Promise<{ name: string } | undefined> {
  return db
    .selectFrom('stations')
    .select('name')
    .where('system_id', '=', systemId)
    .where('station_id', '=', stationId)
    .executeTakeFirst()
}

/**
 * Recounts a system's station_flows from all its trips: a repair, not the normal path (each
 * import adds its own trips). Takes the flows lock of imports (lockFlows), so that no import
 * adds to the counts while they are replaced; readers keep the old counts until this commits.
 */
export async function rebuildFlows(db: Database, systemId: string): Promise<number> {
  return db.transaction().execute(async (trx) => {
    await sql`select pg_advisory_xact_lock(hashtext('station_flows'), hashtext(${systemId}))`.execute(
      trx,
    )
    await sql`delete from station_flows where system_id = ${systemId}`.execute(trx)
    const bin = (x: string) =>
      sql.raw(`date_bin('15 minutes', ${x}, timestamptz '2000-01-01 00:00:00+00')`)
    const result = await sql`
      insert into station_flows (system_id, station_id, time_bin, outflow, inflow)
      select ${systemId}, station_id, time_bin, sum(outflow), sum(inflow)
        from (select start_station_id as station_id, ${bin('started_at')} as time_bin,
                     1 as outflow, 0 as inflow
                from trips where system_id = ${systemId} and start_station_id is not null
              union all
              select end_station_id, ${bin('ended_at')}, 0, 1
                from trips where system_id = ${systemId} and end_station_id is not null) events
       group by station_id, time_bin
       order by time_bin, station_id`.execute(trx)
    return Number(result.numAffectedRows ?? 0)
  })
}

/** The seed's urgency scores (0001), refreshed without blocking readers. */
export async function refreshImbalanceScores(db: Database): Promise<void> {
  await sql`refresh materialized view concurrently imbalance_scores`.execute(db)
}
