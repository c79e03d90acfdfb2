import { Kysely, PostgresDialect } from 'kysely'
import pg from 'pg'
import type { Logger } from '../logger.js'
import type { DB } from './schema.js'

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
}

export function createPool(url: string, logger: Logger, options: PoolOptions = {}): pg.Pool {
  const pool = new pg.Pool({
    connectionString: url,
    max: options.max ?? 16,
    connectionTimeoutMillis: 5_000,
    idleTimeoutMillis: 30_000,
    application_name: options.applicationName ?? 'bay-wheels-balancer',
    types: typeParsers,
  })
  // An idle client whose server goes away emits here; unhandled, it would crash the process.
  pool.on('error', (error) => logger.warn({ err: error }, 'idle database connection failed'))
  return pool
}

export function createDatabase(pool: pg.Pool): Database {
  return new Kysely<DB>({ dialect: new PostgresDialect({ pool }) })
}
