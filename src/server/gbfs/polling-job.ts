import type { Database } from '../db/database.js'
import type { LeaderJob } from '../jobs/leader.js'
import { createRefresher } from '../jobs/refresh.js'
import type { Logger } from '../logger.js'
import type { FeedConfig } from './discovery.js'
import { refreshImbalanceScores } from './gbfs.repository.js'
import { changedScores, startPolling } from './poller.js'
import { createStaleWatch } from './stale-watch.js'

export interface PollingJobOptions {
  db: Database
  logger: Logger
  /** This console, as the poll log and the health page name it. */
  identity: string
  feeds: readonly FeedConfig[]
}

/**
 * Polling every configured feed, as one of the scheduled jobs only the leading console runs, with
 * imbalance_scores refreshed after each poll that changed something (one refresh at a time), and
 * every console told when a feed's data turns stale between polls (see stale-watch.ts).
 */
export function pollingJob(options: PollingJobOptions): LeaderJob {
  const { db, logger } = options
  return {
    name: 'gbfs-poller',
    start: () => {
      const scores = createRefresher('imbalance_scores', () => refreshImbalanceScores(db), logger)
      const stale = createStaleWatch({ db, logger })
      const polling = startPolling({
        db,
        logger,
        polledBy: options.identity,
        feeds: options.feeds,
        onPolled: (result) => {
          if (changedScores(result)) scores.request()
          void stale.observe(result.feedId)
        },
      })
      return async () => {
        await polling.stop()
        await stale.stop()
        await scores.idle()
      }
    },
  }
}
