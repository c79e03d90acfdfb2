import { execFile } from 'node:child_process'
import { chmod, mkdir, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { promisify } from 'node:util'
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { StationLive } from '../../src/shared/feeds.js'
import { CHROMIUM, hasChromium, launchChromium } from '../helpers/chromium.js'
import { cliEnv, processesMentioning, startServe, type RunningServe } from '../helpers/cli.js'
import { fixture } from '../helpers/gbfs.js'
import { scratchDatabase } from '../helpers/scratch-database.js'

const run = promisify(execFile)
const SCREENSHOTS = resolve('test-results/screenshots')

let dir: string
let a: RunningServe
let b: RunningServe
let browser: Browser | undefined
let dropDatabase = async () => {}
let dispatcher = ''
let crew = ''

async function api(
  server: RunningServe,
  method: string,
  path: string,
  token: string,
  body?: unknown,
): Promise<unknown> {
  const response = await fetch(`${server.url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  const answer: unknown = await response.json()
  if (!response.ok) {
    throw new Error(`${method} ${path}: ${response.status} ${JSON.stringify(answer)}`)
  }
  return answer
}

/**
 * Two consoles on one database, as a depot with two dispatch desks runs them: A polls the (demo)
 * feed, B never polls (`--no-poll`). A crew claims through A; the board open on B moves the card,
 * because PostgreSQL's NOTIFY reaches B's LISTEN connection, and B's GET /events the browser.
 */
beforeAll(async () => {
  if (!hasChromium) return
  dir = await mkdtemp(join(tmpdir(), 'balancer-e2e-two-'))
  await chmod(dir, 0o755)
  const database = await scratchDatabase(dir)
  dropDatabase = () => database.drop()
  const envOf = (name: string) =>
    cliEnv({ DATABASE_URL: database.url, BALANCER_DATA_DIR: join(dir, name) })
  a = await startServe(
    ['--port', '0', '--demo', fixture('history', 'station_status.csv'), '--speed', '60'],
    envOf('a'),
  )
  b = await startServe(['--port', '0', '--no-poll'], envOf('b'))
  // serve --demo prints a dispatcher token for the console: it works on both servers.
  dispatcher = /Dispatcher token \(Demo dispatcher\): (bwb_\S+)/.exec(a.stdout)?.[1] ?? ''
  const { stdout } = await run(
    process.execPath,
    ['bin/balancer.mjs', 'token', 'create', '--role', 'crew', '--name', 'Van 7'],
    { env: envOf('a') },
  )
  crew = stdout.trim()
  await mkdir(SCREENSHOTS, { recursive: true })
  browser = await launchChromium()
}, 120_000)

afterAll(async () => {
  if (!hasChromium) return
  await browser?.close()
  await Promise.all([a.stop(), b.stop()])
  await dropDatabase()
  for (const pid of await processesMentioning(dir)) process.kill(pid, 'SIGKILL')
  await rm(dir, { recursive: true, force: true })
})

describe(`two servers on one database (needs Debian's chromium at ${CHROMIUM})`, () => {
  it.skipIf(!hasChromium)(
    "a crew's claim sent to server A moves the card on server B's board within 2 s",
    async () => {
      expect(a.stdout).toContain(`Console at ${a.url}/console/`)
      expect(dispatcher).toMatch(/^bwb_/)
      // A polls the demo feed; B has the same stations from the shared database.
      let stations: StationLive[] = []
      for (let i = 0; i < 100 && stations.filter((s) => s.bikes !== null).length < 2; i++) {
        stations = (await api(b, 'GET', '/feeds/stations', dispatcher)) as StationLive[]
        await new Promise((done) => setTimeout(done, 200))
      }
      const [from, to] = stations.filter((s) => s.bikes !== null)
      if (!from || !to) throw new Error('the demo feed brought no stations')
      const health = (await api(b, 'GET', '/feeds', dispatcher)) as { pollingHere: boolean }
      expect(health.pollingHere).toBe(false)

      const suggestion = (await api(a, 'POST', '/suggestions', dispatcher, {
        from_station_id: from.stationId,
        to_station_id: to.stationId,
        qty: 3,
        reason: `${to.name} is nearly empty`,
      })) as { id: number }
      // Approved on desk B.
      const task = (await api(b, 'POST', '/task/approve', dispatcher, {
        suggestion_id: suggestion.id,
      })) as { id: number }

      if (!browser) throw new Error('Chromium did not start')
      const context = await browser.newContext({
        viewport: { width: 1280, height: 760 },
        locale: 'en-US',
        timezoneId: 'America/Los_Angeles',
      })
      const page = await context.newPage()
      await page.goto(`${b.url}/console/#/tasks`)
      await page.getByLabel('Token').fill(dispatcher)
      await page.getByRole('button', { name: 'Sign in' }).click()
      const card = `Task ${task.id}`
      await page
        .getByRole('region', { name: 'Ready' })
        .getByRole('article', { name: card })
        .waitFor()
      // The board follows B's event stream from here; give it a moment to be open.
      await page.waitForTimeout(500)

      const claimedAt = Date.now()
      const claimed = (await api(a, 'POST', '/dispatch/next', crew, {})) as { id: number }
      expect(claimed.id).toBe(task.id)
      await page
        .getByRole('region', { name: 'Assigned' })
        .getByRole('article', { name: card })
        .waitFor({ timeout: 2_000 })
      const movedMs = Date.now() - claimedAt
      expect(movedMs).toBeLessThan(2_000)
      process.stdout.write(`two servers: claim on A moved the card on B in ${movedMs} ms\n`)
      await page.screenshot({ path: join(SCREENSHOTS, 'two-servers-board-b.png') })
      await context.close()
    },
    90_000,
  )
})
