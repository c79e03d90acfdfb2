import { randomBytes } from 'node:crypto'
import { readdir, readFile, rename, rm, stat } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import pg from 'pg'
import { APP_VERSION } from '../../shared/version.js'
import { describeError } from '../errors.js'
import type { Logger } from '../logger.js'
import { TarWriter } from './tar-writer.js'

/** Where things go in the archive (restore.ts reads the same names). */
export const ARCHIVE_CLUSTER = 'postgres'
export const ARCHIVE_STATE = 'embedded-postgres.json'
export const ARCHIVE_MANIFEST = 'balancer-backup.json'
/** The embedded database's credentials file, beside its cluster directory. */
const STATE_FILE = 'embedded-postgres.json'

/**
 * Left out of a base backup, per the PostgreSQL manual ("Making a Base Backup Using the Low Level
 * API"): contents rebuilt or meaningless at start. The directories themselves are kept, empty.
 */
const EMPTY_DIRS = new Set([
  'pg_wal',
  'pg_replslot',
  'pg_dynshmem',
  'pg_notify',
  'pg_serial',
  'pg_snapshots',
  'pg_stat_tmp',
  'pg_subtrans',
])
const SKIPPED_FILES = new Set([
  'postmaster.pid',
  'postmaster.opts',
  'backup_label',
  'tablespace_map',
  'backup_manifest',
  'current_logfiles',
])

export interface BackupManifest {
  format: 1
  appVersion: string
  serverVersion: string
  startedAt: string
  finishedAt: string
  startLsn: string
  stopLsn: string
  walFiles: string[]
}

export interface BackupResult {
  file: string
  bytes: number
  seconds: number
  manifest: BackupManifest
}

export class BackupError extends Error {
  override name = 'BackupError'
}

/** Files and directories of the cluster, parents first, as archive-relative paths. */
async function* walk(root: string, relative = ''): AsyncGenerator<{ path: string; dir: boolean }> {
  const entries = await readdir(join(root, relative), { withFileTypes: true }).catch(
    (error: unknown) => {
      // A directory dropped while we walked.
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return []
      throw error
    },
  )
  for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
    const path = relative ? `${relative}/${entry.name}` : entry.name
    if (entry.isSymbolicLink()) {
      throw new BackupError(
        `${join(root, path)} is a symbolic link (a tablespace or a moved pg_wal): backup copies plain clusters only; use pg_basebackup`,
      )
    }
    if (entry.isDirectory()) {
      yield { path, dir: true }
      const top = relative === '' ? entry.name : null
      if (top && EMPTY_DIRS.has(top)) continue
      yield* walk(root, path)
    } else if (entry.isFile()) {
      if (relative === '' && SKIPPED_FILES.has(entry.name)) continue
      if (entry.name.startsWith('pgsql_tmp')) continue
      yield { path, dir: false }
    }
  }
}

/**
 * A consistent online backup of the embedded PostgreSQL through the low-level base backup API
 * (no pg_dump or pg_basebackup ships with it): on one session, pg_backup_start (an immediate
 * checkpoint), a copy of every file of the data directory into a gzipped tar, pg_backup_stop
 * (which ends the WAL segment in use), then the backup_label it returns and the WAL segments
 * from the start to the stop. A temporary replication slot, made first on the same session,
 * keeps those segments from being recycled by a checkpoint during the copy.
 * Writes go to `<out>.partial`, renamed to `out` once complete: a file named `out` is whole.
 */
