import { resolve } from 'node:path'
import type { Command } from 'commander'
import pg from 'pg'
import { backupIntoDataDir } from '../backup/backups.js'
import { BackupError, takeBackup } from '../backup/base-backup.js'
import { restoreBackup } from '../backup/restore.js'
import { loadSettings } from '../config/settings.js'
import { startEmbeddedPostgres } from '../db/embedded-postgres.js'
import type { Logger } from '../logger.js'
import type { CommandHelpers } from './trips.commands.js'

interface DatabaseFlags {
  databaseUrl?: string
  dataDir?: string
}

function megabytes(bytes: number): string {
  return `${(bytes / 1_048_576).toFixed(1)} MB`
}

/** `backup` and `restore`: the embedded database, copied while it runs, and brought back. */
export function addBackupCommands(program: Command, logger: Logger, helpers: CommandHelpers): void {
  helpers
    .withDatabaseOptions(
      program
        .command('backup')
        .description(
          'an online backup of the embedded database (serve may run and crews work meanwhile) into a .tar.gz; a configured PostgreSQL is backed up with its own tools (pg_basebackup, pg_dump)',
        )
        .option('--out <file>', 'where it goes (default: <data dir>/backups/, keeping the last 7)')
        .option('--json', 'print the result as JSON'),
    )
    .action(async (flags: DatabaseFlags & { out?: string; json?: boolean }) => {
      const settings = await loadSettings(helpers.overrides(flags))
      if (settings.databaseUrl) {
        throw new BackupError(
          'backup copies the embedded database; this data directory uses a configured PostgreSQL: back it up with pg_basebackup (a physical copy) or pg_dump --format=custom, or the managed service’s snapshots',
        )
      }
      // Joins the running server as a guest (serve keeps owning it), or starts it for the copy.
      const embedded = await startEmbeddedPostgres(settings.dataDir, logger)
      try {
        const result = flags.out
          ? await takeBackup({ url: embedded.url, out: resolve(flags.out), logger })
          : await backupIntoDataDir({
              url: embedded.url,
              dataDir: settings.dataDir,
              keep: settings.retention?.backups ?? 7,
              logger,
            })
        process.stdout.write(
          flags.json
            ? `${JSON.stringify(result, null, 2)}\n`
            : `Backup written: ${result.file} (${megabytes(result.bytes)}, ${result.seconds.toFixed(1)} s, WAL ${result.manifest.startLsn} to ${result.manifest.stopLsn}).\n` +
                `Restore it with: balancer restore ${result.file} --data-dir <new directory>\n`,
        )
      } finally {
        await embedded.release()
      }
    })

  program
    .command('restore')
    .description(
      'unpack a backup as the embedded database of a new data directory, start it once to replay its WAL, and say what it holds',
    )
    .argument('<file>', 'a .tar.gz written by balancer backup')
    .requiredOption('--data-dir <dir>', 'the new data directory (must hold no database yet)')
    .option('--json', 'print the result as JSON')
    .action(async (file: string, flags: { dataDir: string; json?: boolean }) => {
      const restored = await restoreBackup(resolve(file), resolve(flags.dataDir))
      // The first start replays the WAL to the end of the backup; a backup that cannot reach a
      // consistent state fails here, not on the depot's next morning.
      const embedded = await startEmbeddedPostgres(restored.dataDir, logger)
      let tasks: number | null
      try {
        const client = new pg.Client({ connectionString: embedded.url })
        await client.connect()
        try {
          const { rows } = await client.query<{ count: string }>('select count(*) from tasks')
          tasks = Number(rows[0]?.count ?? 0)
        } catch {
          tasks = null // a backup of a database never migrated
        } finally {
          await client.end()
        }
      } finally {
        await embedded.release()
      }
      const result = { ...restored, tasks }
      process.stdout.write(
        flags.json
          ? `${JSON.stringify(result, null, 2)}\n`
          : `Restored the backup of ${restored.manifest.startedAt} into ${restored.dataDir}: it starts and holds ${tasks ?? 'no'} tasks.\n` +
              `Run it with: balancer serve --data-dir ${restored.dataDir}\n`,
      )
    })
}
