/**
 * One feed's poll: its files read, its stations and statuses written and the poll recorded in one
 * transaction, or the failure recorded and the next attempt backed off.
 */
import type { Database } from '../db/database.js'
import { describeError } from '../errors.js'
import type { Logger } from '../logger.js'
import { systemIdFromUrl, type FeedConfig } from './discovery.js'
import { FeedError } from './feed-error.js'
import { FeedReader, type Snapshot } from './feed-reader.js'
import { httpFetcher, type FetchFile } from './fetch.js'
import {
  applyStations,
  ensureFeed,
  ensureStatusPartition,
  lockFeed,
  recordPoll,
  touchStationsSeen,
  replaceRegions,
  upsertSystem,
  writeStatuses,
  type FeedRow,
  type StationChanges,
  type StatusWrite,
} from './gbfs.repository.js'
import { backoffDelay, DEFAULT_LIMITS, nextPollDelay, type ScheduleLimits } from './schedule.js'
import type { FeedWarning } from './types.js'

export interface PollDeps {
  db: Database
  logger: Logger
  /** Who polls, for the health page and the poll log: "host:pid". */
  polledBy: string
  fetchFile?: FetchFile
  now?: () => Date
  random?: () => number
  limits?: Partial<ScheduleLimits>
}

/** What one poll did, for the poll log, `poll-once`'s summary and the scheduler. */
export interface PollResult {
  feedId: number
  url: string
  systemId: string | null
  outcome: 'ok' | 'not_modified' | 'error'
  error: string | null
  startedAt: Date
  finishedAt: Date
  version: string | null
  lastUpdated: Date | null
  ttl: number | null
  /** Stations station_information listed (null: the feed has none, or it did not change). */
  stationsListed: number | null
  stations: StationChanges
  /** Statuses the feed gave (null: it has no station_status). */
  statusesSeen: number | null
  statuses: StatusWrite
  /** Statuses for stations neither station_information nor the database knows: not written. */
  unknownStations: number
  warnings: FeedWarning[]
  pollId: number | null
  nextPollAt: Date
  consecutiveFailures: number
}

const NO_STATION_CHANGES: StationChanges = { added: 0, updated: 0, reactivated: 0, inactivated: 0 }
const NO_STATUS_WRITE: StatusWrite = {
  matched: 0,
  written: 0,
  nowMissing: 0,
  unknown: 0,
  unknownExamples: [],
}

/** Whether a poll changed anything imbalance_scores is computed from. */
export function changedScores(result: PollResult): boolean {
  const { added, updated, reactivated, inactivated } = result.stations
  return result.statuses.written + added + updated + reactivated + inactivated > 0
}

/** stations.last_seen_at is kept to within 5 minutes (see touchStationsSeen). */
const SEEN_EVERY_MS = 5 * 60_000

function monthOf(date: Date): string {
  return date.toISOString().slice(0, 7)
}

/**
 * One feed, polled again and again: its reader (conditional requests, cached files), its row in
 * `feeds`, and its run of failures. `poll()` never throws for a feed or database failure: the
 * failure is recorded on the feed's health (when the database lets us) and returned.
 */
export class FeedPoll {
  private readonly reader: FeedReader
  private readonly limits: ScheduleLimits
  private readonly now: () => Date
  private lastError: string | null = null
  /** The system this poller last wrote, so an unchanged system_information costs nothing. */
  private systemWritten: string | null = null
  private seenTouchedAt = 0
  private partitionsMade = new Set<string>()

  private constructor(
    readonly config: FeedConfig,
    private feed: FeedRow,
    private readonly deps: PollDeps,
  ) {
    this.reader = new FeedReader(config, deps.fetchFile ?? httpFetcher())
    this.limits = { ...DEFAULT_LIMITS, ...deps.limits }
    this.now = deps.now ?? (() => new Date())
  }

  static async open(config: FeedConfig, deps: PollDeps): Promise<FeedPoll> {
    return new FeedPoll(config, await ensureFeed(deps.db, config.url), deps)
  }

