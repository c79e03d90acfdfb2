import type { BackupInfo, DatabaseMode } from '../../../shared/contract'

export function describeMode(mode: DatabaseMode): string {
  return mode === 'embedded' ? 'Embedded PostgreSQL' : 'Configured server'
}

/** Local time of day; the date too when it is not today, so a stale check stands out. */
export function formatCheckedAt(iso: string, now: Date = new Date()): string {
  const at = new Date(iso)
  if (Number.isNaN(at.getTime())) return iso
  const time = at.toLocaleTimeString(undefined, {
    hour: 'numeric',
    minute: '2-digit',
    second: '2-digit',
  })
  if (at.toDateString() === now.toDateString()) return time
  return `${at.toLocaleDateString(undefined, { month: 'short', day: 'numeric' })}, ${time}`
}

/** "Dec 7, 5:15:02 AM · 48.2 MB", or why there is none. */
export function describeBackup(backup: BackupInfo | null, now: Date = new Date()): string {
  if (!backup) return 'None yet: the embedded database is backed up daily into the data directory'
  const megabytes = backup.bytes / 1_048_576
  const size =
    megabytes >= 1
      ? `${megabytes.toFixed(1)} MB`
      : `${Math.max(1, Math.round(backup.bytes / 1024))} kB`
  return `${formatCheckedAt(backup.takenAt, now)} · ${size}`
}
