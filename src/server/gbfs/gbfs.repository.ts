import { sql, type Transaction } from 'kysely'
import type { Database } from '../db/database.js'
import type { DB } from '../db/schema.js'
import type { FeedWarning, StationInfo, StationState } from './types.js'

/** The database, or a transaction on it: every function here takes either. */
export type Queryable = Database | Transaction<DB>

export interface FeedRow {
  feedId: number
  url: string
  systemId: string | null
  enabled: boolean
  consecutiveFailures: number
}

/** The feed's row, created on first sight: health is kept per URL. */
export async function ensureFeed(db: Queryable, url: string): Promise<FeedRow> {
  await db
    .insertInto('feeds')
    .values({ url })
    .onConflict((oc) => oc.column('url').doNothing())
    .execute()
  const row = await db
    .selectFrom('feeds')
    .select(['feed_id', 'url', 'system_id', 'enabled', 'consecutive_failures'])
    .where('url', '=', url)
    .executeTakeFirstOrThrow()
  return {
    feedId: row.feed_id,
    url: row.url,
    systemId: row.system_id,
    enabled: row.enabled,
    consecutiveFailures: row.consecutive_failures,
  }
}

/**
 * Locks the feed's row for the rest of the transaction: a `poll-once` run by hand while the
 * console's poller writes the same feed waits instead of interleaving, and then finds the
 * stations already up to date, so no status row is written twice.
 */
export async function lockFeed(
  trx: Queryable,
  feedId: number,
): Promise<{ systemId: string | null }> {
  const row = await trx
    .selectFrom('feeds')
    .select('system_id')
    .where('feed_id', '=', feedId)
    .forUpdate()
    .executeTakeFirstOrThrow()
  return { systemId: row.system_id }
}

export interface SystemRow {
  systemId: string
  name: string | null
  timezone: string | null
  language: string | null
}

/** A system's name, time zone and language follow its system_information when it has one. */
export async function upsertSystem(trx: Queryable, system: SystemRow): Promise<void> {
  await sql`
    insert into systems (system_id, name, timezone, language)
    values (${system.systemId}, ${system.name ?? system.systemId},
            coalesce(${system.timezone}::text, 'America/Los_Angeles'), ${system.language})
    on conflict (system_id) do update
       set name = coalesce(${system.name}::text, systems.name),
           timezone = coalesce(${system.timezone}::text, systems.timezone),
           language = coalesce(${system.language}::text, systems.language)
     where (systems.name, systems.timezone, systems.language) is distinct from
           (coalesce(${system.name}::text, systems.name),
            coalesce(${system.timezone}::text, systems.timezone),
            coalesce(${system.language}::text, systems.language))`.execute(trx)
}

/** Makes the monthly station_status partition for `at` (a no-op when it exists). */
export async function ensureStatusPartition(db: Queryable, at: Date): Promise<void> {
  await sql`select ensure_station_status_partitions(${at}, ${at})`.execute(db)
}

export interface StationChanges {
  added: number
  updated: number
  reactivated: number
  inactivated: number
}

/**
 * Writes a station_information listing: new stations appear, changed names, capacities and
 * positions are updated, stations the listing no longer has are marked inactive (never deleted:
 * history and tasks refer to them), and stations that come back are active again.
 */
