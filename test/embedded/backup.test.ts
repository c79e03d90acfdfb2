import { chmod, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { sql } from 'kysely'
import { afterAll, describe, expect, it, vi } from 'vitest'
import { CLI_ACTOR } from '../../src/server/auth/actor.js'
import type { BackupResult } from '../../src/server/backup/base-backup.js'
import { main } from '../../src/server/cli/main.js'
import type { Settings } from '../../src/server/config/settings.js'
import { silentLogger } from '../../src/server/logger.js'
import { startServer, type ServerHandle } from '../../src/server/runtime.js'
import { SYSTEM, seedStations } from '../helpers/fixtures.js'

const CREWS = 64
const TASKS = 20_000
/**
 * The backup starts once this many tasks are completed (at most after START_BY_MS), and the load
 * goes on until 2 s after it ends (at most LOAD_MS in all). On this 2-core machine shared with
 * other work, 64 crews complete about 15-50 tasks a second.
 */
const COMPLETED_FIRST = 20
const START_BY_MS = 20_000
const LOAD_MS = 180_000

const cleanups: (() => Promise<unknown>)[] = []
afterAll(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined)
})

async function scratch(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'balancer-backup-'))
  // As root the server runs as `postgres`, which must be able to enter it.
  await chmod(dir, 0o755)
  cleanups.push(() => rm(dir, { recursive: true, force: true }))
  return dir
}

function settingsFor(dataDir: string): Settings {
  // The load is 64 crews as fast as they go: far over a real crew's request rate.
  return {
    dataDir,
    databaseUrl: null,
    host: '127.0.0.1',
    port: 0,
    poll: false,
    rateLimitPerToken: 1_000_000,
    rateLimitPerAddress: 1_000_000,
  }
}

async function serve(dataDir: string): Promise<ServerHandle> {
  const server = await startServer(settingsFor(dataDir), silentLogger())
  cleanups.push(() => server.close())
  return server
}

/** `balancer <args>` in this process; what it printed on stdout and its exit code. */
async function balancer(args: string[]): Promise<{ code: number; out: string }> {
  let out = ''
  const write = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    out += String(chunk)
    return true
  })
  try {
    return { code: await main(['node', 'balancer', ...args]), out }
  } finally {
    write.mockRestore()
  }
}

/**
 * A crew's request, retried on 503 as a phone does (at most 40 times, 250 ms apart): on this
 * shared 2-core machine 64 crews can wait longer than the pool's 5 s for a connection.
 */
async function post(url: string, token: string, body?: unknown) {
  for (let attempt = 1; ; attempt += 1) {
    const response = await fetch(url, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body ?? {}),
    })
    const answer = { status: response.status, body: (await response.json()) as { id?: number } }
    if (answer.status !== 503 || attempt >= 40) return answer
    await new Promise((resolve) => setTimeout(resolve, 250))
  }
}

describe('backup and restore of the embedded database', () => {
  it(`backs up while ${CREWS} crews claim and complete, and restores every task completed before`, async () => {
    const source = await scratch()
    const dataDir = join(source, 'data')
    const server = await serve(dataDir)
    const db = server.database.db
    await seedStations(db, [{ station_id: 'A' }, { station_id: 'B' }])
    await sql`
      insert into tasks (system_id, from_station_id, to_station_id, qty, priority)
      select ${SYSTEM}, 'A', 'B', 1 + i % 9, (i % 7)::float8
        from generate_series(1, ${TASKS}) as i`.execute(db)
    const tokens = await Promise.all(
      Array.from({ length: CREWS }, async (_, i) => {
        const created = await server.services.auth.createToken(
          { role: 'crew', name: `Van ${i}`, crewId: `van-${i}` },
          CLI_ACTOR,
        )
        return created.token
      }),
    )

    // Each crew claims and completes until the load ends; a completion counts once answered.
    const completed: number[] = []
    const failures: string[] = []
    const started = Date.now()
    let deadline = started + LOAD_MS
    const load = Promise.all(
      tokens.map(async (token) => {
        while (Date.now() < deadline && failures.length < 10) {
          const claim = await post(`${server.url}/dispatch/next`, token)
          if (claim.status === 404) return // all done: the backup outlasted the tasks
          if (claim.status !== 200 || claim.body.id === undefined) {
            failures.push(`claim ${claim.status} ${JSON.stringify(claim.body)}`)
            return
          }
          const done = await post(`${server.url}/task/${claim.body.id}/complete`, token, {
            qty_moved: 1,
          })
          if (done.status !== 200) {
            failures.push(`complete ${done.status} ${JSON.stringify(done.body)}`)
            return
          }
          completed.push(claim.body.id)
        }
      }),
    )

    while (completed.length < COMPLETED_FIRST && Date.now() - started < START_BY_MS) {
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
    const completedBeforeBackup = [...completed]
    const file = join(source, 'during-load.tar.gz')
    const backup = await balancer(['backup', '--data-dir', dataDir, '--out', file, '--json'])
    const completedAfterBackup = completed.length
    deadline = Math.min(deadline, Date.now() + 2_000)
    await load
    expect(failures).toEqual([])
    expect(backup.code).toBe(0)
    const result = JSON.parse(backup.out) as BackupResult
    expect(result.file).toBe(file)
    expect(result.bytes).toBeGreaterThan(1_000_000)
    expect(result.manifest.walFiles.length).toBeGreaterThan(0)
    // The load really overlapped the backup.
    expect(completedBeforeBackup.length).toBeGreaterThanOrEqual(COMPLETED_FIRST)
    expect(completedAfterBackup).toBeGreaterThan(completedBeforeBackup.length)
    await server.close()

    const target = join(await scratch(), 'restored')
    const restored = await balancer(['restore', file, '--data-dir', target, '--json'])
    expect(restored.code).toBe(0)
    expect(JSON.parse(restored.out)).toMatchObject({ dataDir: target, tasks: TASKS })

    // serve starts on it, with the same password, and it holds every task completed before.
    const again = await serve(target)
    const health = await fetch(`${again.url}/health`)
    expect(health.status).toBe(200)
    const rows = await again.database.db
      .selectFrom('tasks')
      .select(['id', 'status'])
      .where('status', '=', 'completed')
      .execute()
    const restoredCompleted = new Set(rows.map((row) => row.id))
    const missing = completedBeforeBackup.filter((id) => !restoredCompleted.has(id))
    expect(missing).toEqual([])
    // And no completion that never happened (on this loaded machine the load may end first).
    expect(restoredCompleted.size).toBeLessThanOrEqual(completed.length)
    await again.close()
  }, 360_000)

  it('refuses a configured database, naming its own tools', async () => {
    const dir = await scratch()
    let stderr = ''
    const spy = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
      stderr += String(chunk)
      return true
    })
    cleanups.push(() => {
      spy.mockRestore()
      return Promise.resolve()
    })
    const configured = await balancer([
      'backup',
      '--data-dir',
      dir,
      '--database-url',
      'postgres://postgres@127.0.0.1:1/none',
    ])
    expect(configured.code).toBe(1)
    expect(stderr).toMatch(/backup copies the embedded database.*pg_basebackup/)
  })
})
