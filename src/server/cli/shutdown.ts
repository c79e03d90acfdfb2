import type { Logger } from '../logger.js'

/**
 * Runs `stop` once on SIGINT, SIGTERM or SIGHUP: for `serve`, the drain (requests in flight
 * finish, new ones are refused, at most 5 s), the pool, then the embedded PostgreSQL. A second
 * signal while stopping exits at once, for the person who presses Ctrl-C twice; an embedded
 * PostgreSQL this process owns is still asked for a fast shutdown on the way out.
 */
export function onShutdown(logger: Logger, stop: () => Promise<void>): void {
  let stopping = false
  const handler = (signal: NodeJS.Signals) => {
    if (stopping) {
      logger.warn({ signal }, 'second signal: exiting now')
      process.exit(130)
    }
    stopping = true
    logger.info({ signal }, 'shutting down')
    stop().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed')
        process.exit(1)
      },
    )
  }
  process.on('SIGINT', handler)
  process.on('SIGTERM', handler)
  process.on('SIGHUP', handler)
}
