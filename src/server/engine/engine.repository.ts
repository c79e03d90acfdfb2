import { sql } from 'kysely'
import type { Database } from '../db/database.js'

/**
 * The engine's SQL: what it reads (flows, status history, stations with their latest status,
 * tasks and suggestions already covering a pair, nearest stations through the earthdistance
 * index) and what it keeps (fitted models, their rates and accuracy). Dates are the system's
 * local calendar dates (`YYYY-MM-DD`); a range [from, to) of them is cut at local midnight.
 */

type Db = Database

export interface SystemRow {
  system_id: string
  timezone: string
  name: string
}

export async function listSystems(db: Db): Promise<SystemRow[]> {
  return db
    .selectFrom('systems')
    .select(['system_id', 'timezone', 'name'])
    .orderBy('system_id')
    .execute()
}

/** First and last local dates with any station flow. */
export async function flowDates(
  db: Db,
  system: SystemRow,
): Promise<{ first: string; last: string } | null> {
  const { rows } = await sql<{ first: string | null; last: string | null }>`
    select to_char(min(time_bin) at time zone ${system.timezone}, 'YYYY-MM-DD') as first,
           to_char(max(time_bin) at time zone ${system.timezone}, 'YYYY-MM-DD') as last
      from station_flows where system_id = ${system.system_id}`.execute(db)
  const row = rows[0]
  return row?.first && row.last ? { first: row.first, last: row.last } : null
}

/** The newest flow bin: a model fitted before it is out of date. */
export async function latestFlow(db: Db, systemId: string): Promise<Date | null> {
  const { rows } = await sql<{ latest: Date | null }>`
    select max(time_bin) as latest from station_flows where system_id = ${systemId}`.execute(db)
  return rows[0]?.latest ?? null
}

/** Local midnight of a date as an instant. */
export async function localMidnight(db: Db, timezone: string, date: string): Promise<Date> {
  const { rows } = await sql<{ at: Date }>`
    select (${date}::date::timestamp) at time zone ${timezone} as at`.execute(db)
  return (rows[0] as { at: Date }).at
}

export interface SlotFlowRow {
  station_id: string
  isodow: number
  slot: number
  outflow: number
  inflow: number
}

/** The system's station_flows over local days [from, to), each bin on the local clock (`local`). */
function localFlowBins(system: SystemRow, from: string, to: string) {
  return sql`
    select station_id, time_bin at time zone ${system.timezone} as local, outflow, inflow
      from station_flows
     where system_id = ${system.system_id}
       and time_bin >= (${from}::date::timestamp) at time zone ${system.timezone}
       and time_bin < (${to}::date::timestamp) at time zone ${system.timezone}`
}

/** A local time's quarter-hour slot of the day, 0-95. */
const LOCAL_SLOT = sql`(extract(hour from local) * 4 + floor(extract(minute from local) / 15))::int`

/** Flows summed per station, ISO weekday and local quarter-hour slot over [from, to). */
export async function flowsBySlot(
  db: Db,
  system: SystemRow,
  from: string,
  to: string,
): Promise<SlotFlowRow[]> {
  const { rows } = await sql<SlotFlowRow>`
    with bins as (${localFlowBins(system, from, to)})
    select station_id,
           extract(isodow from local)::int as isodow,
           ${LOCAL_SLOT} as slot,
           sum(outflow)::int as outflow,
           sum(inflow)::int as inflow
      from bins
     group by 1, 2, 3`.execute(db)
  return rows
}

export interface DayFlowRow {
  station_id: string
  day: string
  slot: number
  outflow: number
  inflow: number
}

/** Flows per station, local day and slot over [from, to): held-out days and their week before. */
export async function flowsByDay(
  db: Db,
  system: SystemRow,
  from: string,
  to: string,
): Promise<DayFlowRow[]> {
  const { rows } = await sql<DayFlowRow>`
    with bins as (${localFlowBins(system, from, to)})
    select station_id, to_char(local, 'YYYY-MM-DD') as day,
           ${LOCAL_SLOT} as slot,
           outflow, inflow
      from bins`.execute(db)
  return rows
}

export interface UnusableRow {
  station_id: string
  isodow: number
  slot: number
  empty_minutes: number
  full_minutes: number
}

/**
 * Minutes each station stood empty (or not renting) and full (or not returning) per ISO weekday
 * and slot over [from, to), from the status history: each status row holds until the next one
 * (a row is written only on change), for at most 6 hours (a longer silence is a gap in
 * polling, not a state). Stations without history have no rows here: no correction.
 */
