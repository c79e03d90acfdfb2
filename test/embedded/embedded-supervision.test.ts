import { execFile } from 'node:child_process'
import { chmod, mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterEach, describe, expect, it } from 'vitest'
import { startEmbeddedPostgres } from '../../src/server/db/embedded-postgres.js'
import {
  isAlive as runsAndIsNoZombie,
  type EmbeddedState,
} from '../../src/server/db/embedded-ownership.js'
import { silentLogger } from '../../src/server/logger.js'
import {
  cliEnv,
  isAlive,
  postmasterPid,
  startServe,
  waitUntil,
  type RunningServe,
} from '../helpers/cli.js'
import { createToken } from '../helpers/e2e.js'

const run = promisify(execFile)
const cleanups: (() => Promise<unknown>)[] = []

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined)
})

async function scratchDataDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'balancer-supervised-'))
  // As root the server runs as `postgres`, which must be able to enter it.
  await chmod(dir, 0o755)
  cleanups.push(() => rm(dir, { recursive: true, force: true }))
  return join(dir, 'data')
}

async function readState(dataDir: string): Promise<EmbeddedState> {
  return JSON.parse(
    await readFile(join(dataDir, 'embedded-postgres.json'), 'utf8'),
  ) as EmbeddedState
}

/** The parent of a process (Linux /proc): whose child the postmaster is. */
async function parentOf(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8')
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1])
}

/**
 * Time from `since` until /health answers 200 from a server other than the killed `postmaster`
 * (right after a kill its backends may still answer a query or two). Every answer meanwhile must
 * be a 200 or a 503: never a 500, never a refused connection.
 */
async function timeUntilHealthy(
  serve: RunningServe,
  clusterDir: string,
  postmaster: number | null,
  since: number,
  limitMs: number,
): Promise<number> {
  const seen: string[] = []
  const healthy = await waitUntil(async () => {
    const response = await fetch(`${serve.url}/health`).catch((error: unknown) => error as Error)
    if (response instanceof Error) {
      seen.push(`${response.message} (${String(response.cause)})`)
      return false
    }
    const body = await response.text()
    if (response.status !== 200 && response.status !== 503) seen.push(`${response.status} ${body}`)
    const running = await postmasterPid(clusterDir)
    return response.status === 200 && running !== null && running !== postmaster
  }, limitMs)
  // On failure, what the server said of it.
  if (seen.length > 0) process.stdout.write(serve.stderr().split('\n').slice(-30).join('\n'))
  expect(seen).toEqual([])
  expect(healthy).toBe(true)
  return Date.now() - since
}

async function stopIfAlive(pid: number | null): Promise<void> {
  if (pid !== null && isAlive(pid)) process.kill(pid, 'SIGQUIT')
  return Promise.resolve()
}