export async function applyStations(
  trx: Queryable,
  systemId: string,
  stations: readonly StationInfo[],
  at: Date,
  inactivateMissing: boolean,
): Promise<StationChanges> {
  const column = <K extends keyof StationInfo>(key: K) => stations.map((station) => station[key])
  const { rows } = await sql<StationChanges>`
    with input as (
      select *
        from unnest(${column('stationId')}::text[], ${column('name')}::text[],
                    ${column('shortName')}::text[], ${column('legacyId')}::text[],
                    ${column('externalId')}::text[], ${column('regionId')}::text[],
                    ${column('capacity')}::integer[], ${column('lat')}::float8[],
                    ${column('lon')}::float8[])
             as i(station_id, name, short_name, legacy_id, external_id, region_id, capacity, lat, lon)
    ),
    diff as (
      select i.*,
             s.station_id is null as is_new,
             s.station_id is not null
               and (s.name, s.short_name, s.legacy_id, s.external_id, s.region_id, s.capacity,
                    s.lat, s.lon)
                   is distinct from
                   (i.name, i.short_name, i.legacy_id, i.external_id, i.region_id, i.capacity,
                    i.lat, i.lon) as changed,
             s.station_id is not null and not s.is_active as reactivated
        from input i
        left join stations s on s.system_id = ${systemId} and s.station_id = i.station_id
    ),
    upserted as (
      insert into stations (system_id, station_id, name, short_name, legacy_id, external_id,
                            region_id, capacity, lat, lon, is_active, first_seen_at, last_seen_at)
      select ${systemId}, station_id, name, short_name, legacy_id, external_id, region_id,
             capacity, lat, lon, true, ${at}, ${at}
        from diff
       where is_new or changed or reactivated
      on conflict (system_id, station_id) do update
         set name = excluded.name, short_name = excluded.short_name,
             legacy_id = excluded.legacy_id, external_id = excluded.external_id,
             region_id = excluded.region_id, capacity = excluded.capacity,
             lat = excluded.lat, lon = excluded.lon, is_active = true,
             last_seen_at = excluded.last_seen_at
    ),
    gone as (
      update stations s
         set is_active = false
       where s.system_id = ${systemId} and s.is_active and ${inactivateMissing}::boolean
         and not (s.station_id = any(${column('stationId')}::text[]))
      returning 1
    )
    select (count(*) filter (where is_new))::int as added,
           (count(*) filter (where changed))::int as updated,
           (count(*) filter (where reactivated))::int as reactivated,
           (select count(*) from gone)::int as inactivated
      from diff`.execute(trx)
  const result = rows[0]
  return {
    added: result?.added ?? 0,
    updated: result?.updated ?? 0,
    reactivated: result?.reactivated ?? 0,
    inactivated: result?.inactivated ?? 0,
  }
}

/**
 * stations.last_seen_at says when a poll last found the station in the feed. Refreshed at most
 * every 5 minutes, so that a feed polled every 10 s does not rewrite every station every poll.
 */
export async function touchStationsSeen(trx: Queryable, systemId: string, at: Date): Promise<void> {
  await sql`
    update stations set last_seen_at = ${at}
     where system_id = ${systemId} and is_active
       and last_seen_at < ${at}::timestamptz - interval '5 minutes'`.execute(trx)
}

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

export interface PollRecord {
  feedId: number
  startedAt: Date
  finishedAt: Date
  outcome: 'ok' | 'not_modified' | 'error'
  httpStatus: number | null
  feedLastUpdated: Date | null
  stationsSeen: number | null
  statusRowsWritten: number | null
  stationsAdded: number | null
  stationsInactivated: number | null
  warnings: readonly FeedWarning[]
  error: string | null
  polledBy: string
  /**
   * A status file read with new data: the moment its rows were written at (station_status.ts)
   * becomes a snapshot of the system, what service levels measure "until the next poll" by.
   */
  statusSnapshot?: { systemId: string; observedAt: Date; stations: number } | null
}

/** What a poll tells the feed's health, by how it went. */
export type FeedChange =
  | {
      kind: 'read'
      systemId: string
      gbfsVersion: string | null
      ttlSeconds: number | null
      stationCount: number | null
      nextPollAt: Date
    }
  | { kind: 'unchanged'; nextPollAt: Date }
  | { kind: 'failed'; nextPollAt: Date }

/**
 * The end of every poll, in one statement and one round trip: the poll logged,
 * so that "no change" and "no poll" stay distinguishable; the status snapshot it read, if any;
 * the feed's health; and a NOTIFY on
 * `station_status` to every console listening (delivered on commit, so never before the rows
 * are visible; the payload stays small, NOTIFY allows 8,000 bytes). A failed poll leaves the
 * last good data and its time in place, and counts the failure.
 */
