import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import { afterEach, describe, expect, it } from 'vitest'
import {
  EmbeddedPostgresError,
  startEmbeddedPostgres,
  type EmbeddedPostgres,
} from '../../src/server/db/embedded-postgres.js'
import { silentLogger } from '../../src/server/logger.js'
import { cliEnv, isAlive, postmasterPid, startServe, waitUntil } from '../helpers/cli.js'

const logger = silentLogger()
const cleanups: (() => Promise<unknown>)[] = []

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined)
})

async function scratchDataDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'balancer-embedded-'))
  // As root the server runs as `postgres`, which must be able to enter it.
  await chmod(dir, 0o755)
  cleanups.push(() => rm(dir, { recursive: true, force: true }))
  return join(dir, 'data')
}

async function start(dataDir: string): Promise<EmbeddedPostgres> {
  const embedded = await startEmbeddedPostgres(dataDir, logger)
  cleanups.push(() => embedded.release())
  return embedded
}

async function query<T extends pg.QueryResultRow>(url: string, text: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    return (await client.query<T>(text)).rows
  } finally {
    await client.end()
  }
}

describe('the embedded PostgreSQL', () => {
  it('is created on first start, stopped cleanly, and reused with its data on the next', async () => {
    const dataDir = await scratchDataDir()
    const firstStarted = Date.now()
    const first = await start(dataDir)
    const firstMs = Date.now() - firstStarted
    expect(first.owned).toBe(true)
    expect(first.url).toMatch(/^postgres:\/\/postgres:[^@]+@127\.0\.0\.1:\d+\/balancer$/)
    await query(
      first.url,
      'create table kept (note text); insert into kept values ($$still here$$)',
    )
    const pid = await postmasterPid(first.clusterDir)
    expect(pid).not.toBeNull()

    await first.release()
    expect(await waitUntil(() => !isAlive(pid ?? -1), 5_000)).toBe(true)
    expect(await postmasterPid(first.clusterDir)).toBeNull()

    const againStarted = Date.now()
    const again = await start(dataDir)
    const againMs = Date.now() - againStarted
    expect(await query<{ note: string }>(again.url, 'select note from kept')).toEqual([
      { note: 'still here' },
    ])
    // No initdb the second time.
    expect(againMs).toBeLessThan(firstMs + 1_000)
    expect(again.port).toBe(first.port)
  })

  it('listens on loopback only and asks for its password', async () => {
    const embedded = await start(await scratchDataDir())
    const [row] = await query<{ listen: string }>(
      embedded.url,
      "select current_setting('listen_addresses') as listen",
    )
    expect(row?.listen).toBe('127.0.0.1')
    const wrongUrl = new URL(embedded.url)
    wrongUrl.password = 'wrong'
    const wrong = wrongUrl.toString()
    await expect(query(wrong, 'select 1')).rejects.toThrow(/password authentication failed/)
  })

  it('recovers from a first start that was interrupted before the cluster existed', async () => {
    const dataDir = await scratchDataDir()
    await mkdir(join(dataDir, 'postgres'), { recursive: true })
    await writeFile(join(dataDir, 'postgres', 'half-written'), 'initdb was killed here')
    const embedded = await start(dataDir)
    expect(await query<{ one: number }>(embedded.url, 'select 1 as one')).toEqual([{ one: 1 }])
  })

  it('lets a command join the server that `serve` runs, and leaves it running', async () => {
    const dataDir = await scratchDataDir()
    const serve = await startServe(['--port', '0'], cliEnv({ BALANCER_DATA_DIR: dataDir }))
    cleanups.push(() => serve.stop('SIGKILL'))
    const guest = await start(dataDir)
    expect(guest.owned).toBe(false)
    await guest.release()
    expect((await fetch(`${serve.url}/health`)).status).toBe(200)

    const pid = await postmasterPid(join(dataDir, 'postgres'))
    expect(await serve.stop('SIGTERM')).toBe(0)
    expect(pid !== null && isAlive(pid)).toBe(false)
    expect(await postmasterPid(join(dataDir, 'postgres'))).toBeNull()
  })

  it('adopts a server whose owner was killed, and stops it', async () => {
    const dataDir = await scratchDataDir()
    const serve = await startServe(['--port', '0'], cliEnv({ BALANCER_DATA_DIR: dataDir }))
    const pid = await postmasterPid(join(dataDir, 'postgres'))
    expect(await serve.stop('SIGKILL')).toBeNull()
    expect(pid !== null && isAlive(pid)).toBe(true)
    cleanups.push(() => {
      if (pid !== null && isAlive(pid)) process.kill(pid, 'SIGQUIT')
      return Promise.resolve()
    })

    const adopter = await start(dataDir)
    expect(adopter.owned).toBe(true)
    expect(await query<{ one: number }>(adopter.url, 'select 1 as one')).toEqual([{ one: 1 }])
    await adopter.release()
    expect(await waitUntil(() => pid === null || !isAlive(pid), 10_000)).toBe(true)
  })

  it.runIf(process.getuid?.() === 0)(
    'refuses, in words, a data directory the postgres user cannot enter when run as root',
    async () => {
      const locked = await mkdtemp(join(tmpdir(), 'balancer-locked-'))
      cleanups.push(() => rm(locked, { recursive: true, force: true }))
      await chmod(locked, 0o700)
      await expect(startEmbeddedPostgres(join(locked, 'data'), logger)).rejects.toThrow(
        EmbeddedPostgresError,
      )
      await expect(startEmbeddedPostgres(join(locked, 'data'), logger)).rejects.toThrow(
        new RegExp(`cannot enter ${locked}`),
      )
    },
  )
})
