/**
 * Station status on the write side (a poll's status rows) and the read side (each active
 * station's latest numbers, score and freshness, the console's live map).
 */
import { sql } from 'kysely'
import type { Queryable } from './gbfs.repository.js'
import type { StationState } from './types.js'

export interface StatusWrite {
  /** Statuses the file gave for stations we know. */
  matched: number
  /** Rows added to station_status: the stations whose counts, flags or last_reported changed. */
  written: number
  /** Stations the feed's status no longer lists, from this poll on. */
  nowMissing: number
  /** Statuses for stations not in the database (when the feed has no station_information). */
  unknown: number
  unknownExamples: string[]
}

/**
 * One statement: a station_status row and a new latest state for every station whose counts,
 * flags or last_reported differ from its latest state (Lyft changes counts without moving
 * last_reported, so counts are compared too), and `missing_since` for stations this status file
 * left out, opening (and, when listed again, closing) a row of station_status_absences.
 * Statuses for stations not in `stations` are not written.
 */
export async function writeStatuses(
  trx: Queryable,
  systemId: string,
  statuses: readonly StationState[],
  at: Date,
): Promise<StatusWrite> {
  const column = <K extends keyof StationState>(key: K) => statuses.map((state) => state[key])
  const { rows } = await sql<StatusWrite>`
    with input as (
      select *
        from unnest(${column('stationId')}::text[], ${column('lastReported')}::timestamptz[],
                    ${column('bikes')}::integer[], ${column('ebikes')}::integer[],
                    ${column('docks')}::integer[], ${column('bikesDisabled')}::integer[],
                    ${column('docksDisabled')}::integer[], ${column('isInstalled')}::boolean[],
                    ${column('isRenting')}::boolean[], ${column('isReturning')}::boolean[])
             as i(station_id, last_reported, bikes, ebikes, docks, bikes_disabled,
                  docks_disabled, is_installed, is_renting, is_returning)
    ),
    matched as (
      select i.*
        from input i
        join stations s on s.system_id = ${systemId} and s.station_id = i.station_id
    ),
    changed as (
      select m.*, l.station_id is null as is_new, l.missing_since is not null as was_missing
        from matched m
        left join station_status_latest l
          on l.system_id = ${systemId} and l.station_id = m.station_id
       where l.station_id is null
          or l.missing_since is not null
          or (l.last_reported, l.num_bikes_available, l.num_ebikes_available,
              l.num_docks_available, l.num_bikes_disabled, l.num_docks_disabled,
              l.is_installed, l.is_renting, l.is_returning)
             is distinct from
             (m.last_reported, m.bikes, m.ebikes, m.docks, m.bikes_disabled, m.docks_disabled,
              m.is_installed, m.is_renting, m.is_returning)
    ),
    history as (
      insert into station_status (system_id, station_id, ts, last_reported, num_bikes_available,
                                  num_ebikes_available, num_docks_available, num_bikes_disabled,
                                  num_docks_disabled, is_installed, is_renting, is_returning)
      select ${systemId}, station_id, ${at}, last_reported, bikes, ebikes, docks, bikes_disabled,
             docks_disabled, is_installed, is_renting, is_returning
        from changed
      returning 1
    ),
    -- An UPDATE joined to the changed rows, and an INSERT for stations seen for the first time:
    -- the same upsert as INSERT ... ON CONFLICT DO UPDATE, in about half the time for 1,811
    -- stations that all changed (the conflict path inserts speculatively, then updates).
    latest_updated as (
      update station_status_latest l
         set ts = ${at}, last_reported = c.last_reported, num_bikes_available = c.bikes,
             num_ebikes_available = c.ebikes, num_docks_available = c.docks,
             num_bikes_disabled = c.bikes_disabled, num_docks_disabled = c.docks_disabled,
             is_installed = c.is_installed, is_renting = c.is_renting,
             is_returning = c.is_returning, missing_since = null
        from changed c
       where not c.is_new and l.system_id = ${systemId} and l.station_id = c.station_id
      returning 1
    ),
    latest_added as (
      insert into station_status_latest (system_id, station_id, ts, last_reported,
                                         num_bikes_available, num_ebikes_available,
                                         num_docks_available, num_bikes_disabled,
                                         num_docks_disabled, is_installed, is_renting,
                                         is_returning)
      select ${systemId}, station_id, ${at}, last_reported, bikes, ebikes, docks, bikes_disabled,
             docks_disabled, is_installed, is_renting, is_returning
        from changed
       where is_new
      returning 1
    ),
    -- "= any" of the id array is hashed (PostgreSQL 14+); NOT EXISTS against the unnest CTE
    -- was planned as a nested loop (the CTE's size is unknown to the planner): 440 ms instead
    -- of 1 ms for Divvy's 1,811 stations.
    gone as (
      update station_status_latest l
         set missing_since = ${at}
       where l.system_id = ${systemId} and l.missing_since is null
         and not (l.station_id = any(${column('stationId')}::text[]))
      returning l.station_id
    ),
    -- The history of those spells, so that service levels count them as unknown afterwards.
    absence_opened as (
      insert into station_status_absences (system_id, station_id, since)
      select ${systemId}, station_id, ${at} from gone
      on conflict do nothing
    ),
    absence_closed as (
      update station_status_absences a
         set until = ${at}
        from changed c
       where c.was_missing and a.system_id = ${systemId} and a.station_id = c.station_id
         and a.until is null and a.since < ${at}
    )
    select (select count(*) from matched)::int as matched,
           (select count(*) from history)::int as written,
           (select count(*) from gone)::int as "nowMissing",
           (select count(*) from input)::int - (select count(*) from matched)::int as unknown,
           array(select i.station_id from input i
                  where not exists (select 1 from matched m where m.station_id = i.station_id)
                  order by i.station_id limit 5) as "unknownExamples"`.execute(trx)
  const result = rows[0]
  return {
    matched: result?.matched ?? 0,
    written: result?.written ?? 0,
    nowMissing: result?.nowMissing ?? 0,
    unknown: result?.unknown ?? 0,
    unknownExamples: result?.unknownExamples ?? [],
  }
}

