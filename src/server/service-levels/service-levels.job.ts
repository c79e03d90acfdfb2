import type { NotifyHub } from '../events/notify-hub.js'
import type { Database } from '../db/database.js'
import { everySystemAfterPolls } from '../jobs/after-polls.js'
import type { LeaderJob } from '../jobs/leader.js'
import type { Logger } from '../logger.js'
import type { ServiceLevelsService } from './service-levels.service.js'

export interface ServiceLevelsJobOptions {
  db: Database
  levels: ServiceLevelsService
  events: NotifyHub | null
  logger: Logger
  everyMs?: number
  afterPollGapMs?: number
}

/**
 * Every 5 minutes regardless: a day whose feed stopped completes once the last poll is further
 * back than its bridge, with no poll to say so.
 */
export const SERVICE_LEVELS_EVERY_MS = 5 * 60_000
/**
 * After polls at most once a minute: Bay Wheels is polled every 10 s, and today's summary costs
 * a read of today's status rows; a minute old is fresh for numbers counted in minutes.
 */
export const SERVICE_LEVELS_AFTER_POLL_GAP_MS = 60_000

/**
 * The daily summaries kept up to date by the leading console: at start (days polled or imported
 * before this version, or while no console ran), after polls that read a status file, and every
 * 5 minutes. Each run computes only the days not summarised yet or not complete.
 */
export function serviceLevelsJob(options: ServiceLevelsJobOptions): LeaderJob {
  return everySystemAfterPolls(
    { ...options, name: 'service-levels', wants: (poll) => poll.outcome === 'ok' },
    { everyMs: SERVICE_LEVELS_EVERY_MS, afterPollGapMs: SERVICE_LEVELS_AFTER_POLL_GAP_MS },
    'service levels: refresh failed',
    (systemId) => options.levels.refresh({ system: systemId }),
  )
}
