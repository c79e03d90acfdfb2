/**
 * The polling loop: every configured feed polled on its own schedule (one `FeedPoll` each) until
 * stopped. One feed's poll is in `feed-poll.ts`, re-exported here for the modules that import it
 * from this file.
 */
import { setTimeout as sleep } from 'node:timers/promises'
import { describeError } from '../errors.js'
import type { FeedConfig } from './discovery.js'
import { FeedPoll, type PollDeps, type PollResult } from './feed-poll.js'
import { backoffDelay, DEFAULT_LIMITS } from './schedule.js'

export { changedScores, FeedPoll, type PollDeps, type PollResult } from './feed-poll.js'

export interface PollingOptions extends PollDeps {
  feeds: readonly FeedConfig[]
  /** Told after every poll (the runtime refreshes imbalance_scores when something changed). */
  onPolled?: (result: PollResult) => void
}

export interface Polling {
  /** Stops every feed's loop: fetches are abandoned, a write in progress is finished. */
  stop(): Promise<void>
}

/**
 * Polls every configured feed on its own schedule until stopped. Nothing here throws: a feed that
 * is down, returns garbage or times out is recorded and retried with backoff, and a database that
 * is unreachable is retried the same way, so the poller can never bring the server down.
 */
export function startPolling(options: PollingOptions): Polling {
  const controller = new AbortController()
  const { signal } = controller
  // A function, not `signal.aborted` inline: the loop below must re-read it after every await.
  const stopping = () => signal.aborted
  const limits = { ...DEFAULT_LIMITS, ...options.limits }
  const now = options.now ?? (() => new Date())

  async function wait(ms: number): Promise<void> {
    try {
      await sleep(Math.max(0, ms), undefined, { signal })
    } catch {
      // aborted: stopping
    }
  }

  async function run(config: FeedConfig): Promise<void> {
    let poll: FeedPoll | null = null
    let databaseFailures = 0
    while (!signal.aborted) {
      let delay: number
      try {
        if (poll) await poll.reload()
        else poll = await FeedPoll.open(config, options)
        databaseFailures = 0
        if (!poll.enabled) {
          options.logger.debug({ feed: config.url }, 'feed disabled; not polled')
          delay = limits.ceilingMs
        } else {
          const result = await poll.poll(signal)
          options.onPolled?.(result)
          delay = result.nextPollAt.getTime() - now().getTime()
        }
      } catch (error) {
        if (stopping()) break
        databaseFailures += 1
        delay = backoffDelay(databaseFailures, options.random, limits)
        options.logger.warn(
          { feed: config.url, err: describeError(error), retryInMs: Math.round(delay) },
          'cannot reach the database to poll this feed',
        )
      }
      await wait(delay)
    }
  }

  const loops = options.feeds.map((feed) => run(feed))
  return {
    async stop() {
      controller.abort()
      await Promise.allSettled(loops)
    },
  }
}
