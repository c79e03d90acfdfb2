import { describeError } from '../errors.js'
import type { LeaderJob } from '../jobs/leader.js'
import type { Logger } from '../logger.js'
import { runUpkeep, type UpkeepDeps, type UpkeepReport } from './upkeep.service.js'

/**
 * Hourly: partitions are made three months ahead and retention is counted in days and months,
 * so a day would do; an hour lets a first run on a long-neglected database catch up in a few
 * runs of bounded batches, and costs a few catalog reads and index probes when there is nothing
 * to delete.
 */
export const UPKEEP_EVERY_MS = 60 * 60_000
/** After the leader starts: not at once, so that a console starting up serves crews first. */
export const UPKEEP_FIRST_DELAY_MS = 60_000

export interface UpkeepJobOptions extends UpkeepDeps {
  everyMs?: number
  firstDelayMs?: number
  onReport?: (report: UpkeepReport) => void
}

/** Upkeep on the leading console: once shortly after it takes the lead, then every hour. */
export function upkeepJob(options: UpkeepJobOptions): LeaderJob {
  const { logger } = options
  return {
    name: 'upkeep',
    start: () => {
      let running: Promise<void> | null = null
      let stopped = false
      const run = () => {
        if (running || stopped) return
        running = (async () => {
          try {
            const report = await runUpkeep(options)
            options.onReport?.(report)
            logUpkeep(logger, report)
          } catch (error) {
            logger.warn({ err: describeError(error) }, 'upkeep failed; the next run tries again')
          } finally {
            running = null
          }
        })()
      }
      const first = setTimeout(run, options.firstDelayMs ?? UPKEEP_FIRST_DELAY_MS)
      const interval = setInterval(run, options.everyMs ?? UPKEEP_EVERY_MS)
      return async () => {
        stopped = true
        clearTimeout(first)
        clearInterval(interval)
        await running
      }
    },
  }
}

function logUpkeep(logger: Logger, report: UpkeepReport): void {
  const deleted = Object.fromEntries(
    report.pruned.filter((prune) => prune.deleted > 0).map((prune) => [prune.table, prune.deleted]),
  )
  const problems = [
    ...report.partitions.errors,
    ...report.pruned.flatMap((prune) => (prune.error ? [`${prune.table}: ${prune.error}`] : [])),
  ]
  logger.info(
    {
      seconds: report.seconds,
      partitionsCreated: report.partitions.created,
      partitionsDropped: report.partitions.dropped,
      deleted,
      importsSummarised: report.imports.summarised.length,
    },
    'upkeep done',
  )
  if (problems.length > 0) logger.warn({ problems }, 'upkeep: some steps failed')
}
