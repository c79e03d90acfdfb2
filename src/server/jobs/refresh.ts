import { describeError } from '../errors.js'
import type { Logger } from '../logger.js'

export interface Refresher {
  /** Asks for a refresh; requests made while one runs are folded into one more run after it. */
  request(): void
  /** Resolves once no refresh is running or asked for. */
  idle(): Promise<void>
}

/**
 * Runs `refresh` (a materialized view refresh) on demand, one at a time, coalescing: three feeds
 * finishing their polls together cause at most two refreshes, never three overlapping ones.
 */
export function createRefresher(
  name: string,
  refresh: () => Promise<void>,
  logger: Pick<Logger, 'warn' | 'debug'>,
): Refresher {
  let running: Promise<void> | null = null
  // Set by request() while a refresh runs; read through a function so that the loop below
  // sees what request() did during its await.
  let again = false
  const askedAgain = () => again

  const run = (): Promise<void> =>
    (async () => {
      do {
        again = false
        const started = Date.now()
        try {
          await refresh()
          logger.debug({ refresh: name, ms: Date.now() - started }, 'refreshed')
        } catch (error) {
          logger.warn({ refresh: name, err: describeError(error) }, 'refresh failed')
        }
      } while (askedAgain())
    })().finally(() => {
      running = null
    })

  return {
    request() {
      if (running) again = true
      else running = run()
    },
    async idle() {
      while (running) await running
    },
  }
}
