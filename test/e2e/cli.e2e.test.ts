import { spawn, spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { rm } from 'node:fs/promises'
import { readdirSync } from 'node:fs'
import { join } from 'node:path'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { cliEnv, processesMentioning, waitUntil } from '../helpers/cli.js'
import { tempDir } from '../helpers/e2e.js'
import { withDatabaseName } from '../helpers/database-url.js'
import { freePort } from '../helpers/ports.js'
import { describeDatabaseUrl } from '../../src/server/config/settings.js'

let dataDir: string

beforeAll(async () => {
  const dir = await tempDir('balancer-e2e-')
  dataDir = join(dir, 'data')
})
afterAll(async () => {
  for (const pid of await processesMentioning(dataDir)) process.kill(pid, 'SIGKILL')
  await rm(join(dataDir, '..'), { recursive: true, force: true })
})

/** `npm run balancer -- serve`, exactly as the README says, timed to the first healthy answer. */
async function serveThroughNpm(port: number) {
  const started = Date.now()
  const child = spawn(
    'npm',
    ['run', '--silent', 'balancer', '--', 'serve', '--port', String(port)],
    {
      env: cliEnv({ BALANCER_DATA_DIR: dataDir }),
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  )
  let output = ''
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()))
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()))
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve))
  const healthy = await waitUntil(async () => {
    try {
      return (await fetch(`http://127.0.0.1:${port}/health`)).status === 200
    } catch {
      return false
    }
  }, 30_000)
  return { child, exited, healthy, readyMs: Date.now() - started, output: () => output }
}

describe('balancer serve on the embedded database, through npm', () => {
  it('answers /health within 15 s on a first start and leaves no postgres after SIGTERM', async () => {
    const port = await freePort()
    const serve = await serveThroughNpm(port)
    expect(serve.healthy, serve.output()).toBe(true)
    expect(serve.readyMs).toBeLessThan(15_000)
    // Without a token /health names no database; the embedded one is seen running below.
    const body = (await (await fetch(`http://127.0.0.1:${port}/health`)).json()) as {
      status: string
    }
    expect(body).toEqual({ status: 'ok', version: expect.any(String) as unknown })
    expect(await processesMentioning(join(dataDir, 'postgres'))).not.toEqual([])

    serve.child.kill('SIGTERM')
    expect(await serve.exited).toBe(0)
    expect(
      await waitUntil(async () => (await processesMentioning(dataDir)).length === 0, 10_000),
    ).toBe(true)
  })

  it('answers within 5 s on a second start, with the same database', async () => {
    const port = await freePort()
    const serve = await serveThroughNpm(port)
    expect(serve.healthy, serve.output()).toBe(true)
    expect(serve.readyMs).toBeLessThan(5_000)
    serve.child.kill('SIGINT')
    expect(await serve.exited).toBe(0)
    expect(
      await waitUntil(async () => (await processesMentioning(dataDir)).length === 0, 10_000),
    ).toBe(true)
  })
})

describe('balancer command line', () => {
  function run(args: string[], env: NodeJS.ProcessEnv = cliEnv({ BALANCER_DATA_DIR: dataDir })) {
    return spawnSync(process.execPath, ['bin/balancer.mjs', ...args], { env, encoding: 'utf8' })
  }

  it('lists its commands', () => {
    const help = run(['--help'])
    expect(help.status).toBe(0)
    expect(help.stdout).toMatch(/serve/)
    expect(help.stdout).toMatch(/migrate/)
  })

  it('says what is wrong with a bad flag, without a stack trace', () => {
    const bad = run(['serve', '--port', 'eighty'])
    expect(bad.status).not.toBe(0)
    expect(bad.stderr).toMatch(/--port.*must be a whole number/)
    expect(bad.stderr).not.toMatch(/\n\s+at /)
  })

  it('says what is wrong with a bad DATABASE_URL, without a stack trace', () => {
    const bad = run(['migrate'], cliEnv({ BALANCER_DATA_DIR: dataDir, DATABASE_URL: 'mysql://x' }))
    expect(bad.status).toBe(1)
    expect(bad.stderr).toMatch(/DATABASE_URL must be a postgres/)
    expect(bad.stderr).not.toMatch(/\n\s+at /)
  })

  it('names the database it cannot reach, without a stack trace', async () => {
    const port = await freePort()
    const url = `postgres://postgres:secret@127.0.0.1:${port}/depot`
    const refused = run(['migrate'], cliEnv({ BALANCER_DATA_DIR: dataDir, DATABASE_URL: url }))
    expect(refused.status).toBe(1)
    expect(refused.stderr).toMatch(
      new RegExp(`database at 127\\.0\\.0\\.1:${port}/depot: .*ECONNREFUSED`),
    )
    expect(refused.stderr).not.toMatch(/secret/)
    expect(refused.stderr).not.toMatch(/\n\s+at /)
  })

  const serverUrl = process.env.TEST_DATABASE_URL
  it.skipIf(!serverUrl)(
    'migrate creates every table and view on a configured PostgreSQL, with stations.geom where PostGIS is installed (needs TEST_DATABASE_URL)',
    async () => {
      const admin = new pg.Client({ connectionString: serverUrl })
      await admin.connect()
      const name = `balancer_e2e_${randomBytes(4).toString('hex')}`
      await admin.query(`create database "${name}"`)
      try {
        const url = withDatabaseName(serverUrl ?? '', name)
        const migrate = run(['migrate'], cliEnv({ BALANCER_DATA_DIR: dataDir, DATABASE_URL: url }))
        expect(migrate.status, migrate.stderr).toBe(0)
        const migrations = readdirSync('db/migrations')
          .filter((file) => file.endsWith('.sql'))
          .sort()
          .map((file) => file.replace(/\.sql$/, ''))
        expect(migrate.stdout).toContain(
          `Applied ${migrations.length} migration(s) to ${describeDatabaseUrl(url)} (configured): ${migrations.join(', ')}`,
        )

        const client = new pg.Client({ connectionString: url })
        await client.connect()
        const relations = await client.query<{ relname: string }>(
          `select relname from pg_class c join pg_namespace n on n.oid = c.relnamespace
            where n.nspname = 'public' and relkind in ('r', 'p', 'v', 'm')`,
        )
        const names = relations.rows.map((r) => r.relname)
        for (const expected of [
          'stations',
          'station_status',
          'trips',
          'tasks',
          'task_assignments',
          'suggestions',
          'backend_tasks',
          'station_flows',
          'imbalance_scores',
          'audit_log',
          'feeds',
          'feed_polls',
          'crews',
          'api_tokens',
        ]) {
          expect(names).toContain(expected)
        }
        const postgis = await client.query(
          "select 1 from pg_available_extensions where name = 'postgis'",
        )
        const geom = await client.query(
          "select udt_name from information_schema.columns where table_name = 'stations' and column_name = 'geom'",
        )
        await client.end()
        expect(geom.rows.length).toBe(postgis.rows.length)

        const again = run(['migrate'], cliEnv({ BALANCER_DATA_DIR: dataDir, DATABASE_URL: url }))
        expect(again.stdout).toMatch(/is up to date/)
      } finally {
        await admin.query(`drop database if exists "${name}" with (force)`)
        await admin.end()
      }
    },
  )
})
