import type pg from 'pg'
import type { DatabaseMode } from '../../shared/contract.js'
import { describeDatabaseUrl, type Settings } from '../config/settings.js'
import { describeError } from '../errors.js'
import type { Logger } from '../logger.js'
import { createDatabase, createPool, type Database } from './database.js'
import { startEmbeddedPostgres } from './embedded-postgres.js'
import { migrateToLatest } from './migrations.js'
import { asLongWork } from './work-limits.js'

/** A migrated database, whichever kind the settings select, and how to let go of it. */
export interface OpenDatabase {
  db: Database
  /** The pool under `db`, for its gauges (metrics). */
  pool: pg.Pool
  /** With credentials: for this process's own extra connections, never for display. */
  url: string
  mode: DatabaseMode
  /** host:port/database, without credentials. */
  location: string
  /** Migrations this start applied. */
  applied: string[]
  /** Why the embedded PostgreSQL is not serving while its supervision knows (else null). */
  problem: () => string | null
  /** Closes the pool, then stops the embedded PostgreSQL when this process owns it. */
  close(): Promise<void>
}

export interface OpenDatabaseOptions {
  poolSize?: number
  applicationName?: string
  /** Long-running processes (serve, the desktop app): restart the embedded server if it dies. */
  supervise?: boolean
}

/**
 * `DATABASE_URL` (or the settings file) selects a configured server; without it the embedded
 * PostgreSQL in the data directory is started, or joined when another process runs it.
 */
export async function openDatabase(
  settings: Settings,
  logger: Logger,
  options: OpenDatabaseOptions = {},
): Promise<OpenDatabase> {
  const embedded = settings.databaseUrl
    ? null
    : await startEmbeddedPostgres(settings.dataDir, logger, { supervise: options.supervise })
  const url = embedded ? embedded.url : (settings.databaseUrl as string)
  const pool = createPool(url, logger, {
    max: options.poolSize,
    applicationName: options.applicationName,
  })
  // A client checked out of the pool has no error listener (pg-pool removes its idle one): the
  // FATAL a backend sends when its server dies between two statements would end the process.
  // Seen under `kill -9` of the embedded postmaster; the query's own error still reaches its caller.
  pool.on('connect', (client) => {
    client.on('error', (error) => logger.warn({ err: error }, 'database connection failed'))
  })
  const db = createDatabase(pool)
  const close = async () => {
    await db.destroy()
    await embedded?.release()
  }
  try {
    // Migrations are a long job: a big one, or waiting for another console's, may pass 30 s.
    const applied = await asLongWork(() => migrateToLatest(db, logger))
    return {
      db,
      pool,
      url,
      mode: embedded ? 'embedded' : 'configured',
      location: describeDatabaseUrl(url),
      applied,
      problem: () => embedded?.problem() ?? null,
      close,
    }
  } catch (error) {
    await close()
    throw new Error(`database at ${describeDatabaseUrl(url)}: ${describeError(error)}`, {
      cause: error,
    })
  }
}
