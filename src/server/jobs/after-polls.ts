import type { Database } from '../db/database.js'
import type { NotifyHub } from '../events/notify-hub.js'
import type { Logger } from '../logger.js'
import { forEachSystem } from '../systems/system-choice.js'
import type { LeaderJob } from './leader.js'
import { createRefresher } from './refresh.js'

/** What a poll notification on `station_status` says (recordPoll's payload). */
export interface PollNotice {
  outcome?: string
  statusRowsWritten?: number
}

export interface AfterPollsOptions {
  name: string
  /** One run; runs never overlap, and requests during one fold into one more after it. */
  run: () => Promise<void>
  /** Poll notifications (any console's). */
  events: NotifyHub | null
  logger: Logger
  /** Which polls ask for a run (a notice that cannot be read asks for one). */
  wants: (poll: PollNotice) => boolean
  /** A run at least this often, polls or not. */
  everyMs: number
  /** Runs after polls at most this often. */
  afterPollGapMs: number
}

/**
 * A scheduled job of the leading console that follows the polls: a run after a poll that asks
 * for one (at most every `afterPollGapMs`), every `everyMs` regardless, and one at start.
 */
export function afterPollsJob(options: AfterPollsOptions): LeaderJob {
  return {
    name: options.name,
    start: () => {
      let lastRun = 0
      let pending: NodeJS.Timeout | undefined
      const runner = createRefresher(
        options.name,
        async () => {
          lastRun = Date.now()
          await options.run()
        },
        options.logger,
      )
      const afterPoll = () => {
        if (pending) return
        const wait = Math.max(0, lastRun + options.afterPollGapMs - Date.now())
        pending = setTimeout(() => {
          pending = undefined
          runner.request()
        }, wait)
      }
      const unsubscribe = options.events?.subscribe((event) => {
        if (event.channel !== 'station_status') return
        let poll: PollNotice
        try {
          poll = JSON.parse(event.payload) as PollNotice
        } catch {
          afterPoll()
          return
        }
        if (options.wants(poll)) afterPoll()
      })
      const interval = setInterval(() => runner.request(), options.everyMs)
      runner.request()
      return async () => {
        unsubscribe?.()
        clearInterval(interval)
        clearTimeout(pending)
        await runner.idle()
      }
    },
  }
}

/**
 * An after-polls job that does `work` for every system in turn (one that fails is logged as
 * `failure`, the others still run), with the job's own defaults for how often.
 */
export function everySystemAfterPolls(
  options: Omit<AfterPollsOptions, 'run' | 'everyMs' | 'afterPollGapMs'> & {
    db: Database
    everyMs?: number
    afterPollGapMs?: number
  },
  defaults: { everyMs: number; afterPollGapMs: number },
  failure: string,
  work: (systemId: string) => Promise<unknown>,
): LeaderJob {
  return afterPollsJob({
    name: options.name,
    events: options.events,
    logger: options.logger,
    wants: options.wants,
    everyMs: options.everyMs ?? defaults.everyMs,
    afterPollGapMs: options.afterPollGapMs ?? defaults.afterPollGapMs,
    run: () =>
      forEachSystem(options.db, options.logger, failure, (system) => work(system.systemId)),
  })
}