export async function recordPoll(
  trx: Queryable,
  poll: PollRecord,
  change: FeedChange,
): Promise<{ pollId: number; systemId: string | null; consecutiveFailures: number }> {
  const at = poll.finishedAt
  const common = sql`last_attempt_at = ${at}, next_poll_at = ${change.nextPollAt},
                     polled_by = ${poll.polledBy}`
  const set =
    change.kind === 'failed'
      ? sql`${common}, last_error_at = ${at}, last_error = ${poll.error},
            consecutive_failures = consecutive_failures + 1`
      : change.kind === 'unchanged'
        ? sql`${common}, last_success_at = ${at}, consecutive_failures = 0`
        : sql`${common}, last_success_at = ${at}, consecutive_failures = 0,
              system_id = ${change.systemId}, gbfs_version = ${change.gbfsVersion},
              ttl_seconds = ${change.ttlSeconds}, feed_last_updated = ${poll.feedLastUpdated},
              warnings = ${JSON.stringify(poll.warnings)}::jsonb,
              station_count = coalesce(${change.stationCount}::integer, station_count)`
  const { rows } = await sql<{ poll_id: number; system_id: string | null; failures: number }>`
    with feed as (
      update feeds set ${set} where feed_id = ${poll.feedId}
      returning system_id, consecutive_failures
    ),
    logged as (
      insert into feed_polls (feed_id, started_at, finished_at, outcome, http_status,
                              feed_last_updated, stations_seen, status_rows_written,
                              stations_added, stations_inactivated, warnings, error, polled_by)
      values (${poll.feedId}, ${poll.startedAt}, ${at}, ${poll.outcome}, ${poll.httpStatus},
              ${poll.feedLastUpdated}, ${poll.stationsSeen}, ${poll.statusRowsWritten},
              ${poll.stationsAdded}, ${poll.stationsInactivated},
              ${JSON.stringify(poll.warnings)}::jsonb, ${poll.error}, ${poll.polledBy})
      returning poll_id
    )${
      poll.statusSnapshot
        ? sql`,
    snapshot as (
      insert into status_snapshots (system_id, observed_at, source, poll_id, stations)
      select ${poll.statusSnapshot.systemId}, ${poll.statusSnapshot.observedAt}, 'poll',
             logged.poll_id, ${poll.statusSnapshot.stations}
        from logged
      on conflict do nothing
    )`
        : sql``
    }
    select logged.poll_id, feed.system_id, feed.consecutive_failures as failures,
           pg_notify('station_status', json_build_object(
             'feedId', ${poll.feedId}::bigint, 'pollId', logged.poll_id,
             'systemId', feed.system_id, 'outcome', ${poll.outcome}::text,
             'statusRowsWritten', ${poll.statusRowsWritten ?? 0}::integer,
             'at', ${at.toISOString()}::text)::text)
      from logged, feed`.execute(trx)
  const row = rows[0]
  if (!row) throw new Error(`feed ${poll.feedId} is gone`)
  return { pollId: row.poll_id, systemId: row.system_id, consecutiveFailures: row.failures }
}

/** When the data a feed's row holds turns stale: its `last_updated` + feed_stale_after(ttl). */
export interface FeedStaleness {
  feedLastUpdated: Date
  staleAt: Date
}

/**
 * When the feed's stored data stops being live, by station_freshness()'s rule (null: the feed
 * has never given a `last_updated`, so it has been stale all along).
 */
export async function feedStaleness(db: Queryable, feedId: number): Promise<FeedStaleness | null> {
  const { rows } = await sql<{ feed_last_updated: Date; stale_at: Date }>`
    select feed_last_updated, feed_last_updated + feed_stale_after(ttl_seconds) as stale_at
      from feeds
     where feed_id = ${feedId} and feed_last_updated is not null`.execute(db)
  const row = rows[0]
  return row ? { feedLastUpdated: row.feed_last_updated, staleAt: row.stale_at } : null
}

/**
 * Tells every console that a feed's data has just turned stale: the same `station_status`
 * notification a poll sends, with outcome 'stale' and the feed's latest poll, so each one reloads
 * and shows the flags station_freshness() now computes. Sent only when the feed still holds the
 * data it held at `feedLastUpdated` (nothing newer arrived) and that data is stale at `at`, by
 * the same rule; returns whether it was sent.
 */
export async function notifyFeedStale(
  db: Queryable,
  feedId: number,
  feedLastUpdated: Date,
  at: Date,
): Promise<boolean> {
  const { rows } = await sql<{ poll_id: number }>`
    select p.poll_id,
           pg_notify('station_status', json_build_object(
             'feedId', f.feed_id, 'pollId', p.poll_id, 'systemId', f.system_id,
             'outcome', 'stale', 'statusRowsWritten', 0,
             'at', ${at.toISOString()}::text)::text)
      from feeds f
      cross join lateral (
        select poll_id from feed_polls
         where feed_id = f.feed_id
         order by started_at desc
         limit 1
      ) p
     where f.feed_id = ${feedId}
       and f.feed_last_updated <= ${feedLastUpdated}
       and ${at}::timestamptz - f.feed_last_updated > feed_stale_after(f.ttl_seconds)`.execute(db)
  return rows.length > 0
}

