import pino from 'pino'

export type Logger = pino.Logger

/**
 * Structured JSON logs on stderr, so that stdout stays for what a command prints for people and
 * scripts (the URL `serve` is listening on, a summary, a token).
 */
export function createLogger(level: string = process.env.LOG_LEVEL ?? 'info'): Logger {
  return pino({ level, base: { app: 'balancer' } }, pino.destination({ fd: 2, sync: false }))
}

/** A logger that drops everything, for tests and tools that report by other means. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' })
}

/** A logger writing to stderr and, once they are open, to more destinations (the log files). */
export interface TeeLogger {
  logger: Logger
  add(stream: pino.DestinationStream): void
  /** Writes out what every destination holds; for the moment before the process exits. */
  flush(): void
}

export function createTeeLogger(level: string = process.env.LOG_LEVEL ?? 'info'): TeeLogger {
  // Each destination takes every line the logger's own level lets through.
  const streams = pino.multistream([
    { level: 'trace', stream: pino.destination({ fd: 2, sync: false }) },
  ])
  return {
    logger: pino({ level, base: { app: 'balancer' } }, streams),
    add: (stream) => streams.add({ level: 'trace', stream }),
    flush: () => {
      try {
        streams.flushSync()
      } catch {
        // A destination still opening has nothing to write yet.
      }
    },
  }
}
