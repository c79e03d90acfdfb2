import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import type { DestinationStream } from 'pino'

/**
 * The desktop app's log, kept in its data directory: `<data dir>/logs/balancer.<n>.log`, a new
 * file every day or at 10 MB, the last 14 kept (two weeks of a depot's days; at ~175 bytes a
 * request line, 10 MB holds ~57,000 requests, about 16 hours of 50 crews' heartbeats every 30 s),
 * and `current.log` pointing at the one being written. stderr, where `serve` logs, is kept by
 * whatever runs it (systemd's journal, a terminal); the desktop app has no such keeper.
 */
export const LOG_DIR_NAME = 'logs'

export function logDirOf(dataDir: string): string {
  return join(dataDir, LOG_DIR_NAME)
}

export async function openLogFiles(dir: string): Promise<DestinationStream> {
  const { default: roll } = await import('pino-roll')
  // pino-roll's own `mkdir` races its symlink to current.log (ENOENT on a first start).
  await mkdir(dir, { recursive: true })
  return roll({
    file: join(dir, 'balancer'),
    extension: '.log',
    frequency: 'daily',
    size: '10m',
    mkdir: true,
    symlink: true,
    limit: { count: 14 },
  })
}
