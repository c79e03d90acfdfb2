import { readFileSync } from 'node:fs'
import { chmod, open, readFile, rename, stat, unlink, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { EmbeddedPostgresError } from './embedded-errors.js'

/**
 * Who owns the embedded cluster of a data directory, and the lock that orders every change of it.
 *
 * The state file (`embedded-postgres.json`, mode 0600) holds the password, the port and the
 * process that started (or adopted) the running server and will stop it. Every process that
 * starts, restarts, adopts or stops the cluster, or decides to join it, does so holding the lock
 * file beside it, so that two processes never both decide to start the same data directory and
 * the owner written in the state file is always the one that did. PostgreSQL's own
 * `postmaster.pid` is the last guard: a second postmaster refuses a data directory in use.
 */

export const STATE_FILE = 'embedded-postgres.json'
export const LOCK_FILE = 'embedded-postgres.lock'

export interface EmbeddedState {
  password: string
  port: number
  /** The process that started the running server and will stop it. */
  ownerPid: number | null
  /**
   * When the owner started (Linux: boot id and start time), so that a pid reused after a reboot
   * or a crash is not taken for the owner. Absent in files written before it existed.
   */
  ownerStart?: string | null
}

let bootId: string | null | undefined

/** An identity for a process that its pid alone is not: null where /proc is not available. */
export function processStart(pid: number): string | null {
  try {
    bootId ??= readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim()
  } catch {
    return null
  }
  const stat = procStat(pid)
  return stat ? `${bootId}:${stat.startTime}` : null
}

/**
 * Whether `pid` runs and, when its start is known, is still the process that had it. A zombie
 * is dead: a killed postmaster stays one until its parent reaps it, which a parent that is
 * stopped or busy does not do at once.
 */
export function isAlive(pid: number, start?: string | null): boolean {
  try {
    process.kill(pid, 0)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false
  }
  const stat = procStat(pid)
  if (stat?.state === 'Z') return false
  if (!start || !stat) return true
  const now = processStart(pid)
  return now === null || now === start
}

/** Fields of /proc/<pid>/stat; null where there is no /proc (macOS, Windows). */
function procStat(pid: number): { state: string; startTime: string } | null {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8')
    // The command name (field 2) may hold spaces and parentheses: count from the last ')'.
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ')
    // Field 3 is the state, field 22 the start time in clock ticks since boot.
    const [state, startTime] = [fields[0], fields[19]]
    return state && startTime ? { state, startTime } : null
  } catch {
    return null
  }
}

export function ownerIsThisProcess(state: EmbeddedState | null): boolean {
  return state?.ownerPid === process.pid
}

/** The recorded owner is another process that is still running. */
export function ownerIsAnotherLiveProcess(state: EmbeddedState | null): boolean {
  return (
    state !== null &&
    state.ownerPid !== null &&
    state.ownerPid !== process.pid &&
    isAlive(state.ownerPid, state.ownerStart)
  )
}

export async function readState(dataDir: string): Promise<EmbeddedState | null> {
  try {
    return JSON.parse(await readFile(join(dataDir, STATE_FILE), 'utf8')) as EmbeddedState
  } catch {
    return null
  }
}

/** Written whole (temporary file and rename): a reader never sees half a file. */
export async function writeState(
  dataDir: string,
  state: Omit<EmbeddedState, 'ownerStart'>,
): Promise<void> {
  const path = join(dataDir, STATE_FILE)
  const full: EmbeddedState = {
    ...state,
    ownerStart: state.ownerPid === null ? null : processStart(state.ownerPid),
  }
  const temporary = `${path}.${process.pid}.tmp`
  await writeFile(temporary, JSON.stringify(full, null, 2) + '\n', { mode: 0o600 })
  await chmod(temporary, 0o600)
  await rename(temporary, path)
}

/** The postmaster's pid and port, from the lock file PostgreSQL keeps while it runs. */
export async function readPostmaster(
  clusterDir: string,
): Promise<{ pid: number; port: number } | null> {
  let text: string
  try {
    text = await readFile(join(clusterDir, 'postmaster.pid'), 'utf8')
  } catch {
    return null
  }
  const lines = text.split('\n')
  const pid = Number(lines[0])
  const port = Number(lines[3])
  if (!Number.isInteger(pid) || pid <= 0 || !Number.isInteger(port)) return null
  return isAlive(pid) ? { pid, port } : null
}

interface LockHolder {
  pid: number
  start: string | null
  what: string
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** In-process queue per lock file: the file only orders processes, this orders callers. */
const queues = new Map<string, Promise<unknown>>()

/**
 * Runs `task` holding the data directory's lock. A holder that died (its pid is gone) leaves a
 * stale file that is removed; a live holder is waited for, up to `timeoutMs`: a first start with
 * initdb takes a few seconds, a stop up to 30 s.
 */
export async function withClusterLock<T>(
  dataDir: string,
  what: string,
  task: () => Promise<T>,
  timeoutMs = 120_000,
): Promise<T> {
  const path = join(dataDir, LOCK_FILE)
  const previous = queues.get(path) ?? Promise.resolve()
  const run = previous.then(async () => {
    await acquire(path, what, timeoutMs)
    try {
      return await task()
    } finally {
      await releaseLock(path)
    }
  })
  const settled = run.catch(() => undefined)
  queues.set(path, settled)
  void settled.then(() => {
    if (queues.get(path) === settled) queues.delete(path)
  })
  return run
}

async function acquire(path: string, what: string, timeoutMs: number): Promise<void> {
  const mine: LockHolder = { pid: process.pid, start: processStart(process.pid), what }
  const deadline = Date.now() + timeoutMs
  for (;;) {
    try {
      const handle = await open(path, 'wx', 0o600)
      try {
        await handle.writeFile(JSON.stringify(mine))
      } finally {
        await handle.close()
      }
      return
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
    }
    const text = await readFile(path, 'utf8').catch(() => null)
    const holder = parseHolder(text)
    if (holder ? !isAlive(holder.pid, holder.start) : await olderThan(path, 2_000)) {
      // Dead holder (or a file its writer never finished): remove it if it is still that file.
      if ((await readFile(path, 'utf8').catch(() => null)) === text) {
        await unlink(path).catch(() => undefined)
      }
      continue
    }
    if (Date.now() > deadline) {
      throw new EmbeddedPostgresError(
        `the embedded PostgreSQL's lock ${path} is held by process ` +
          `${holder ? `${holder.pid} (${holder.what})` : 'unknown'} for more than ` +
          `${Math.round(timeoutMs / 1000)} s; if no such process runs, remove the file`,
      )
    }
    await sleep(100)
  }
}

async function releaseLock(path: string): Promise<void> {
  const holder = parseHolder(await readFile(path, 'utf8').catch(() => null))
  if (holder?.pid === process.pid) await unlink(path).catch(() => undefined)
}

function parseHolder(text: string | null): LockHolder | null {
  if (!text) return null
  try {
    const parsed = JSON.parse(text) as LockHolder
    return Number.isInteger(parsed.pid) ? parsed : null
  } catch {
    return null
  }
}

async function olderThan(path: string, ms: number): Promise<boolean> {
  try {
    return Date.now() - (await stat(path)).mtimeMs > ms
  } catch {
    return true
  }
}
