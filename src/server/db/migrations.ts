import { Migrator, sql, type Migration, type MigrationProvider } from 'kysely'
import { describeError } from '../errors.js'
import type { Logger } from '../logger.js'
import type { Database } from './database.js'

/**
 * The SQL files of db/migrations, compiled into the bundle: once the main process is bundled
 * there is no folder to scan at run time.
 */
const files = import.meta.glob<string>('../../../db/migrations/*.sql', {
  query: '?raw',
  import: 'default',
  eager: true,
})

export interface SqlMigration {
  name: string
  sql: string
}

const NAME = /^\d{4}_[a-z0-9_]+$/

export const MIGRATIONS: readonly SqlMigration[] = Object.entries(files)
  .map(([path, text]) => ({ name: path.replace(/^.*\//, '').replace(/\.sql$/, ''), sql: text }))
  .sort((a, b) => a.name.localeCompare(b.name))

for (const migration of MIGRATIONS) {
  if (!NAME.test(migration.name)) {
    throw new Error(`migration file ${migration.name}.sql must be named NNNN_words.sql`)
  }
}

class BundledMigrations implements MigrationProvider {
  getMigrations(): Promise<Record<string, Migration>> {
    return Promise.resolve(
      Object.fromEntries(
        MIGRATIONS.map((migration) => [
          migration.name,
          {
            up: async (db) => {
              await sql.raw(migration.sql).execute(db)
            },
          },
        ]),
      ),
    )
  }
}

export class MigrationError extends Error {
  override name = 'MigrationError'
}

/**
 * Applies every pending migration, each in its own transaction, under Kysely's migration lock so
 * that several consoles starting at once against one database apply each file exactly once.
 */
export async function migrateToLatest(db: Database, logger: Logger): Promise<string[]> {
  const migrator = new Migrator({
    db,
    provider: new BundledMigrations(),
    migrationTableName: 'schema_migrations',
    migrationLockTableName: 'schema_migrations_lock',
  })
  const { error, results = [] } = await migrator.migrateToLatest()
  const applied = results.filter((r) => r.status === 'Success').map((r) => r.migrationName)
  for (const name of applied) logger.info({ migration: name }, 'migration applied')
  if (error) {
    const failed = results.find((r) => r.status === 'Error')?.migrationName
    const what = failed ? `migration ${failed} failed` : 'could not read the applied migrations'
    throw new MigrationError(`${what}: ${describeError(error)}`, { cause: error })
  }
  await afterMigrations(db, logger)
  return applied
}

/** Idempotent work for every start: partitions ahead of time, PostGIS if the server gained it. */
async function afterMigrations(db: Database, logger: Logger): Promise<void> {
  await sql`select ensure_station_status_partitions(now(), now() + interval '3 months')`.execute(db)
  const { rows } = await sql<{
    enabled: boolean
  }>`select enable_postgis_geometry() as enabled`.execute(db)
  logger.debug({ postgis: rows[0]?.enabled ?? false }, 'schema ready')
}
