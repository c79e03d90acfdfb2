import { execFile } from 'node:child_process'
import { chmod, mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { extract } from 'tar'
import { ARCHIVE_CLUSTER, ARCHIVE_MANIFEST, ARCHIVE_STATE, BackupError } from './base-backup.js'
import type { BackupManifest } from './base-backup.js'

const execFileAsync = promisify(execFile)

/** The embedded database's layout in a data directory (src/server/db/embedded-postgres.ts). */
const CLUSTER_DIR = 'postgres'
const STATE_FILE = 'embedded-postgres.json'

export interface RestoreResult {
  dataDir: string
  clusterDir: string
  manifest: BackupManifest
}

async function isEmptyOrMissing(path: string): Promise<boolean> {
  try {
    return (await readdir(path)).length === 0
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return true
    throw error
  }
}

/**
 * Unpacks a backup as the embedded database of `dataDir`: the cluster with its backup_label and
 * WAL (its first start replays the WAL from the backup's checkpoint to the end of the backup:
 * crash recovery to a consistent state) and the credentials file with the cluster's own
 * password. Never over an existing cluster: the directory must have none.
 */
export async function restoreBackup(file: string, dataDir: string): Promise<RestoreResult> {
  const clusterDir = join(dataDir, CLUSTER_DIR)
  const statePath = join(dataDir, STATE_FILE)
  if (!(await isEmptyOrMissing(clusterDir))) {
    throw new BackupError(
      `${clusterDir} already holds a database: restore into a new data directory (nothing was changed)`,
    )
  }
  try {
    await stat(file)
  } catch (error) {
    throw new BackupError(`cannot read ${file}: ${(error as Error).message}`)
  }
  await mkdir(dataDir, { recursive: true })
  const staging = join(dataDir, `.restore-${process.pid}`)
  await rm(staging, { recursive: true, force: true })
  await mkdir(staging, { mode: 0o700 })
  try {
    const allowed = [ARCHIVE_CLUSTER, ARCHIVE_STATE, ARCHIVE_MANIFEST]
    try {
      await extract({
        file,
        cwd: staging,
        strict: true,
        // Only the names backup writes: an archive cannot place files elsewhere.
        filter: (path) => allowed.some((top) => path === top || path.startsWith(`${top}/`)),
      })
    } catch (error) {
      throw new BackupError(`${file} is not a readable backup: ${(error as Error).message}`)
    }
    let manifest: BackupManifest
    let password: string
    try {
      manifest = JSON.parse(
        await readFile(join(staging, ARCHIVE_MANIFEST), 'utf8'),
      ) as BackupManifest
      const state = JSON.parse(await readFile(join(staging, ARCHIVE_STATE), 'utf8')) as {
        password: string
      }
      password = state.password
      await stat(join(staging, ARCHIVE_CLUSTER, 'backup_label'))
      await stat(join(staging, ARCHIVE_CLUSTER, 'PG_VERSION'))
    } catch {
      throw new BackupError(
        `${file} is not a complete backup made by balancer backup (no manifest, credentials, backup_label or PG_VERSION)`,
      )
    }
    // The directories left empty in the archive, as PostgreSQL expects them.
    for (const dir of ['pg_wal/archive_status', 'pg_replslot', 'pg_notify', 'pg_snapshots']) {
      await mkdir(join(staging, ARCHIVE_CLUSTER, dir), { recursive: true })
    }
    await rm(clusterDir, { recursive: true, force: true })
    await rename(join(staging, ARCHIVE_CLUSTER), clusterDir)
    await chmod(clusterDir, 0o700)
    // As root the embedded server runs as `postgres` (embedded-postgres.ts): it must own its files.
    if (process.getuid?.() === 0) {
      await execFileAsync('chown', ['-R', 'postgres:postgres', clusterDir])
    }
    await writeFile(
      statePath,
      `${JSON.stringify({ password, port: 0, ownerPid: null }, null, 2)}\n`,
      { mode: 0o600 },
    )
    await chmod(statePath, 0o600)
    return { dataDir, clusterDir, manifest }
  } finally {
    await rm(staging, { recursive: true, force: true })
  }
}
