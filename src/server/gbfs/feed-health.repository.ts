/**
 * A feed's health: each poll's record and the feed row it updates, when its data turns stale,
 * and the health and recent polls the console shows.
 */
import { sql } from 'kysely'
import type { Queryable } from './gbfs.repository.js'
import type { FeedWarning } from './types.js'

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