export async function takeBackup(options: {
  url: string
  out: string
  logger: Logger
}): Promise<BackupResult> {
  const started = performance.now()
  const startedAt = new Date().toISOString()
  const client = new pg.Client({
    connectionString: options.url,
    application_name: 'balancer backup',
    keepAlive: true,
    connectionTimeoutMillis: 10_000,
  })
  // A server that goes away mid-backup fails the next query; the event must not crash us.
  client.on('error', (error) =>
    options.logger.warn({ err: describeError(error) }, 'backup connection error'),
  )
  await client.connect()
  const partial = `${options.out}.partial`
  let tar: TarWriter | null = null
  try {
    await client.query('set statement_timeout = 0; set idle_in_transaction_session_timeout = 0')
    const { rows: settings } = await client.query<{
      data_directory: string
      server_version: string
      segment: string
    }>(
      `select current_setting('data_directory') as data_directory,
              current_setting('server_version') as server_version,
              (select setting from pg_settings where name = 'wal_segment_size') as segment`,
    )
    const { data_directory: clusterDir, server_version: serverVersion } = settings[0] ?? {
      data_directory: '',
      server_version: '',
    }
    const segment = Number(settings[0]?.segment)
    const password = await readPassword(clusterDir)

    try {
      await client.query('select pg_create_physical_replication_slot($1, true, true)', [
        `balancer_backup_${randomBytes(4).toString('hex')}`,
      ])
    } catch (error) {
      options.logger.warn(
        { err: describeError(error) },
        'backup: no replication slot to hold the WAL; relying on the checkpoint interval',
      )
    }
    const { rows: begun } = await client.query<{ lsn: string }>(
      `select pg_backup_start($1, true)::text as lsn`,
      [`balancer ${startedAt}`],
    )
    const startLsn = begun[0]?.lsn ?? ''

    tar = new TarWriter(partial)
    await tar.directory(ARCHIVE_CLUSTER)
    for await (const entry of walk(clusterDir)) {
      const path = `${ARCHIVE_CLUSTER}/${entry.path}`
      if (entry.dir) await tar.directory(path)
      else await tar.file(path, join(clusterDir, entry.path))
    }

    const { rows: stopped } = await client.query<{
      lsn: string
      labelfile: string
      spcmapfile: string | null
    }>(`select lsn::text, labelfile, spcmapfile from pg_backup_stop(false)`)
    const stop = stopped[0]
    if (!stop) throw new BackupError('pg_backup_stop returned nothing')
    await tar.buffer(`${ARCHIVE_CLUSTER}/backup_label`, Buffer.from(stop.labelfile))
    if (stop.spcmapfile) {
      await tar.buffer(`${ARCHIVE_CLUSTER}/tablespace_map`, Buffer.from(stop.spcmapfile))
    }

    // Every segment from the one holding the start to the one holding the stop.
    const { rows: wal } = await client.query<{ name: string }>(
      `select distinct pg_walfile_name(lsn) as name
         from (select $1::pg_lsn + (g * $3::numeric) as lsn
                 from generate_series(0, ceil(($2::pg_lsn - $1::pg_lsn) / $3::numeric)::bigint) g
               union all select $2::pg_lsn) steps
        where lsn <= $2::pg_lsn
        order by 1`,
      [startLsn, stop.lsn, segment],
    )
    const walFiles = wal.map((row) => row.name)
    await tar.directory(`${ARCHIVE_CLUSTER}/pg_wal/archive_status`)
    for (const name of walFiles) {
      const copied = await tar.file(
        `${ARCHIVE_CLUSTER}/pg_wal/${name}`,
        join(clusterDir, 'pg_wal', name),
      )
      if (!copied) {
        throw new BackupError(`WAL segment ${name} was recycled before it was copied; try again`)
      }
    }

    const manifest: BackupManifest = {
      format: 1,
      appVersion: APP_VERSION,
      serverVersion,
      startedAt,
      finishedAt: new Date().toISOString(),
      startLsn,
      stopLsn: stop.lsn,
      walFiles,
    }
    // The cluster keeps its password (its hash is in pg_authid): restore needs it back.
    await tar.buffer(ARCHIVE_STATE, Buffer.from(`${JSON.stringify({ password }, null, 2)}\n`))
    await tar.buffer(ARCHIVE_MANIFEST, Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`))
    await tar.finish()
    tar = null
    await rename(partial, options.out)
    const { size } = await stat(options.out)
    return {
      file: options.out,
      bytes: size,
      seconds: Math.round(performance.now() - started) / 1000,
      manifest,
    }
  } catch (error) {
    tar?.abort()
    await rm(partial, { force: true })
    throw error
  } finally {
    // Ends a backup still in progress (non-exclusive backups end with their session) and
    // drops the temporary slot.
    await client.end().catch(() => undefined)
  }
}

async function readPassword(clusterDir: string): Promise<string> {
  const path = join(dirname(clusterDir), STATE_FILE)
  try {
    const state = JSON.parse(await readFile(path, 'utf8')) as { password?: unknown }
    if (typeof state.password === 'string') return state.password
  } catch {
    // said below
  }
  throw new BackupError(
    `the database's data directory ${clusterDir} has no readable ${STATE_FILE} beside it: backup copies the embedded database (run it on the machine that runs it); for a configured PostgreSQL use pg_basebackup or pg_dump`,
  )
}
