import { describeError } from '../errors.js'
import type { Logger } from '../logger.js'

/**
 * Keeps the embedded PostgreSQL of a long-running process (`serve`, the desktop app) serving:
 * watches that its server runs, and when it has died (`kill -9`, the OOM killer, a crash) brings
 * it back through `recover`, with backoff after failures. It never ends the process: after
 * repeated failures it logs an error a person can act on, reports it through `problem()` (the
 * health page shows it while the database is unreachable) and keeps trying.
 */

export type RecoverOutcome =
  /** This process started it again. */
  | 'restarted'
  /** It runs again, started or kept by another process: this one uses it. */
  | 'joined'
  /** It runs, and its owner had died: this process now owns it. */
  | 'adopted'
  /** Another live process owns it and is the one to start it: wait for it. */
  | 'waiting'

export interface SupervisorHooks {
  /** Whether the server this process uses runs (pid checks only: called twice a second). */
  isUp(): Promise<boolean>
  /** Every few seconds while up: re-reads who owns the server (this process may lose it). */
  verify(): Promise<void>
  /** One attempt to have the server running again. Throws what went wrong. */
  recover(): Promise<RecoverOutcome>
}

export interface Supervision {
  /** Why the embedded server is not serving, in words for the health page; null while it is. */
  problem(): string | null
  /** Stops watching; waits for a restart in progress so that the caller may stop the server. */
  stop(): Promise<void>
}

export interface SupervisorOptions {
  logger: Logger
  clusterDir: string
  /** 500 ms: a dead server is noticed at once next to the 15 s a crew's phone may wait. */
  intervalMs?: number
  /** Failed restarts wait 0.5, 1, 2, 4, 8, 16 s and then this long between tries. */
  maxDelayMs?: number
  /** Consecutive failed restarts after which the log and the health page say it plainly. */
  failuresBeforeAlarm?: number
}

/** Ticks between ownership checks: every 5 s at the default interval. */
const VERIFY_EVERY = 10
/** How long a living owner may leave its server down before the health page says so. */
const OWNER_SILENT_MS = 30_000

export function superviseEmbedded(hooks: SupervisorHooks, options: SupervisorOptions): Supervision {
  const { logger, clusterDir } = options
  const intervalMs = options.intervalMs ?? 500
  const maxDelayMs = options.maxDelayMs ?? 30_000
  const failuresBeforeAlarm = options.failuresBeforeAlarm ?? 5
  const control = { stopped: false }
  // A function, not the flag itself: it changes while a loop awaits, which narrowing cannot see.
  const stopped = () => control.stopped
  let problem: string | null = null
  let wake: (() => void) | null = null

  function sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms)
      // Never what keeps a process alive: the process's own shutdown stops the supervision.
      timer.unref()
      function done() {
        clearTimeout(timer)
        wake = null
        resolve()
      }
      wake = done
    })
  }

  async function recoverUntilUp(): Promise<void> {
    const downAt = Date.now()
    logger.error({ clusterDir }, 'the embedded PostgreSQL stopped unexpectedly; restarting it')
    problem = 'the embedded PostgreSQL stopped unexpectedly and is being restarted'
    let failures = 0
    let waitingSince: number | null = null
    while (!stopped()) {
      let outcome: RecoverOutcome
      try {
        outcome = await hooks.recover()
      } catch (error) {
        failures += 1
        const delay = Math.min(maxDelayMs, 500 * 2 ** (failures - 1))
        const why = describeError(error)
        if (failures >= failuresBeforeAlarm) {
          problem =
            `the embedded PostgreSQL in ${clusterDir} stopped and could not be restarted ` +
            `(${failures} attempts): ${why}; retrying every ${Math.round(delay / 1000)} s`
          if (failures === failuresBeforeAlarm) {
            logger.error({ clusterDir, failures, err: error }, problem)
          } else {
            logger.warn({ failures, err: error }, 'the embedded PostgreSQL did not restart')
          }
        } else {
          logger.warn(
            { failures, retryInMs: delay, err: error },
            'the embedded PostgreSQL did not restart; trying again',
          )
        }
        await sleep(delay)
        continue
      }
      if (outcome === 'waiting') {
        waitingSince ??= Date.now()
        if (Date.now() - waitingSince > OWNER_SILENT_MS) {
          problem =
            `the embedded PostgreSQL in ${clusterDir} is down and the process that owns it ` +
            `has not restarted it for ${Math.round((Date.now() - waitingSince) / 1000)} s`
        }
        await sleep(intervalMs)
        continue
      }
      problem = null
      logger.info(
        { ms: Date.now() - downAt, failures, outcome },
        outcome === 'restarted'
          ? 'embedded PostgreSQL restarted'
          : outcome === 'adopted'
            ? 'embedded PostgreSQL running again; adopted it from its exited owner'
            : 'embedded PostgreSQL running again (started by the process that owns it)',
      )
      return
    }
  }

  async function watch(): Promise<void> {
    let tick = 0
    while (!stopped()) {
      await sleep(intervalMs)
      if (stopped()) return
      tick += 1
      let up: boolean
      try {
        up = await hooks.isUp()
        if (up && tick % VERIFY_EVERY === 0) await hooks.verify()
      } catch (error) {
        logger.warn({ err: error }, 'could not check the embedded PostgreSQL')
        up = true // a check that failed is no reason to restart a server; look again soon
      }
      if (!up && !stopped()) await recoverUntilUp()
    }
  }

  const watching = watch().catch((error: unknown) => {
    // A bug, not a database fault: say so, never crash the process over it.
    logger.error({ err: error }, 'the embedded PostgreSQL supervision stopped')
  })

  return {
    problem: () => problem,
    async stop() {
      control.stopped = true
      wake?.()
      await watching
    },
  }
}
