import pg from 'pg'
import { answerDeadlineMs, connectionConfig, LONG_WORK_LIMITS } from '../db/work-limits.js'
import type { TripSource } from '../trips/source.js'

/**
 * A file import's own connection: COPY needs the driver's stream, and the staging tables are
 * temporary tables of that session. Everything runs inside one transaction.
 */
export type ImportConnection = pg.ClientBase

/**
 * A connection outside the pool, for work that needs a session of its own: a long job's limits
 * (a status week's COPY and inserts run minutes), with an answer deadline past them so that a
 * database that vanished fails the import instead of hanging it (`end` then drops the socket).
 */
export async function openImportConnection(
  databaseUrl: string,
  applicationName: string,
): Promise<pg.Client> {
  const client = new pg.Client({
    ...connectionConfig(databaseUrl, applicationName, LONG_WORK_LIMITS),
    query_timeout: answerDeadlineMs(LONG_WORK_LIMITS),
  })
  // A connection that drops, idle or not, emits here; the statement in flight or the next one
  // reports it (and the import rolls back).
  client.on('error', () => undefined)
  await client.connect()
  return client
}

/**
 * Session settings for the import's own connection. temp_buffers must be set before the session
 * first touches a temporary table: at the default 8 MB, COPY of a trip month's 22 MB staging
 * table spills to disk (0.40 s); with room for it, 0.25 s. The Bay Wheels status week is 43 MB
 * of CSV: its staging table and the typed rows made from it (about 110 MB together) stay in
 * memory too. Memory is only taken as the tables grow.
 */
async function prepareImportSession(client: ImportConnection): Promise<void> {
  await client.query(`set temp_buffers = '256MB'`)
}

/**
 * Transaction-local settings: the import's tuplestores, hash tables and sorts stay in memory (the
 * sorts of the status week's 454,443 rows take about 70 MB each).
 */
async function prepareImportTransaction(client: ImportConnection): Promise<void> {
  await client.query(`set local work_mem = '128MB'`)
  // The planner cannot see inside the temporary tables and guesses costs that switch JIT on;
  // compiling a trip import's expressions cost 0.6 s of a 2.5 s insert of the month.
  await client.query('set local jit = off')
}

export interface ImportTransactionOptions {
  /** With credentials. */
  databaseUrl: string
  /** The connection's name in pg_stat_activity ("balancer import-trips"). */
  applicationName: string
  /** The file being imported, let go of on any failure. */
  source: Pick<TripSource, 'name' | 'close'>
  /** The importer's own error for content another import committed while this one ran. */
  importedMeanwhile: (detail: string, cause: unknown) => Error
}

/**
 * Runs one file's import on a connection of its own, in one transaction that `work` ends (it
 * commits, or rolls back for content already imported). A failure anywhere, or a killed
 * process, rolls all of it back; the temporary tables go with it.
 */
export async function withImportTransaction<T>(
  options: ImportTransactionOptions,
  work: (client: ImportConnection) => Promise<T>,
): Promise<T> {
  let client: pg.Client
  try {
    client = await openImportConnection(options.databaseUrl, options.applicationName)
  } catch (error) {
    options.source.close()
    throw error
  }
  try {
    await prepareImportSession(client)
    await client.query('begin')
    await prepareImportTransaction(client)
    return await work(client)
  } catch (error) {
    options.source.close()
    await client.query('rollback').catch(() => undefined)
    if ((error as { code?: string }).code === '23505') {
      // The same content, committed by another import while this one ran.
      throw options.importedMeanwhile(
        `${options.source.name} was imported by another import meanwhile`,
        error,
      )
    }
    throw error
  } finally {
    await client.end().catch(() => undefined)
  }
}

/**
 * Two imports of the same content into one system (two desks uploading the same month) take
 * turns from the moment the content is known to their commit: the second then finds the first's
 * record and answers "already imported", instead of failing on the unique (system, hash) key.
 * `imports` is the table of that key, so that imports of different kinds never wait on each
 * other.
 */
export async function lockImportContent(
  client: ImportConnection,
  imports: string,
  systemId: string,
  sha256: string,
): Promise<void> {
  await client.query(`select pg_advisory_xact_lock(hashtext($1), hashtext($2))`, [
    imports,
    `${systemId}:${sha256}`,
  ])
}

export type ImportTable = 'trip_imports' | 'status_imports'

/**
 * An earlier import of the same content into the system: its id and time, and `columns` (the
 * answer's names for the record's columns).
 */
export async function importByHash<Columns extends Record<string, unknown>>(
  client: ImportConnection,
  imports: ImportTable,
  columns: { [K in keyof Columns]: string },
  systemId: string,
  sha256: string,
): Promise<(Columns & { importId: number; importedAt: Date }) | null> {
  const named = Object.entries(columns).map(([name, column]) => `${column} as "${name}"`)
  const { rows } = await client.query<Columns & { importId: string; importedAt: Date }>(
    `select import_id::text as "importId", imported_at as "importedAt", ${named.join(', ')}
       from ${imports} where system_id = $1 and content_sha256 = $2`,
    [systemId, sha256],
  )
  const row = rows[0]
  return row ? { ...row, importId: Number(row.importId) } : null
}