/** The urgency scores over the latest status; CONCURRENTLY, so readers are never blocked. */
export async function refreshImbalanceScores(db: Queryable): Promise<void> {
  await sql`refresh materialized view concurrently imbalance_scores`.execute(db)
}

export interface FeedHealthRow {
  feed_id: number
  url: string
  system_id: string | null
  system_name: string | null
  timezone: string | null
  gbfs_version: string | null
  ttl_seconds: number | null
  feed_last_updated: Date | null
  data_age_seconds: number | null
  stale_after_seconds: number
  stale: boolean
  last_attempt_at: Date | null
  last_success_at: Date | null
  last_error_at: Date | null
  last_error: string | null
  consecutive_failures: number
  next_poll_at: Date | null
  polled_by: string | null
  station_count: number | null
  stations_stale: number
  warnings: unknown
}

/**
 * Every feed's health at a moment (`at`: now, unless a test asks about another), by the same
 * rules as station_freshness(): `urls` limits it to the feeds a console is configured with.
 */
export async function feedHealthRows(
  db: Queryable,
  urls: readonly string[] | null,
  at: Date,
): Promise<FeedHealthRow[]> {
  const { rows } = await sql<FeedHealthRow>`
    select f.feed_id, f.url, f.system_id, s.name as system_name, s.timezone, f.gbfs_version,
           f.ttl_seconds, f.feed_last_updated,
           extract(epoch from ${at}::timestamptz - f.feed_last_updated)::float8 as data_age_seconds,
           extract(epoch from feed_stale_after(f.ttl_seconds))::int as stale_after_seconds,
           (f.feed_last_updated is null
             or ${at}::timestamptz - f.feed_last_updated > feed_stale_after(f.ttl_seconds)) as stale,
           f.last_attempt_at, f.last_success_at, f.last_error_at, f.last_error,
           f.consecutive_failures, f.next_poll_at, f.polled_by, f.station_count,
           coalesce(fr.stale, 0) as stations_stale, f.warnings
      from feeds f
      left join systems s on s.system_id = f.system_id
      left join (
        select x.system_id, (count(*) filter (where x.stale))::int as stale
          from station_freshness(${at}) x
          join stations st on st.system_id = x.system_id and st.station_id = x.station_id
         where st.is_active
         group by x.system_id
      ) fr on fr.system_id = f.system_id
     where ${urls === null ? null : [...urls]}::text[] is null or f.url = any(${urls === null ? null : [...urls]}::text[])
     order by f.feed_id`.execute(db)
  return rows
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
  system_name: string
  timezone: string
}

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
           sc.score, s.region_id, sy.name as system_name, sy.timezone
      from station_freshness(${at}) fr
      join stations s on s.system_id = fr.system_id and s.station_id = fr.station_id
      join systems sy on sy.system_id = s.system_id
      left join station_status_latest l
        on l.system_id = s.system_id and l.station_id = s.station_id
      left join imbalance_scores sc
        on sc.system_id = s.system_id and sc.station_id = s.station_id
     where s.is_active
       and (${query.systemId ?? null}::text is null or s.system_id = ${query.systemId ?? null})
       and (not ${query.staleOnly ?? false}::boolean or fr.stale)
       and (${ids}::text[] is null or s.station_id = any(${ids}::text[]))
     order by s.system_id, s.name, s.station_id`.execute(db)
  return rows
}

export interface PollRow {
  poll_id: number
  started_at: Date
  finished_at: Date
  outcome: string
  http_status: number | null
  feed_last_updated: Date | null
  stations_seen: number | null
  status_rows_written: number | null
  stations_added: number | null
  stations_inactivated: number | null
  error: string | null
  polled_by: string | null
}

/** A feed's latest polls, newest first: gaps in polling show as gaps in this list. */
export async function recentPolls(
  db: Queryable,
  feedId: number,
  limit: number,
): Promise<PollRow[]> {
  return db
    .selectFrom('feed_polls')
    .select([
      'poll_id',
      'started_at',
      'finished_at',
      'outcome',
      'http_status',
      'feed_last_updated',
      'stations_seen',
      'status_rows_written',
      'stations_added',
      'stations_inactivated',
      'error',
      'polled_by',
    ])
    .where('feed_id', '=', feedId)
    .orderBy('started_at', 'desc')
    .limit(limit)
    .execute()
}