/** The urgency scores over the latest status; CONCURRENTLY, so readers are never blocked. */
export async function refreshImbalanceScores(db: Queryable): Promise<void> {
  await sql`refresh materialized view concurrently imbalance_scores`.execute(db)
}

export interface StationLiveRow {
  system_id: string
  station_id: string
  name: string
  short_name: string | null
  capacity: number | null
  lat: number
  lon: number
  bikes: number | null
  ebikes: number | null
  docks: number | null
  is_installed: boolean | null
  is_renting: boolean | null
  is_returning: boolean | null
  last_reported: Date | null
  observed_at: Date | null
  missing_since: Date | null
  stale: boolean
  stale_reason: string | null
  bikes_disabled: number | null
  docks_disabled: number | null
  score: number | null
  region_id: string | null
  region_name: string | null
  /** The engine's expected failures at the latest count (null without a recent run). */
  expected_failures: number | null
  failures_horizon_minutes: number | null
  system_name: string
  timezone: string
}

/** How long a run's expected failures order the Stations table: most of its horizon. */
export const EXPECTED_FAILURES_FOR = '2 hours'

/**
 * Active stations with their latest numbers, the seed's score and freshness at `at`; only
 * `stationIds` of the system when given (a station's neighbours).
 */
export async function stationLiveRows(
  db: Queryable,
  query: { systemId?: string | null; staleOnly?: boolean; stationIds?: readonly string[] },
  at: Date,
): Promise<StationLiveRow[]> {
  const ids = query.stationIds ? [...query.stationIds] : null
  const { rows } = await sql<StationLiveRow>`
    select s.system_id, s.station_id, s.name, s.short_name, s.capacity, s.lat, s.lon,
           l.num_bikes_available as bikes, l.num_ebikes_available as ebikes,
           l.num_docks_available as docks, l.is_installed, l.is_renting, l.is_returning,
           l.last_reported, l.ts as observed_at, l.missing_since, fr.stale, fr.stale_reason,
           l.num_bikes_disabled as bikes_disabled, l.num_docks_disabled as docks_disabled,
           sc.score, s.region_id, rg.name as region_name, sy.name as system_name, sy.timezone,
           ef.by_bikes[least(greatest(l.num_bikes_available, 0), cardinality(ef.by_bikes) - 1) + 1]
             as expected_failures,
           ef.horizon_minutes as failures_horizon_minutes
      from station_freshness(${at}) fr
      join stations s on s.system_id = fr.system_id and s.station_id = fr.station_id
      join systems sy on sy.system_id = s.system_id
      left join system_regions rg on rg.system_id = s.system_id and rg.region_id = s.region_id
      left join station_status_latest l
        on l.system_id = s.system_id and l.station_id = s.station_id
      left join imbalance_scores sc
        on sc.system_id = s.system_id and sc.station_id = s.station_id
      left join station_expected_failures ef
        on ef.system_id = s.system_id and ef.station_id = s.station_id
       and ef.computed_at > ${at}::timestamptz - ${EXPECTED_FAILURES_FOR}::interval
       and l.num_bikes_available is not null
     where s.is_active
       and (${query.systemId ?? null}::text is null or s.system_id = ${query.systemId ?? null})
       and (not ${query.staleOnly ?? false}::boolean or fr.stale)
       and (${ids}::text[] is null or s.station_id = any(${ids}::text[]))
     order by s.system_id, s.name, s.station_id`.execute(db)
  return rows
}
