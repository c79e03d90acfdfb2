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
