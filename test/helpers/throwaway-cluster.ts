import { execFile } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { chown, mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { freePort } from './ports.js'

const run = promisify(execFile)

/** The machine's PostgreSQL 15 (Debian's layout); override with PG_BIN. */
export const PG_BIN = process.env.PG_BIN ?? '/usr/lib/postgresql/15/bin'

/**
 * A PostgreSQL cluster of a test's own, on a free port in a temporary directory, for tests that
 * stop, restart or kill the database under a running server. Never the machine's shared server.
 */
export interface ThrowawayCluster {
  /** postgres://postgres@127.0.0.1:PORT/postgres (trust authentication). */
  adminUrl: string
  port: number
  dataDir: string
  /** `pg_ctl restart -m fast`: sessions are terminated (57P01), the server comes straight back. */
  restartFast(): Promise<void>
  /** `pg_ctl stop -m immediate|fast`: the cluster is gone until `start`. */
  stop(mode?: 'fast' | 'immediate'): Promise<void>
  start(): Promise<void>
  /** SIGSTOP / SIGCONT of every process of the cluster: a server that answers nothing at all. */
  freeze(): Promise<void>
  thaw(): Promise<void>
  /** Stops the cluster (immediately) and removes its directory. */
  remove(): Promise<void>
}

/** Runs a PostgreSQL binary as the `postgres` user when we are root (initdb refuses root). */
async function asPostgres(binary: string, args: string[]): Promise<string> {
  const path = join(PG_BIN, binary)
  const root = process.getuid?.() === 0
  const { stdout } = await run(
    root ? 'runuser' : path,
    root ? ['-u', 'postgres', '--', path, ...args] : args,
    { timeout: 60_000 },
  )
  return stdout
}

export async function startThrowawayCluster(
  options: { name?: string } = {},
): Promise<ThrowawayCluster> {
  const base = await mkdtemp(join(tmpdir(), `${options.name ?? 'pg-throwaway'}-`))
  const dataDir = join(base, 'data')
  if (process.getuid?.() === 0) {
    const { uid, gid } = postgresIds()
    await chown(base, uid, gid)
  }
  const port = await freePort()
  await asPostgres('initdb', ['-D', dataDir, '-A', 'trust', '-U', 'postgres', '-E', 'UTF8'])
  // Test speed, not durability against a power cut (fsync off: the kernel keeps what a killed
  // server wrote). synchronous_commit stays on: with it off, `stop -m immediate` loses the last
  // commits a crew was already told about, and the fault tests would count the database's loss
  // as ours.
  const serverOptions = [
    `-p ${port}`,
    `-c listen_addresses=127.0.0.1`,
    `-c unix_socket_directories=${base}`,
    '-c fsync=off',
    '-c full_page_writes=off',
    '-c max_connections=60',
  ].join(' ')
  const log = join(base, 'server.log')
  const pgCtl = (args: string[]) => asPostgres('pg_ctl', ['-D', dataDir, ...args])
  const start = () => pgCtl(['start', '-w', '-t', '30', '-l', log, '-o', serverOptions]).then(noop)
  const stop = (mode: 'fast' | 'immediate' = 'fast') =>
    pgCtl(['stop', '-w', '-t', '30', '-m', mode]).then(noop)
  const signal = async (sig: 'STOP' | 'CONT') => {
    // The postmaster (first line of its pid file) and its children, the sessions among them.
    const pidFile = await readFile(join(dataDir, 'postmaster.pid'), 'utf8').catch(() => '')
    const postmaster = pidFile.split('\n')[0]?.trim()
    if (!postmaster) return
    const { stdout } = await run('pgrep', ['-P', postmaster]).catch(() => ({ stdout: '' }))
    for (const pid of [postmaster, ...stdout.split('\n').filter(Boolean)]) {
      try {
        process.kill(Number(pid), `SIG${sig}`)
      } catch {
        // Gone meanwhile.
      }
    }
  }
  await start()
  return {
    adminUrl: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    dataDir,
    restartFast: () =>
      pgCtl(['restart', '-w', '-t', '30', '-m', 'fast', '-l', log, '-o', serverOptions]).then(noop),
    stop,
    start,
    freeze: () => signal('STOP'),
    thaw: () => signal('CONT'),
    async remove() {
      await signal('CONT')
      await stop('immediate').catch(noop)
      await rm(base, { recursive: true, force: true })
    },
  }
}

function noop(): void {}

/** The postgres user's uid and gid, from /etc/passwd (node has no lookup by name). */
function postgresIds(): { uid: number; gid: number } {
  const line = readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .find((entry) => entry.startsWith('postgres:'))
  if (!line) throw new Error('no postgres user on this machine: the throwaway cluster needs one')
  const [, , uid, gid] = line.split(':')
  return { uid: Number(uid), gid: Number(gid) }
}