  get feedId(): number {
    return this.feed.feedId
  }

  get enabled(): boolean {
    return this.feed.enabled
  }

  /** Re-reads the feed's row (a dispatcher may have disabled it from another console). */
  async reload(): Promise<void> {
    this.feed = await ensureFeed(this.deps.db, this.config.url)
  }

  private systemIdFor(stored: string | null, snapshot: Snapshot, warnings: FeedWarning[]): string {
    const published = snapshot.system?.systemId ?? null
    if (this.config.systemId) return this.config.systemId
    if (stored) {
      if (published && published !== stored) {
        warnings.push({
          file: 'system_information',
          code: 'system_changed',
          message: `system_id is now ${JSON.stringify(published)}; stations stay under ${JSON.stringify(stored)}`,
          count: 1,
          examples: [],
        })
      }
      return stored
    }
    return published ?? systemIdFromUrl(this.config.url)
  }

  async poll(signal: AbortSignal): Promise<PollResult> {
    const startedAt = this.now()
    const { polledBy, db } = this.deps
    try {
      const { snapshot, commit } = await this.reader.read(signal, startedAt)
      const nextPollAt = new Date(
        startedAt.getTime() + nextPollDelay(snapshot, startedAt, this.limits),
      )
      const unchanged = !snapshot.stationsChanged && !snapshot.statusesChanged
      if (!unchanged && !this.partitionsMade.has(monthOf(startedAt))) {
        await ensureStatusPartition(db, startedAt)
        this.partitionsMade.add(monthOf(startedAt))
      }
      const warnings = [...snapshot.warnings]
      const written = await db.transaction().execute(async (trx) => {
        const { systemId: stored } = await lockFeed(trx, this.feed.feedId)
        const systemId = this.systemIdFor(stored, snapshot, warnings)
        // Whether the system's row exists: written now, or by an earlier poll of this process.
        let systemKnown = this.systemWritten === systemId
        let stations = NO_STATION_CHANGES
        let statuses = NO_STATUS_WRITE
        if (!unchanged) {
          if (snapshot.systemChanged || this.systemWritten !== systemId) {
            systemKnown = true
            await upsertSystem(trx, {
              systemId,
              name: snapshot.system?.name ?? null,
              timezone: snapshot.system?.timezone ?? null,
              language: snapshot.system?.language ?? null,
            })
          }
          if (snapshot.stations && snapshot.stationsChanged) {
            stations = await applyStations(
              trx,
              systemId,
              snapshot.stations,
              startedAt,
              snapshot.stations.length > 0,
            )
          }
          if (snapshot.statuses) {
            statuses = await writeStatuses(trx, systemId, snapshot.statuses, startedAt)
            if (statuses.unknown > 0) {
              warnings.push({
                file: 'station_status',
                code: 'status_unknown_station',
                message: 'a status for a station the database does not know was not written',
                count: statuses.unknown,
                examples: statuses.unknownExamples,
              })
            }
          }
        }
        // Regions change on their own (a renamed city) and are written whenever they do.
        if (snapshot.regions && snapshot.regionsChanged && systemKnown) {
          await replaceRegions(trx, systemId, snapshot.regions)
        }
        if (startedAt.getTime() - this.seenTouchedAt >= SEEN_EVERY_MS) {
          await touchStationsSeen(trx, systemId, startedAt)
        }
        const finishedAt = this.now()
        const outcome = unchanged ? 'not_modified' : 'ok'
        const { pollId } = await recordPoll(
          trx,
          {
            feedId: this.feed.feedId,
            startedAt,
            finishedAt,
            outcome,
            httpStatus: snapshot.httpStatus,
            feedLastUpdated: snapshot.lastUpdated,
            stationsSeen: snapshot.statuses
              ? snapshot.statuses.length + snapshot.unknownStatuses
              : null,
            statusRowsWritten: statuses.written,
            stationsAdded: stations.added,
            stationsInactivated: stations.inactivated,
            warnings,
            error: null,
            polledBy,
            statusSnapshot:
              snapshot.statuses && snapshot.statusesChanged
                ? { systemId, observedAt: startedAt, stations: statuses.matched }
                : null,
          },
          unchanged
            ? { kind: 'unchanged', nextPollAt }
            : {
                kind: 'read',
                systemId,
                gbfsVersion: snapshot.version,
                ttlSeconds: snapshot.ttl,
                stationCount: snapshot.stations?.length ?? snapshot.statuses?.length ?? null,
                nextPollAt,
              },
        )
        return { systemId, stations, statuses, pollId, finishedAt, outcome } as const
      })
      commit()
      this.systemWritten = written.systemId
      if (startedAt.getTime() - this.seenTouchedAt >= SEEN_EVERY_MS) {
        this.seenTouchedAt = startedAt.getTime()
      }
      if (this.feed.consecutiveFailures > 0) {
        this.deps.logger.info(
          { feed: this.config.url, failures: this.feed.consecutiveFailures },
          'feed recovered',
        )
      }
      this.feed = { ...this.feed, systemId: written.systemId, consecutiveFailures: 0 }
      this.lastError = null
      return {
        feedId: this.feed.feedId,
        url: this.config.url,
        systemId: written.systemId,
        outcome: written.outcome,
        error: null,
        startedAt,
        finishedAt: written.finishedAt,
        version: snapshot.version,
        lastUpdated: snapshot.lastUpdated,
        ttl: snapshot.ttl,
        stationsListed: snapshot.stations?.length ?? null,
        stations: written.stations,
        statusesSeen: snapshot.statuses
          ? snapshot.statuses.length + snapshot.unknownStatuses
          : null,
        statuses: written.statuses,
        unknownStations: snapshot.unknownStatuses + written.statuses.unknown,
        warnings,
        pollId: written.pollId,
        nextPollAt,
        consecutiveFailures: 0,
      }
    } catch (error) {
      if (signal.aborted) throw error
      return this.recordFailure(error, startedAt)
    }
  }

