import type { Database } from '../db/database.js'
import type { NotifyHub } from '../events/notify-hub.js'
import { everySystemAfterPolls } from '../jobs/after-polls.js'
import type { LeaderJob } from '../jobs/leader.js'
import type { Logger } from '../logger.js'
import type { EngineService } from './engine.service.js'

export interface EngineJobOptions {
  db: Database
  engine: EngineService
  /** Poll notifications (any console's): a poll that wrote status asks for a run. */
  events: NotifyHub | null
  logger: Logger
  /** A run at least this often, polls or not (the demand moves on with the clock). */
  everyMs?: number
  /**
   * Runs after polls at most this often: polls come every 10-60 s, while the engine plans in
   * 15-minute slots over 3 hours, so a run a minute would only churn suggestions.
   */
  afterPollGapMs?: number
}

export const ENGINE_EVERY_MS = 15 * 60_000
export const ENGINE_AFTER_POLL_GAP_MS = 5 * 60_000

/**
 * The suggestion engine as one of the scheduled jobs only the leading console runs: after a
 * poll that wrote station status (at most every 5 minutes) and every 15 minutes regardless, for
 * every system, one run at a time (requests during a run fold into one more).
 */
export function engineJob(options: EngineJobOptions): LeaderJob {
  return everySystemAfterPolls(
    {
      ...options,
      name: 'suggestion-engine',
      wants: (poll) => poll.outcome === 'ok' && (poll.statusRowsWritten ?? 0) > 0,
    },
    { everyMs: ENGINE_EVERY_MS, afterPollGapMs: ENGINE_AFTER_POLL_GAP_MS },
    'engine: scheduled run failed',
    (systemId) => options.engine.run({ system_id: systemId }, { trigger: 'schedule' }),
  )
}
