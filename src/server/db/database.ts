import { Kysely, PostgresDialect, type PostgresPool, type PostgresPoolClient } from 'kysely'
import pg from 'pg'
import { describeError } from '../errors.js'
import type { Logger } from '../logger.js'
import type { DB } from './schema.js'
import {
  answerDeadlineMs,
  connectionConfig,
  longWorkLimits,
  noAnswerError,
  REQUEST_LIMITS,
  setLimitsQuery,
  type WorkLimits,
} from './work-limits.js'

export type Database = Kysely<DB>

/**
 * int8 carries identity ids and count(*) results. JSON sends them as numbers and every one of
 * them stays far below 2^53, so it becomes a number, and a value that would silently round is
 * an error rather than a wrong id.
 */
export function parseInt8(text: string): number {
  const value = Number(text)
  if (!Number.isSafeInteger(value)) {
    throw new RangeError(`int8 value ${text} does not fit a JavaScript number exactly`)
  }
  return value
}

/** numeric appears only in computed shares and averages, where a double is the right type. */
export function parseNumeric(text: string): number {
  return Number.parseFloat(text)
}

type TypeId = Parameters<typeof pg.types.getTypeParser>[0]
const { builtins } = pg.types

/** Per-pool parsers, so that no other user of `pg` in the process is affected. */
const typeParsers: pg.CustomTypesConfig = {
  getTypeParser: ((oid: TypeId, format?: 'text' | 'binary') => {
    if (oid === builtins.INT8) return parseInt8
    if (oid === builtins.NUMERIC) return parseNumeric
    return pg.types.getTypeParser(oid, format) as unknown
  }) as pg.CustomTypesConfig['getTypeParser'],
}

export interface PoolOptions {
  max?: number
  applicationName?: string
  /** Request work's limits (tests shorten them); long jobs raise them with `asLongWork`. */
  limits?: WorkLimits
}

/** Each pool's request limits, for the connections `createDatabase` hands out. */
const poolLimits = new WeakMap<pg.Pool, WorkLimits>()

export function createPool(url: string, logger: Logger, options: PoolOptions = {}): pg.Pool {
  const limits = options.limits ?? REQUEST_LIMITS
  const pool = new pg.Pool({
    ...connectionConfig(url, options.applicationName ?? 'bay-wheels-balancer', limits),
    max: options.max ?? 16,
    idleTimeoutMillis: 30_000,
    types: typeParsers,
  })
  poolLimits.set(pool, limits)
  // An idle client whose server goes away emits here; unhandled, it would crash the process.
  pool.on('error', (error) => logger.warn({ err: error }, 'idle database connection failed'))
  // So does a client checked out between two statements (a transaction, a run's own connection)
  // when the server restarts: pg-pool listens only while it is idle. The statement in flight, or
  // the next one, fails with the same error and the request answers 503.
  pool.on('connect', (client) => {
    client.on('error', (error) =>
      logger.debug({ err: describeError(error) }, 'database connection lost while in use'),
    )
  })
  return pool
}

/**
 * The pool as Kysely sees it: every statement has an answer deadline, a connection whose server
 * fell silent is dropped rather than handed out again, and work under `asLongWork` gets its own
 * limits on the connections it takes.
 */
function guardedPool(pool: pg.Pool): PostgresPool {
  const requestLimits = poolLimits.get(pool) ?? REQUEST_LIMITS
  return {
    async connect() {
      const limits = longWorkLimits()
      const client = await pool.connect()
      const deadline = answerDeadlineMs(limits ?? requestLimits)
      let dropped: Error | null = null
      const query = (text: unknown, parameters?: unknown[]): unknown => {
        if (typeof text !== 'string') return client.query(text as pg.Submittable)
        const timer = setTimeout(() => {
          dropped = noAnswerError(deadline)
          // Fails the statement in flight with this error; pg-pool then discards the client.
          client.connection.stream.destroy(dropped)
        }, deadline)
        return client.query(text, parameters).finally(() => clearTimeout(timer))
      }
      const setLimits = (to: WorkLimits) => query(...setLimitsQuery(to)) as Promise<unknown>
      if (limits) {
        try {
          await setLimits(limits)
        } catch (error) {
          client.release(error as Error)
          throw error
        }
      }
      return {
        query: query as PostgresPoolClient['query'],
        release() {
          if (!limits || dropped) {
            client.release(dropped ?? undefined)
            return
          }
          // Back to request limits before another request gets this session.
          setLimits(requestLimits).then(
            () => client.release(),
            (error: unknown) => client.release(error as Error),
          )
        },
      }
    },
    end: () => pool.end(),
  }
}

export function createDatabase(pool: pg.Pool): Database {
  return new Kysely<DB>({ dialect: new PostgresDialect({ pool: guardedPool(pool) }) })
}
