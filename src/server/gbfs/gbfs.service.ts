import type {
  FeedHealth,
  FeedPoll,
  FeedsHealth,
  FeedWarningInfo,
  StationLive,
  StationsQuery,
  StationStaleReason,
} from '../../shared/feeds.js'
import type { Database } from '../db/database.js'
import { currentLeader } from '../jobs/leader.js'
import {
  feedHealthRows,
  recentPolls,
  stationLiveRows,
  type FeedHealthRow,
  type PollRow,
  type StationLiveRow,
} from './gbfs.repository.js'

export interface FeedServiceDeps {
  db: Database
  /** The feeds this console is configured with; health lists these (all feeds when empty). */
  feedUrls: () => readonly string[]
  /** The scheduled-jobs lock, to say which console polls. */
  lockName: string
  /** Whether this console holds it. */
  isLeader: () => boolean
  now?: () => Date
}

/** Feed health and station freshness, for GET /health, the feeds routes and IPC alike. */
export interface FeedService {
  health(): Promise<FeedsHealth>
  stations(query?: StationsQuery): Promise<StationLive[]>
  polls(feedId: number, limit?: number): Promise<FeedPoll[]>
}

/** "45 s", "12 min", "5 h", "3 d": how long ago, in words a dispatcher reads at a glance. */
export function formatAge(seconds: number): string {
  if (seconds < 90) return `${Math.max(0, Math.round(seconds))} s`
  if (seconds < 90 * 60) return `${Math.round(seconds / 60)} min`
  if (seconds < 36 * 3600) return `${Math.round(seconds / 3600)} h`
  return `${Math.round(seconds / 86400)} d`
}

const iso = (date: Date | null) => (date ? date.toISOString() : null)

function warningsOf(value: unknown): FeedWarningInfo[] {
  return Array.isArray(value) ? (value as FeedWarningInfo[]) : []
}

/** Why a feed's numbers are not live, in words; null when they are. */
export function feedStaleDetail(row: FeedHealthRow): string | null {
  if (!row.stale) return null
  if (row.feed_last_updated === null || row.data_age_seconds === null) {
    return row.last_error ? `never read: ${row.last_error}` : 'not read yet'
  }
  const failing =
    row.consecutive_failures > 0 && row.last_error
      ? `; the last ${row.consecutive_failures} poll(s) failed: ${row.last_error}`
      : ''
  return `the data is ${formatAge(row.data_age_seconds)} old, more than the ${formatAge(row.stale_after_seconds)} allowed${failing}`
}

function stationStaleDetail(row: StationLiveRow, now: Date): string | null {
  switch (row.stale_reason) {
    case null:
      return null
    case 'no_status':
      return 'the feed has given no status for this station'
    case 'feed_stale':
      return "the feed's data is not live (see the feed's health)"
    case 'missing_from_feed':
      return `left out of the feed's status since ${iso(row.missing_since)}`
    case 'never_reported':
      return 'the station reports no real time (its last_reported is a placeholder)'
    case 'report_old':
      return `last reported ${formatAge((now.getTime() - (row.last_reported?.getTime() ?? 0)) / 1000)} ago`
    default:
      return row.stale_reason
  }
}

function toFeedHealth(row: FeedHealthRow): FeedHealth {
  return {
    feedId: row.feed_id,
    url: row.url,
    systemId: row.system_id,
    systemName: row.system_name,
    timezone: row.timezone,
    gbfsVersion: row.gbfs_version,
    ttlSeconds: row.ttl_seconds,
    feedLastUpdated: iso(row.feed_last_updated),
    dataAgeSeconds: row.data_age_seconds === null ? null : Math.round(row.data_age_seconds),
    staleAfterSeconds: row.stale_after_seconds,
    stale: row.stale,
    staleDetail: feedStaleDetail(row),
    lastAttemptAt: iso(row.last_attempt_at),
    lastSuccessAt: iso(row.last_success_at),
    lastErrorAt: iso(row.last_error_at),
    lastError: row.last_error,
    consecutiveFailures: row.consecutive_failures,
    nextPollAt: iso(row.next_poll_at),
    polledBy: row.polled_by,
    stationCount: row.station_count,
    stationsStale: row.stations_stale,
    warnings: warningsOf(row.warnings),
  }
}

function toPoll(row: PollRow): FeedPoll {
  return {
    pollId: row.poll_id,
    startedAt: row.started_at.toISOString(),
    finishedAt: row.finished_at.toISOString(),
    outcome: row.outcome as FeedPoll['outcome'],
    httpStatus: row.http_status,
    feedLastUpdated: iso(row.feed_last_updated),
    stationsSeen: row.stations_seen,
    statusRowsWritten: row.status_rows_written,
    stationsAdded: row.stations_added,
    stationsInactivated: row.stations_inactivated,
    error: row.error,
    polledBy: row.polled_by,
  }
}

export function createFeedService(deps: FeedServiceDeps): FeedService {
  const now = deps.now ?? (() => new Date())
  return {
    async health() {
      const at = now()
      const urls = deps.feedUrls()
      const [rows, leader] = await Promise.all([
        feedHealthRows(deps.db, urls.length > 0 ? urls : null, at),
        currentLeader(deps.db, deps.lockName),
      ])
      const feeds = rows.map(toFeedHealth)
      return {
        leader,
        pollingHere: deps.isLeader(),
        feeds,
        stale: feeds.some((feed) => feed.stale),
        checkedAt: at.toISOString(),
      }
    },

    async stations(query = {}) {
      const at = now()
      const rows = await stationLiveRows(
        deps.db,
        {
          systemId: query.systemId,
          staleOnly: query.staleOnly,
          stationIds: query.stationId === undefined ? undefined : [query.stationId],
        },
        at,
      )
      return rows.map((row) => toStationLive(row, at))
    },

    async polls(feedId, limit = 50) {
      return (await recentPolls(deps.db, feedId, limit)).map(toPoll)
    },
  }
}

/** One row of stationLiveRows as the wire carries it. */
export function toStationLive(row: StationLiveRow, at: Date): StationLive {
  return {
    systemId: row.system_id,
    stationId: row.station_id,
    name: row.name,
    shortName: row.short_name,
    capacity: row.capacity,
    lat: row.lat,
    lon: row.lon,
    bikes: row.bikes,
    ebikes: row.ebikes,
    docks: row.docks,
    isInstalled: row.is_installed,
    isRenting: row.is_renting,
    isReturning: row.is_returning,
    lastReported: iso(row.last_reported),
    observedAt: iso(row.observed_at),
    stale: row.stale,
    staleReason: row.stale_reason as StationStaleReason | null,
    staleDetail: stationStaleDetail(row, at),
    bikesDisabled: row.bikes_disabled,
    docksDisabled: row.docks_disabled,
    score: row.score,
    regionId: row.region_id,
    regionName: row.region_name,
    expectedFailures:
      row.expected_failures === null ? null : Math.round(row.expected_failures * 100) / 100,
    expectedFailuresHorizonMinutes:
      row.expected_failures === null ? null : row.failures_horizon_minutes,
    systemName: row.system_name,
    timeZone: row.timezone,
  }
}