  private async recordFailure(error: unknown, startedAt: Date): Promise<PollResult> {
    const message = describeError(error)
    const failures = this.feed.consecutiveFailures + 1
    const finishedAt = this.now()
    const nextPollAt = new Date(
      finishedAt.getTime() + backoffDelay(failures, this.deps.random, this.limits),
    )
    const { logger, polledBy, db } = this.deps
    const log = { feed: this.config.url, failures, retryAt: nextPollAt.toISOString() }
    // The same error again and again is news once; a different one is news again.
    if (message !== this.lastError) logger.warn({ ...log, error: message }, 'feed poll failed')
    else logger.debug({ ...log, error: message }, 'feed poll failed again')
    this.lastError = message
    this.feed = { ...this.feed, consecutiveFailures: failures }
    let pollId: number | null = null
    try {
      pollId = (
        await recordPoll(
          db,
          {
            feedId: this.feed.feedId,
            startedAt,
            finishedAt,
            outcome: 'error',
            httpStatus: error instanceof FeedError ? error.httpStatus : null,
            feedLastUpdated: null,
            stationsSeen: null,
            statusRowsWritten: null,
            stationsAdded: null,
            stationsInactivated: null,
            warnings: [],
            error: message,
            polledBy,
          },
          { kind: 'failed', nextPollAt },
        )
      ).pollId
    } catch (recordError) {
      logger.warn(
        { feed: this.config.url, err: describeError(recordError) },
        'could not record the failed poll (database unreachable?)',
      )
    }
    return {
      feedId: this.feed.feedId,
      url: this.config.url,
      systemId: this.feed.systemId,
      outcome: 'error',
      error: message,
      startedAt,
      finishedAt,
      version: null,
      lastUpdated: null,
      ttl: null,
      stationsListed: null,
      stations: NO_STATION_CHANGES,
      statusesSeen: null,
      statuses: NO_STATUS_WRITE,
      unknownStations: 0,
      warnings: [],
      pollId,
      nextPollAt,
      consecutiveFailures: failures,
    }
  }
}
