import { mkdir, readdir, rm, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { describeError } from '../errors.js'
import type { LeaderJob } from '../jobs/leader.js'
import type { Logger } from '../logger.js'
import { takeBackup, type BackupResult } from './base-backup.js'

/** The daily backups of the embedded database: `<data dir>/backups/balancer-<UTC time>.tar.gz`. */
export const BACKUPS_DIR = 'backups'
const NAME = /^balancer-(\d{8}T\d{6}Z)\.tar\.gz$/

export interface BackupFile {
  file: string
  bytes: number
  takenAt: string
}

export function backupsDir(dataDir: string): string {
  return join(dataDir, BACKUPS_DIR)
}

/** balancer-20261207T051500Z.tar.gz: sorts by time, and says it. */
export function backupFileName(at: Date): string {
  return `balancer-${at
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z')}.tar.gz`
}

function parseTime(stamp: string): string {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(stamp)
  return m ? `${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}Z` : stamp
}

/** The complete backups in the directory, newest first (a `.partial` is one being written). */
export async function listBackups(dir: string): Promise<BackupFile[]> {
  let names: string[]
  try {
    names = await readdir(dir)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return []
    throw error
  }
  const found: BackupFile[] = []
  for (const name of names) {
    const match = NAME.exec(name)
    if (!match?.[1]) continue
    const info = await stat(join(dir, name)).catch(() => null)
    if (info) found.push({ file: join(dir, name), bytes: info.size, takenAt: parseTime(match[1]) })
  }
  return found.sort((a, b) => b.takenAt.localeCompare(a.takenAt))
}

/** For the System page: the newest backup of an embedded database's data directory. */
export function lastBackupOf(
  mode: 'embedded' | 'configured',
  dataDir: string | null | undefined,
): (() => Promise<{ takenAt: string; bytes: number } | null>) | undefined {
  if (mode !== 'embedded' || !dataDir) return undefined
  return async () => {
    const newest = (await listBackups(backupsDir(dataDir)))[0]
    return newest ? { takenAt: newest.takenAt, bytes: newest.bytes } : null
  }
}

/** Keeps the newest `keep`; the files it removed. */
export async function pruneBackups(dir: string, keep: number): Promise<string[]> {
  const old = (await listBackups(dir)).slice(keep)
  for (const backup of old) await rm(backup.file, { force: true })
  return old.map((backup) => backup.file)
}

/** A backup into `<data dir>/backups/`, then the oldest beyond `keep` removed. */
export async function backupIntoDataDir(options: {
  url: string
  dataDir: string
  keep: number
  logger: Logger
}): Promise<BackupResult & { removed: string[] }> {
  const dir = backupsDir(options.dataDir)
  await mkdir(dir, { recursive: true, mode: 0o700 })
  const result = await takeBackup({
    url: options.url,
    out: join(dir, backupFileName(new Date())),
    logger: options.logger,
  })
  return { ...result, removed: await pruneBackups(dir, options.keep) }
}

/** Checked hourly; a backup once the newest is this old. 23 h, so a day never slips by one. */
export const DAILY_BACKUP_AGE_MS = 23 * 60 * 60_000
export const BACKUP_CHECK_MS = 60 * 60_000
/** The first check waits this long after the lead is taken: crews first, then the backup. */
export const BACKUP_FIRST_DELAY_MS = 5 * 60_000

/**
 * Daily backups of the embedded database, run by the leading console (there is one embedded
 * database per data directory, and the consoles sharing it take turns leading it).
 */
export function dailyBackupJob(options: {
  url: string
  dataDir: string
  keep: number
  logger: Logger
  checkMs?: number
  firstDelayMs?: number
}): LeaderJob {
  const { logger } = options
  return {
    name: 'daily-backup',
    start: () => {
      let running: Promise<void> | null = null
      const check = () => {
        if (running) return
        running = (async () => {
          try {
            const newest = (await listBackups(backupsDir(options.dataDir)))[0]
            if (newest && Date.now() - Date.parse(newest.takenAt) < DAILY_BACKUP_AGE_MS) return
            const done = await backupIntoDataDir(options)
            logger.info(
              { file: done.file, bytes: done.bytes, seconds: done.seconds, removed: done.removed },
              'daily backup of the embedded database written',
            )
          } catch (error) {
            logger.error(
              { err: describeError(error) },
              'daily backup failed; the next hourly check tries again',
            )
          } finally {
            running = null
          }
        })()
      }
      const first = setTimeout(check, options.firstDelayMs ?? BACKUP_FIRST_DELAY_MS)
      const interval = setInterval(check, options.checkMs ?? BACKUP_CHECK_MS)
      return async () => {
        clearTimeout(first)
        clearInterval(interval)
        await running
      }
    },
  }
}