export async function unusableMinutes(
  db: Db,
  system: SystemRow,
  from: string,
  to: string,
): Promise<UnusableRow[]> {
  const { rows } = await sql<UnusableRow>`
    with bounds as (
      select (${from}::date::timestamp) at time zone ${system.timezone} as lo,
             (${to}::date::timestamp) at time zone ${system.timezone} as hi
    ), states as (
      select s.station_id, s.ts,
             lead(s.ts) over (partition by s.station_id order by s.ts) as next_ts,
             (s.num_bikes_available = 0 or not s.is_renting) as is_empty,
             (s.num_docks_available = 0 or not s.is_returning) as is_full
        from station_status s, bounds b
       where s.system_id = ${system.system_id}
         and s.ts >= b.lo - interval '6 hours' and s.ts < b.hi
    ), spans as (
      select station_id, is_empty, is_full,
             greatest(ts, b.lo) as a,
             least(coalesce(next_ts, ts + interval '6 hours'), ts + interval '6 hours', b.hi) as z
        from states, bounds b
       where is_empty or is_full
    ), pieces as (
      select station_id, is_empty, is_full, greatest(a, g) as a, least(z, g + interval '15 minutes') as z
        from spans,
             generate_series(date_bin('15 minutes', a, timestamptz '2000-01-01 00:00:00+00'), z,
                             interval '15 minutes') as g
       where z > a
    )
    select station_id,
           extract(isodow from a at time zone ${system.timezone})::int as isodow,
           (extract(hour from a at time zone ${system.timezone}) * 4
            + floor(extract(minute from a at time zone ${system.timezone}) / 15))::int as slot,
           coalesce(sum(extract(epoch from z - a) / 60) filter (where is_empty), 0)::float8 as empty_minutes,
           coalesce(sum(extract(epoch from z - a) / 60) filter (where is_full), 0)::float8 as full_minutes
      from pieces
     where z > a
     group by 1, 2, 3`.execute(db)
  return rows
}

export interface DayTripRow {
  start_station_id: string
  end_station_id: string
  start_minute: number
  minutes: number
}

/** The trips that started on a local day between both of whose ends are known stations. */
export async function tripsOfDay(db: Db, system: SystemRow, day: string): Promise<DayTripRow[]> {
  const { rows } = await sql<DayTripRow>`
    select start_station_id, end_station_id,
           extract(epoch from (started_at at time zone ${system.timezone})
                              - ${day}::date::timestamp)::float8 / 60 as start_minute,
           extract(epoch from ended_at - started_at)::float8 / 60 as minutes
      from trips
     where system_id = ${system.system_id}
       and started_at >= (${day}::date::timestamp) at time zone ${system.timezone}
       and started_at < ((${day}::date + 1)::timestamp) at time zone ${system.timezone}
       and start_station_id is not null and end_station_id is not null
     order by started_at, trip_id`.execute(db)
  return rows
}

export interface StationStateRow {
  station_id: string
  name: string
  lat: number
  lon: number
  capacity: number | null
  is_active: boolean
  /** From the status (latest, or at a time); null when none is known. */
  ts: Date | null
  num_bikes_available: number | null
  num_ebikes_available: number | null
  num_docks_available: number | null
  num_bikes_disabled: number | null
  num_docks_disabled: number | null
  is_installed: boolean | null
  is_renting: boolean | null
  is_returning: boolean | null
}

/** Active stations with their latest known status. */
export async function stationsWithLatestStatus(
  db: Db,
  systemId: string,
): Promise<StationStateRow[]> {
  const { rows } = await sql<StationStateRow>`
    select s.station_id, s.name, s.lat, s.lon, s.capacity, s.is_active,
           l.ts, l.num_bikes_available, l.num_ebikes_available, l.num_docks_available,
           l.num_bikes_disabled, l.num_docks_disabled, l.is_installed, l.is_renting, l.is_returning
      from stations s
      left join station_status_latest l using (system_id, station_id)
     where s.system_id = ${systemId} and s.is_active
     order by s.station_id`.execute(db)
  return rows
}

/** Active stations with their status as the history had it at `at` (the last row before). */
export async function stationsWithStatusAt(
  db: Db,
  systemId: string,
  at: Date,
): Promise<StationStateRow[]> {
  const { rows } = await sql<StationStateRow>`
    select s.station_id, s.name, s.lat, s.lon, s.capacity, s.is_active,
           h.ts, h.num_bikes_available, h.num_ebikes_available, h.num_docks_available,
           h.num_bikes_disabled, h.num_docks_disabled, h.is_installed, h.is_renting, h.is_returning
      from stations s
      left join lateral (
        select * from station_status h
         where h.system_id = s.system_id and h.station_id = s.station_id
           and h.ts <= ${at} and h.ts > ${at}::timestamptz - interval '1 day'
         order by h.ts desc limit 1
      ) h on true
     where s.system_id = ${systemId} and s.is_active
     order by s.station_id`.execute(db)
  return rows
}

