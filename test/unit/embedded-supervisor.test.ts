import { describe, expect, it } from 'vitest'
import { superviseEmbedded, type RecoverOutcome } from '../../src/server/db/embedded-supervisor.js'
import { silentLogger, type Logger } from '../../src/server/logger.js'

/** A logger that keeps what was logged at error level. */
function recordingLogger(): { logger: Logger; errors: string[] } {
  const errors: string[] = []
  const logger = silentLogger()
  const error = logger.error.bind(logger)
  logger.error = (first: unknown, message?: string) => {
    errors.push(message ?? String(first))
    error(first as object, message)
  }
  return { logger, errors }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

describe('the embedded PostgreSQL supervision', () => {
  it('restarts a dead server, backing off, and says plainly when it keeps failing', async () => {
    let up = true
    let attempts = 0
    const failUntil = 7
    const { logger, errors } = recordingLogger()
    const supervision = superviseEmbedded(
      {
        isUp: () => Promise.resolve(up),
        verify: () => Promise.resolve(),
        recover: (): Promise<RecoverOutcome> => {
          attempts += 1
          if (attempts < failUntil) {
            return Promise.reject(new Error('could not bind IPv4 address "127.0.0.1"'))
          }
          up = true
          return Promise.resolve('restarted')
        },
      },
      { logger, clusterDir: '/data/postgres', intervalMs: 10, maxDelayMs: 40 },
    )
    try {
      expect(supervision.problem()).toBeNull()
      up = false
      await sleep(30)
      expect(supervision.problem()).toMatch(/stopped unexpectedly and is being restarted/)
      // Five failures in a row: an error in the log, and the health page's words.
      const deadline = Date.now() + 5_000
      while (attempts < 6 && Date.now() < deadline) await sleep(5)
      expect(supervision.problem()).toMatch(
        /in \/data\/postgres stopped and could not be restarted \(\d attempts\): could not bind/,
      )
      expect(errors.filter((message) => /could not be restarted/.test(message))).toHaveLength(1)
      while (attempts < failUntil && Date.now() < deadline) await sleep(5)
      await sleep(20)
      expect(supervision.problem()).toBeNull()
      expect(attempts).toBe(failUntil)
    } finally {
      await supervision.stop()
    }
    // Stopped: a server that dies now is left alone (the process is shutting down).
    up = false
    await sleep(50)
    expect(attempts).toBe(failUntil)
  })

  it('waits, without counting failures, while another live process owns the server', async () => {
    let outcome: RecoverOutcome = 'waiting'
    let attempts = 0
    let up = false
    const supervision = superviseEmbedded(
      {
        isUp: () => Promise.resolve(up),
        verify: () => Promise.resolve(),
        recover: () => {
          attempts += 1
          if (outcome !== 'waiting') up = true
          return Promise.resolve(outcome)
        },
      },
      { logger: silentLogger(), clusterDir: '/data/postgres', intervalMs: 10 },
    )
    try {
      await sleep(100)
      expect(attempts).toBeGreaterThan(3)
      expect(supervision.problem()).toMatch(/is being restarted/)
      outcome = 'joined'
      await sleep(50)
      expect(supervision.problem()).toBeNull()
    } finally {
      await supervision.stop()
    }
  })
})
