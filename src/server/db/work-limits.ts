import { AsyncLocalStorage } from 'node:async_hooks'
import type pg from 'pg'

/**
 * How long a statement may run and a transaction may sit idle, on the server's clock. A database
 * that vanishes without closing its socket (a machine unplugged, a frozen VM) never answers at
 * all; the client's own deadline (`answerDeadlineMs`) ends the wait then.
 */
export interface WorkLimits {
  statementMs: number
  idleInTransactionMs: number
}

/**
 * Request work (the API, the desktop window, the poller's writes): its statements take
 * milliseconds, the heaviest reads (a system's flows or service levels over months) seconds; 30 s
 * leaves them room while no request waits longer than a person would. A request's transaction
 * does milliseconds of work between statements, so one idle for 20 s belongs to a process that
 * hung: the server ends it and its row locks are given back.
 */
export const REQUEST_LIMITS: WorkLimits = { statementMs: 30_000, idleInTransactionMs: 20_000 }

/**
 * Long jobs (engine runs and their model fits, service-level refreshes, trip and status imports,
 * migrations) set their own: a status week's import or a year's refresh runs minutes, never 30.
 */
export const LONG_WORK_LIMITS: WorkLimits = {
  statementMs: 30 * 60_000,
  idleInTransactionMs: 10 * 60_000,
}

/** A new connection that is not made within this time fails (and the request answers 503). */
export const CONNECT_TIMEOUT_MS = 5_000

/**
 * The client's wait for an answer: the server cancels a statement at its limit and says so; 5 s
 * beyond that, silence means the server or the network is gone, and the connection is dropped.
 */
export function answerDeadlineMs(limits: WorkLimits): number {
  return limits.statementMs + 5_000
}

/**
 * TCP keepalive both ways. The server's settings (10 + 3 x 5 s) free a vanished client's session
 * and locks within 25 s; the client's (first probe after 10 s idle) is all Node sets, its interval
 * and count being the system's (75 s x 9 on Linux), hence the answer deadline above.
 */
const SERVER_KEEPALIVES =
  '-c tcp_keepalives_idle=10 -c tcp_keepalives_interval=5 -c tcp_keepalives_count=3'

/** Options for every connection this app makes: pool, LISTEN, leader, imports. */
export function connectionConfig(
  url: string,
  applicationName: string,
  limits: WorkLimits,
): pg.ClientConfig {
  return {
    connectionString: url,
    application_name: applicationName,
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    keepAlive: true,
    keepAliveInitialDelayMillis: 10_000,
    statement_timeout: limits.statementMs,
    idle_in_transaction_session_timeout: limits.idleInTransactionMs,
    options: SERVER_KEEPALIVES,
  }
}

const longWork = new AsyncLocalStorage<WorkLimits>()

/**
 * Runs `work` with long-job limits: every pool connection it takes has its session's timeouts
 * raised for as long as it holds it (and set back before the pool gets it again).
 */
export function asLongWork<T>(work: () => Promise<T>, limits = LONG_WORK_LIMITS): Promise<T> {
  return longWork.run(limits, work)
}

/** The long-job limits of the work calling, if it runs under `asLongWork`. */
export function longWorkLimits(): WorkLimits | undefined {
  return longWork.getStore()
}

/** The SQL (and its parameters) that gives a session these limits. */
export function setLimitsQuery(limits: WorkLimits): [string, string[]] {
  return [
    `select set_config('statement_timeout', $1, false),
            set_config('idle_in_transaction_session_timeout', $2, false)`,
    [String(limits.statementMs), String(limits.idleInTransactionMs)],
  ]
}

/** The error a connection is dropped with when the server said nothing within the deadline. */
export function noAnswerError(ms: number): Error {
  return Object.assign(new Error(`the database did not answer within ${Math.round(ms / 1000)} s`), {
    code: 'ETIMEDOUT',
  })
}