/**
 * For each given station, its nearest active stations within `radiusKm` (at most `limit`), by
 * the earthdistance GiST index on ll_to_earth(lat, lon) (stations_earth_idx): a K-nearest scan
 * of the cube index, cut at the radius.
 */
export async function nearestStations(
  db: Db,
  systemId: string,
  stationIds: readonly string[],
  radiusKm: number,
  limit: number,
): Promise<{ station_id: string; neighbour_id: string; km: number }[]> {
  if (stationIds.length === 0) return []
  const metres = radiusKm * 1000
  const { rows } = await sql<{ station_id: string; neighbour_id: string; km: number }>`
    select a.station_id, n.station_id as neighbour_id, n.metres / 1000 as km
      from stations a
      cross join lateral (
        select b.station_id, earth_distance(ll_to_earth(a.lat, a.lon), ll_to_earth(b.lat, b.lon)) as metres
          from stations b
         where b.system_id = a.system_id and b.is_active and b.station_id <> a.station_id
           and earth_box(ll_to_earth(a.lat, a.lon), ${metres}) @> ll_to_earth(b.lat, b.lon)
         order by ll_to_earth(b.lat, b.lon) <-> ll_to_earth(a.lat, a.lon)
         limit ${limit}
      ) n
     where a.system_id = ${systemId} and a.station_id = any(${stationIds})
       and n.metres <= ${metres}
     order by a.station_id, n.metres`.execute(db)
  return rows
}

export interface CoveringRow {
  kind: 'task' | 'suggestion'
  status: string
  source: string | null
  from_station_id: string
  to_station_id: string
  qty: number
}

/**
 * What already covers a pair: ready and assigned tasks (their bikes are as good as moved), and
 * open suggestions from anyone but `source` (a dispatcher's or an outside engine's).
 */
export async function coveringWork(
  db: Db,
  systemId: string,
  source: string,
): Promise<CoveringRow[]> {
  const { rows } = await sql<CoveringRow>`
    select 'task' as kind, status::text as status, null as source,
           from_station_id, to_station_id, qty
      from tasks
     where system_id = ${systemId} and status in ('ready', 'assigned')
    union all
    select 'suggestion', status::text, source::text, from_station_id, to_station_id, qty
      from suggestions
     where system_id = ${systemId} and status = 'open' and source::text <> ${source}`.execute(db)
  return rows
}

/**
 * Marks `source`'s open suggestions created before this run as superseded, each by the new one
 * for the same pair when there is one, else by the run's most valuable one (or none). Only rows
 * still open are touched: one a dispatcher approved meanwhile stays approved.
 */
export async function supersedeOpen(
  db: Db,
  options: {
    systemId: string
    source: 'engine' | 'seed_heuristic'
    keep: readonly number[]
    byPair: ReadonlyMap<string, number>
    fallback: number | null
    decidedBy: string
  },
): Promise<{ id: number; superseded_by: number | null }[]> {
  const pairs = [...options.byPair.entries()]
  const { rows } = await sql<{ id: number; superseded_by: number | null }>`
    with stale as (
      select id, from_station_id || chr(31) || to_station_id as pair
        from suggestions
       where system_id = ${options.systemId} and source = ${options.source}::suggestion_source
         and status = 'open' and id <> all(${options.keep}::bigint[])
       for update skip locked
    ), replacement as (
      select * from unnest(${pairs.map(([pair]) => pair)}::text[],
                           ${pairs.map(([, id]) => id)}::bigint[]) as r (pair, id)
    )
    update suggestions s
       set status = 'superseded', decided_at = now(), decided_by = ${options.decidedBy},
           superseded_by = coalesce(r.id, ${options.fallback}::bigint)
      from stale left join replacement r using (pair)
     where s.id = stale.id
    returning s.id, s.superseded_by`.execute(db)
  return rows
}

export interface ModelRow {
  model_id: number
  system_id: string
  version: number
  fitted_from: Date
  fitted_to: Date
  weekdays: number
  weekend_days: number
  censored_cells: number
  trained_at: Date
  parameters: unknown
}

export async function activeModel(db: Db, systemId: string): Promise<ModelRow | undefined> {
  return db
    .selectFrom('engine_models')
    .select([
      'model_id',
      'system_id',
      'version',
      'fitted_from',
      'fitted_to',
      'weekdays',
      'weekend_days',
      'censored_cells',
      'trained_at',
      'parameters',
    ])
    .where('system_id', '=', systemId)
    .where('is_active', '=', true)
    .executeTakeFirst()
}

export interface RateRow {
  station_id: string
  day_type: 'weekday' | 'weekend'
  rentals_per_hour: number[]
  returns_per_hour: number[]
}

export async function modelRates(db: Db, modelId: number): Promise<RateRow[]> {
  const rows = await db
    .selectFrom('engine_station_rates')
    .select(['station_id', 'day_type', 'rentals_per_hour', 'returns_per_hour'])
    .where('model_id', '=', modelId)
    .execute()
  return rows as RateRow[]
}

