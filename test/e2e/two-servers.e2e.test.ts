import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CHROMIUM, hasChromium, launchChromium } from '../helpers/chromium.js'
import { startServe, type RunningServe } from '../helpers/cli.js'
import {
  api,
  createToken,
  demoDispatcherToken,
  newPage,
  roomyMove,
  SCREENSHOTS,
  stationsWithNumbers,
  workspace,
  type Workspace,
} from '../helpers/e2e.js'
import { fixture } from '../helpers/gbfs.js'

let space: Workspace | undefined
let a: RunningServe
let b: RunningServe
let browser: Browser | undefined
let dispatcher = ''
let crew = ''

/**
 * Two consoles on one database, as a depot with two dispatch desks runs them: A polls the (demo)
 * feed, B never polls (`--no-poll`). A crew claims through A; the board open on B moves the card,
 * because PostgreSQL's NOTIFY reaches B's LISTEN connection, and B's GET /events the browser.
 */
beforeAll(async () => {
  if (!hasChromium) return
  const shared = await workspace('balancer-e2e-two-')
  space = shared
  const envOf = (name: string) => shared.env({ BALANCER_DATA_DIR: join(shared.dir, name) })
  a = await startServe(
    ['--port', '0', '--demo', fixture('history', 'station_status.csv'), '--speed', '60'],
    envOf('a'),
  )
  b = await startServe(['--port', '0', '--no-poll'], envOf('b'))
  // serve --demo prints a dispatcher token for the console: it works on both servers.
  dispatcher = demoDispatcherToken(a)
  crew = await createToken(envOf('a'), 'crew', 'Van 7')
  await mkdir(SCREENSHOTS, { recursive: true })
  browser = await launchChromium()
}, 120_000)

afterAll(async () => {
  if (!hasChromium) return
  await browser?.close()
  await Promise.all([a.stop(), b.stop()])
  await space?.remove()
})

describe(`two servers on one database (needs Debian's chromium at ${CHROMIUM})`, () => {
  it.skipIf(!hasChromium)(
    "a crew's claim sent to server A moves the card on server B's board within 2 s",
    async () => {
      expect(a.stdout).toContain(`Console at ${a.url}/console/`)
      expect(dispatcher).toMatch(/^bwb_/)
      // A polls the demo feed; B has the same stations from the shared database.
      const stations = await stationsWithNumbers(b, dispatcher, 2, 100)
      // Approval checks the move against the live numbers.
      const { from, to } = roomyMove(stations)
      if (!from || !to) throw new Error('the demo feed brought no stations')
      const health = await api<{ pollingHere: boolean }>(b, 'GET', '/feeds', dispatcher)
      expect(health.pollingHere).toBe(false)

      const suggestion = await api<{ id: number }>(a, 'POST', '/suggestions', dispatcher, {
        from_station_id: from.stationId,
        to_station_id: to.stationId,
        qty: 3,
        reason: `${to.name} is nearly empty`,
      })
      // Approved on desk B.
      const task = await api<{ id: number }>(b, 'POST', '/task/approve', dispatcher, {
        suggestion_id: suggestion.id,
      })

      const page = await newPage(browser, { width: 1280, height: 760 })
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
      const claimed = await api<{ id: number }>(a, 'POST', '/dispatch/next', crew, {})
      expect(claimed.id).toBe(task.id)
      await page
        .getByRole('region', { name: 'Assigned' })
        .getByRole('article', { name: card })
        .waitFor({ timeout: 2_000 })
      const movedMs = Date.now() - claimedAt
      expect(movedMs).toBeLessThan(2_000)
      process.stdout.write(`two servers: claim on A moved the card on B in ${movedMs} ms\n`)
      await page.screenshot({ path: join(SCREENSHOTS, 'two-servers-board-b.png') })
      await page.context().close()
    },
    90_000,
  )
})
