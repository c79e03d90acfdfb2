import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { readFileSync, readdirSync } from 'node:fs'
import { mkdir, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { feedNameOf } from '../../src/server/gbfs/feed-server.js'
import { scratchDatabase } from '../helpers/scratch-database.js'
import { cliEnv, startServe, waitUntil, type RunningServe } from '../helpers/cli.js'
import { createToken, tempDir } from '../helpers/e2e.js'
import { fixture } from '../helpers/gbfs.js'
import { hasSharedData, sharedData } from '../helpers/shared-data.js'

let dir: string
let env: NodeJS.ProcessEnv
let client: pg.Client
let cleanup = async () => {}
const children: ChildProcess[] = []

/**
 * The acceptance through `npm run balancer -- ...`, exactly as a person runs it: a folder
 * of captured files served as a feed, `poll-once` storing every station, a broken feed changing
 * nothing, two consoles on one database handing polling over, and the demo replay. On
 * TEST_DATABASE_URL's server when set (CI), else on an embedded PostgreSQL of its own.
 */
beforeAll(async () => {
  dir = await tempDir('balancer-e2e-gbfs-')
  const database = await scratchDatabase(dir, 'balancer_e2e_gbfs')
  const url = database.url
  env = cliEnv({ DATABASE_URL: url, BALANCER_DATA_DIR: join(dir, 'data') })
  client = new pg.Client({ connectionString: url })
  // The schema first, so the tests can read the tables before the first poll.
  expect((await npmBalancer(['migrate'])).status).toBe(0)
  await client.connect()
  cleanup = async () => {
    await client.end()
    await database.drop()
  }
})

afterAll(async () => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL')
  await cleanup()
  await rm(dir, { recursive: true, force: true })
})

/** `npm run balancer -- <args>` to completion. */
function npmBalancer(
  args: string[],
): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn('npm', ['run', '--silent', 'balancer', '--', ...args], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    child.once('exit', (status) => resolve({ status, stdout, stderr }))
  })
}

/** `npm run balancer -- feed-server --dir DIR`, resolved with its feed URL once it serves. */
function feedServer(folder: string): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(
    'npm',
    ['run', '--silent', 'balancer', '--', 'feed-server', '--dir', folder],
    {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  )
  children.push(child)
  return new Promise((resolve, reject) => {
    let stdout = ''
    let stderr = ''
    const timer = setTimeout(
      () => reject(new Error(`feed-server did not start:\n${stderr}`)),
      60_000,
    )
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString()
      const match = /^Feed at (http:\/\/\S+)$/m.exec(stdout)
      if (match?.[1]) {
        clearTimeout(timer)
        resolve({ url: match[1], child })
      }
    })
  })
}

function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve()
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  child.kill('SIGTERM')
  return exited
}

/** A capture's served station files, read plainly: what the database must hold. */
function expected(folder: string) {
  const file = (feed: string) => {
    const name = readdirSync(folder)
      .filter((entry) => feedNameOf(entry) === feed)
      .sort()
      .at(-1)
    return name
      ? (
          JSON.parse(
            readFileSync(join(folder, name), 'utf8').replace(
              /("station_id"\s*:\s*)(\d+)/g,
              '$1"$2"',
            ),
          ) as {
            data: { stations: Record<string, unknown>[] }
          }
        ).data.stations
      : []
  }
  const information = file('station_information')
  const known = new Set(information.map((station) => String(station.station_id)))
  const status = file('station_status').filter((station) => known.has(String(station.station_id)))
  const bikes = status.reduce(
    (sum, station) => sum + Number(station.num_bikes_available ?? station.num_vehicles_available),
    0,
  )
  return { stations: information.length, statuses: status.length, bikes }
}

async function stored(systemId: string) {
  const { rows } = await client.query<{ stations: number; statuses: number; bikes: number }>(
    `select (select count(*) from stations where system_id = $1)::int as stations,
            (select count(*) from station_status_latest where system_id = $1)::int as statuses,
            (select coalesce(sum(num_bikes_available), 0) from station_status_latest
              where system_id = $1)::int as bikes`,
    [systemId],
  )
  return rows[0]
}

const captures = hasSharedData
  ? [
      'baywheels-legacy-2023-07-19',
      'boulder-bcycle-1.1-2022-02',
      'oslo-bysykkel-2.2-2022-10-23',
      'divvy-2.3-2025-01-29',
      'toronto-bikeshare-3.0-2026-10-09',
    ].map((name) => ({ name, folder: sharedData('gbfs', name) }))
  : ['legacy-1.0', 'v2.3-lyft', 'v3.0'].map((name) => ({ name, folder: fixture(name) }))