describe('the embedded PostgreSQL under serve', () => {
  it('is started again after kill -9, and a command run meanwhile leaves it to serve', async () => {
    const dataDir = await scratchDataDir()
    const clusterDir = join(dataDir, 'postgres')
    const env = cliEnv({ BALANCER_DATA_DIR: dataDir, LOG_LEVEL: 'info' })
    const serve = await startServe(['--port', '0'], env, 60_000)
    cleanups.push(() => serve.stop('SIGKILL'))
    const servePid = serve.child.pid ?? -1
    const token = await createToken(env, 'dispatcher', 'Depot desk')
    const first = await postmasterPid(clusterDir)
    expect(first).not.toBeNull()
    cleanups.push(() => stopIfAlive(first))

    const killedAt = Date.now()
    process.kill(first ?? -1, 'SIGKILL')
    // A command during the outage: it must wait for serve to bring the server back and join it,
    // never start the cluster itself.
    const listing = run(process.execPath, ['bin/balancer.mjs', 'token', 'list'], { env })
    const recoveryMs = await timeUntilHealthy(serve, clusterDir, first, killedAt, 15_000)
    process.stdout.write(`kill -9 of the embedded postmaster -> /health 200: ${recoveryMs} ms\n`)
    expect(recoveryMs).toBeLessThan(15_000)
    expect((await listing).stdout).toContain('Depot desk')

    const tasks = await fetch(`${serve.url}/tasks`, {
      headers: { authorization: `Bearer ${token}` },
    })
    expect(tasks.status).toBe(200)
    // serve still owns and supervises the server: it started it again, and the state file says so.
    const second = await postmasterPid(clusterDir)
    cleanups.push(() => stopIfAlive(second))
    expect(second).not.toBeNull()
    expect(second).not.toBe(first)
    expect(await parentOf(second ?? -1)).toBe(servePid)
    expect(await readState(dataDir)).toMatchObject({ ownerPid: servePid })
    expect(serve.stderr()).toMatch(/embedded PostgreSQL restarted/)

    // Again, to be sure the supervision outlives its first restart.
    const againAt = Date.now()
    process.kill(second ?? -1, 'SIGKILL')
    const againMs = await timeUntilHealthy(serve, clusterDir, second, againAt, 15_000)
    process.stdout.write(`second kill -9 -> /health 200: ${againMs} ms\n`)
    const third = await postmasterPid(clusterDir)
    cleanups.push(() => stopIfAlive(third))

    expect(await serve.stop('SIGTERM')).toBe(0)
    expect(third !== null && isAlive(third)).toBe(false)
    expect(await readState(dataDir)).toMatchObject({ ownerPid: null })
  }, 180_000)

  it('keeps a command from starting a cluster whose living owner has not restarted it', async () => {
    const dataDir = await scratchDataDir()
    const clusterDir = join(dataDir, 'postgres')
    const serve = await startServe(['--port', '0'], cliEnv({ BALANCER_DATA_DIR: dataDir }), 60_000)
    cleanups.push(() => serve.stop('SIGKILL'))
    const servePid = serve.child.pid ?? -1
    const first = await postmasterPid(clusterDir)
    cleanups.push(() => stopIfAlive(first))

    // The owner lives but cannot act (stopped), and its server is gone.
    process.kill(servePid, 'SIGSTOP')
    cleanups.push(() => Promise.resolve(isAlive(servePid) && process.kill(servePid, 'SIGCONT')))
    process.kill(first ?? -1, 'SIGKILL')
    // Its parent is stopped and cannot reap it: a zombie, which is no server.
    expect(await waitUntil(() => !runsAndIsNoZombie(first ?? -1), 5_000)).toBe(true)
    await expect(
      startEmbeddedPostgres(dataDir, silentLogger(), { waitForOwnerMs: 2_000 }),
    ).rejects.toThrow(new RegExp(`the process that owns it \\(pid ${servePid}.*has not restarted`))
    // Nothing was started: postmaster.pid still names the dead server.
    expect(await postmasterPid(clusterDir)).toBe(first)
    expect(runsAndIsNoZombie(first ?? -1)).toBe(false)
    expect(await readState(dataDir)).toMatchObject({ ownerPid: servePid })

    // Once it can act again, the owner restarts its server.
    const resumedAt = Date.now()
    process.kill(servePid, 'SIGCONT')
    const ms = await timeUntilHealthy(serve, clusterDir, first, resumedAt, 15_000)
    process.stdout.write(`owner resumed -> /health 200: ${ms} ms\n`)
    const second = await postmasterPid(clusterDir)
    cleanups.push(() => stopIfAlive(second))
    expect(await parentOf(second ?? -1)).toBe(servePid)
    expect(await serve.stop('SIGTERM')).toBe(0)
  }, 180_000)

  it('has a second serve take over, and supervise, the server its killed owner left', async () => {
    const dataDir = await scratchDataDir()
    const clusterDir = join(dataDir, 'postgres')
    const env = cliEnv({ BALANCER_DATA_DIR: dataDir, LOG_LEVEL: 'info' })
    const owner = await startServe(['--port', '0'], env, 60_000)
    cleanups.push(() => owner.stop('SIGKILL'))
    const guest = await startServe(['--port', '0'], env, 60_000)
    cleanups.push(() => guest.stop('SIGKILL'))
    const guestPid = guest.child.pid ?? -1
    const first = await postmasterPid(clusterDir)
    cleanups.push(() => stopIfAlive(first))
    expect(await readState(dataDir)).toMatchObject({ ownerPid: owner.child.pid })

    // The owner dies; its server runs on, and the guest adopts it within its 5 s check.
    expect(await owner.stop('SIGKILL')).toBeNull()
    expect(
      await waitUntil(async () => (await readState(dataDir)).ownerPid === guestPid, 15_000),
    ).toBe(true)
    expect(await postmasterPid(clusterDir)).toBe(first)

    // The server dies: the new owner starts it again.
    const killedAt = Date.now()
    process.kill(first ?? -1, 'SIGKILL')
    const ms = await timeUntilHealthy(guest, clusterDir, first, killedAt, 15_000)
    process.stdout.write(`kill -9 under the adopting serve -> /health 200: ${ms} ms\n`)
    const second = await postmasterPid(clusterDir)
    cleanups.push(() => stopIfAlive(second))
    expect(await parentOf(second ?? -1)).toBe(guestPid)

    expect(await guest.stop('SIGTERM')).toBe(0)
    expect(second !== null && isAlive(second)).toBe(false)
    expect(await readState(dataDir)).toMatchObject({ ownerPid: null })
  }, 240_000)
})
