import { describeError } from '../errors.js'
import type { Logger } from '../logger.js'
import {
  feedStaleness,
  notifyFeedStale,
  type FeedStaleness,
  type Queryable,
} from './gbfs.repository.js'

/**
 * After the moment itself: a console whose clock runs a little behind the leader's, or that
 * reloads within the same millisecond, must already read the data as stale (the rule is strict:
 * older than the limit).
 */
export const STALE_MARGIN_MS = 1_000

export interface StaleWatchOptions {
  db: Queryable
  logger: Pick<Logger, 'debug' | 'warn'>
  now?: () => Date
  marginMs?: number
}

export interface StaleWatch {
  /**
   * After a poll of the feed (whatever its outcome): arms, or re-arms, the feed's timer for the
   * moment the data its row now holds turns stale. Resolves once armed.
   */
  observe(feedId: number): Promise<void>
  /** Clears every timer and waits for a notification being sent. */
  stop(): Promise<void>
}

/**
 * A feed that stops answering sends no more polls' notifications while the poller backs off (up
 * to an hour between tries), so nothing would tell the consoles when its data turns stale. The
 * leading console keeps one timer per feed for that moment (its `last_updated` +
 * feed_stale_after(ttl), read from the feed's row, the same rule as station_freshness()) and, if
 * nothing newer has arrived by then, sends the poll's `station_status` notification with outcome
 * 'stale', so every console and browser on the database reloads at the same moment.
 *
 * Data already stale when a poll ends arms nothing: that poll's own notification has just told
 * every console, and they judge staleness when they read. The timers never keep the process alive.
 */
export function createStaleWatch(options: StaleWatchOptions): StaleWatch {
  const { db, logger } = options
  const now = options.now ?? (() => new Date())
  const marginMs = options.marginMs ?? STALE_MARGIN_MS
  const timers = new Map<number, ReturnType<typeof setTimeout>>()
  /** Bumped by every observe(), so an older read of the row that finishes later arms nothing. */
  const generation = new Map<number, number>()
  const inFlight = new Set<Promise<void>>()
  let stopped = false

  function track(work: Promise<void>): Promise<void> {
    inFlight.add(work)
    return work.finally(() => inFlight.delete(work))
  }

  function clear(feedId: number): void {
    clearTimeout(timers.get(feedId))
    timers.delete(feedId)
  }

  async function fire(feedId: number, feedLastUpdated: Date): Promise<void> {
    try {
      const at = now()
      if (await notifyFeedStale(db, feedId, feedLastUpdated, at)) {
        logger.debug({ feedId, lastUpdated: feedLastUpdated.toISOString() }, 'feed data now stale')
      }
    } catch (error) {
      logger.warn({ feedId, err: describeError(error) }, 'could not announce stale feed data')
    }
  }

  async function arm(feedId: number): Promise<void> {
    const mine = (generation.get(feedId) ?? 0) + 1
    generation.set(feedId, mine)
    let staleness: FeedStaleness | null
    try {
      staleness = await feedStaleness(db, feedId)
    } catch (error) {
      // The database is out of reach: the timer armed before, if any, still stands.
      logger.debug(
        { feedId, err: describeError(error) },
        'could not read when feed data goes stale',
      )
      return
    }
    if (stopped || generation.get(feedId) !== mine) return
    clear(feedId)
    if (!staleness) return
    const { feedLastUpdated, staleAt } = staleness
    const delay = staleAt.getTime() - now().getTime()
    if (delay < 0) return
    const timer = setTimeout(() => {
      timers.delete(feedId)
      if (!stopped) void track(fire(feedId, feedLastUpdated))
    }, delay + marginMs)
    timer.unref()
    timers.set(feedId, timer)
  }

  return {
    observe(feedId) {
      if (stopped) return Promise.resolve()
      return track(arm(feedId))
    },
    async stop() {
      stopped = true
      for (const feedId of [...timers.keys()]) clear(feedId)
      while (inFlight.size > 0) await Promise.allSettled([...inFlight])
    },
  }
}