describe('feed-server --dir and poll-once, through npm', () => {
  it.each(captures)(
    'store every station of $name with the right counts',
    async ({ name, folder }) => {
      const feed = await feedServer(folder)
      try {
        const poll = await npmBalancer(['poll-once', '--feed', feed.url, '--system', name])
        expect(poll.stderr).not.toMatch(/^balancer:/m)
        expect(poll.status).toBe(0)
        const want = expected(folder)
        expect(poll.stdout).toContain(`${want.stations} listed: ${want.stations} added`)
        expect(await stored(name)).toEqual(want)
      } finally {
        await stop(feed.child)
      }
    },
    90_000,
  )

  it('report a truncated or non-JSON feed and leave the database as it was', async () => {
    const garbage = join(dir, 'garbage-feed')
    await mkdir(garbage)
    await writeFile(join(garbage, 'station_information.json'), '<html>502 Bad Gateway</html>')
    const truncated = hasSharedData
      ? sharedData('gbfs', 'capitalbikeshare-legacy-TRUNCATED-2023-06-01')
      : fixture('truncated')
    const before = await client.query('select count(*)::int as n from stations')
    for (const folder of [truncated, garbage]) {
      const feed = await feedServer(folder)
      try {
        const poll = await npmBalancer(['poll-once', '--feed', feed.url])
        expect(poll.status).toBe(1)
        expect(poll.stderr).toMatch(/^balancer: .*station_information\.json: not valid JSON \(/m)
        expect(poll.stderr).not.toMatch(/\n\s+at /)
        expect(poll.stdout).toMatch(/nothing was written/)
      } finally {
        await stop(feed.child)
      }
    }
    const after = await client.query('select count(*)::int as n from stations')
    expect(after.rows).toEqual(before.rows)
  }, 90_000)
})

describe('the feed commands', () => {
  function run(args: string[]) {
    return spawnSync(process.execPath, ['bin/balancer.mjs', ...args], { env, encoding: 'utf8' })
  }

  it('say in one line what is wrong with a flag, naming it', () => {
    const url = run(['poll-once', '--feed', 'gbfs.baywheels.com'])
    expect(url.status).not.toBe(0)
    expect(url.stderr).toMatch(/--feed.*must be an http:\/\/ or https:\/\/ URL/)
    const system = run(['poll-once', '--system', 'bay'])
    expect(system.stderr).toMatch(/^balancer: --system needs exactly one --feed$/m)
    const neither = run(['feed-server'])
    expect(neither.stderr).toMatch(/^balancer: give either --dir DIR or --history FILE\.csv\.gz$/m)
    const missing = run(['serve', '--port', '0', '--demo', join(dir, 'no-such-history.csv.gz')])
    expect(missing.status).toBe(1)
    expect(missing.stderr).toMatch(/^balancer: .*no-such-history\.csv\.gz does not exist$/m)
    for (const result of [url, system, neither, missing]) {
      expect(result.stderr).not.toMatch(/\n\s+at /)
    }
  })
})

describe('two consoles on one database', () => {
  it('one polls; when it is killed, the other takes over within a poll interval', async () => {
    const feed = await feedServer(fixture('legacy-1.0'))
    const consoles: RunningServe[] = []
    try {
      const pollEnv = { ...env, BALANCER_POLL: 'on' }
      const args = ['--port', '0', '--feed', feed.url]
      const first = await startServe(args, pollEnv)
      consoles.push(first)
      const pollsBy = async (serve: RunningServe) => {
        const { rows } = await client.query<{ n: number }>(
          `select count(*)::int as n from feed_polls p join feeds f using (feed_id)
            where f.url = $1 and p.polled_by like $2`,
          [feed.url, `%:${serve.child.pid ?? 0}`],
        )
        return rows[0]?.n ?? 0
      }
      expect(await waitUntil(async () => (await pollsBy(first)) > 0, 20_000)).toBe(true)
      const second = await startServe(args, pollEnv)
      consoles.push(second)
      const analyst = await createToken(env, 'analyst', 'Leader check')
      const health = (await (
        await fetch(`${second.url}/health`, { headers: { authorization: `Bearer ${analyst}` } })
      ).json()) as {
        feeds: { leader: string }
      }
      expect(health.feeds.leader).toMatch(new RegExp(`:${first.child.pid ?? 0}$`))
      await new Promise((resolve) => setTimeout(resolve, 3_000))
      expect(await pollsBy(second)).toBe(0)

      first.child.kill('SIGKILL')
      const killed = Date.now()
      expect(await waitUntil(async () => (await pollsBy(second)) > 0, 20_000)).toBe(true)
      // The standby tries every 5 s; the feed's own poll interval floor is 10 s.
      expect(Date.now() - killed).toBeLessThan(10_000)
      // The feed did not change: the second console wrote no status row again.
      const rows = await client.query<{ n: number; distinct_rows: number }>(
        `select count(*)::int as n, count(distinct (station_id, ts))::int as distinct_rows
           from station_status where system_id = 'test_wheels'`,
      )
      expect(rows.rows[0]).toEqual({ n: 3, distinct_rows: 3 })
    } finally {
      for (const serve of consoles) await serve.stop('SIGTERM')
      await stop(feed.child)
    }
  }, 150_000)
})

describe('serve --demo', () => {
  it('replays a recorded history as a live feed and polls it', async () => {
    const history = fixture('history', 'station_status.csv')
    const serve = await startServe(['--port', '0', '--demo', history, '--speed', '600'], { ...env })
    try {
      const bikes = async () => {
        const { rows } = await client.query<{ bikes: number }>(
          `select num_bikes_available as bikes from station_status_latest
            where system_id = 'history' and station_id = '5b2c7e9a-33d1-4c8e-a0f4-7e6b1d2c9f10'`,
        )
        return rows[0]?.bikes ?? null
      }
      expect(await waitUntil(async () => (await bikes()) === 9, 20_000)).toBe(true)
      // Recorded ten minutes later (one second at 600x), the station had 7 bikes.
      expect(await waitUntil(async () => (await bikes()) === 7, 30_000)).toBe(true)
    } finally {
      await serve.stop('SIGTERM')
    }
  }, 90_000)
})