export interface NewModel {
  systemId: string
  fittedFrom: Date
  fittedTo: Date
  weekdays: number
  weekendDays: number
  censoredCells: number
  parameters: Record<string, unknown>
  rates: RateRow[]
  metrics: {
    heldOutFrom: Date
    heldOutTo: Date
    cells: number
    mae: number
    baselineMae: number
    rmse: number
    baselineRmse: number
    detail: Record<string, unknown>
  } | null
}

/** Models kept per system: the active one and a few before it, to compare. */
const MODELS_KEPT = 5

/** Stores a fit as the system's next version and makes it the active one, in one transaction. */
export async function saveModel(db: Db, model: NewModel): Promise<ModelRow> {
  return db.transaction().execute(async (trx) => {
    // Two fits of one system at once would both want the next version number.
    await sql`select pg_advisory_xact_lock(hashtext('engine_models'), hashtext(${model.systemId}))`.execute(
      trx,
    )
    const { rows } = await sql<{ next: number }>`
      select coalesce(max(version), 0) + 1 as next from engine_models
       where system_id = ${model.systemId} and name = 'station-demand'`.execute(trx)
    await trx
      .updateTable('engine_models')
      .set({ is_active: false })
      .where('system_id', '=', model.systemId)
      .where('is_active', '=', true)
      .execute()
    const saved = await trx
      .insertInto('engine_models')
      .values({
        system_id: model.systemId,
        version: rows[0]?.next ?? 1,
        parameters: JSON.stringify(model.parameters),
        fitted_from: model.fittedFrom,
        fitted_to: model.fittedTo,
        weekdays: model.weekdays,
        weekend_days: model.weekendDays,
        censored_cells: model.censoredCells,
        is_active: true,
      })
      .returning([
        'model_id',
        'system_id',
        'version',
        'fitted_from',
        'fitted_to',
        'weekdays',
        'weekend_days',
        'censored_cells',
        'trained_at',
        'parameters',
      ])
      .executeTakeFirstOrThrow()
    for (let at = 0; at < model.rates.length; at += 1_000) {
      await trx
        .insertInto('engine_station_rates')
        .values(
          model.rates.slice(at, at + 1_000).map((rate) => ({
            model_id: saved.model_id,
            system_id: model.systemId,
            station_id: rate.station_id,
            day_type: rate.day_type,
            rentals_per_hour: rate.rentals_per_hour,
            returns_per_hour: rate.returns_per_hour,
          })),
        )
        .execute()
    }
    if (model.metrics) {
      await trx
        .insertInto('engine_model_metrics')
        .values({
          model_id: saved.model_id,
          held_out_from: model.metrics.heldOutFrom,
          held_out_to: model.metrics.heldOutTo,
          cells: model.metrics.cells,
          mae: model.metrics.mae,
          baseline_mae: model.metrics.baselineMae,
          rmse: model.metrics.rmse,
          baseline_rmse: model.metrics.baselineRmse,
          detail: JSON.stringify(model.metrics.detail),
        })
        .execute()
    }
    await sql`
      delete from engine_models
       where system_id = ${model.systemId} and not is_active
         and model_id not in (select model_id from engine_models where system_id = ${model.systemId}
                               order by version desc limit ${MODELS_KEPT})`.execute(trx)
    return saved
  })
}

export async function modelMetrics(db: Db, modelId: number) {
  return db
    .selectFrom('engine_model_metrics')
    .selectAll()
    .where('model_id', '=', modelId)
    .orderBy('held_out_from', 'desc')
    .executeTakeFirst()
}

/**
 * The seed heuristic's "average net flow of that weekday/hour/quarter": returns - rentals per
 * station in this ISO weekday's slot, averaged over every such weekday the flows cover.
 */
export async function seedNetFlows(
  db: Db,
  system: SystemRow,
  isodow: number,
  slot: number,
): Promise<Map<string, number>> {
  const { rows } = await sql<{ station_id: string; net: number; days: number }>`
    with local as (
      select station_id, time_bin at time zone ${system.timezone} as at, inflow - outflow as net
        from station_flows where system_id = ${system.system_id}
    ), span as (
      select min(at)::date as first, max(at)::date as last from local
    ), days as (
      select count(*)::int as days
        from span, generate_series(span.first, span.last, interval '1 day') d
       where extract(isodow from d) = ${isodow}
    )
    select station_id, sum(net)::float8 as net, (select days from days) as days
      from local
     where extract(isodow from at) = ${isodow}
       and extract(hour from at) * 4 + floor(extract(minute from at) / 15) = ${slot}
     group by station_id`.execute(db)
  return new Map(rows.map((row) => [row.station_id, row.days > 0 ? row.net / row.days : 0]))
}
