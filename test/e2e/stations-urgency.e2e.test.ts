import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { StationLive } from '../../src/shared/feeds.js'
import { demoTrips } from '../../src/server/cli/demo.js'
import { CHROMIUM, hasChromium, launchChromium } from '../helpers/chromium.js'
import { startServe, type RunningServe } from '../helpers/cli.js'
import {
  api,
  demoDispatcherToken,
  newPage,
  SCREENSHOTS,
  watchPage,
  workspace,
  type Workspace,
} from '../helpers/e2e.js'

const ready = hasChromium && demoTrips() !== null
let space: Workspace | undefined
let serve: RunningServe | undefined
let browser: Browser | undefined
let token = ''

/**
 * The default `serve --demo` imports its trip month and runs the engine: the Stations table then
 * orders "most urgent" by the engine's expected failures, at a depot's laptop's size.
 */
beforeAll(async () => {
  if (!ready) return
  space = await workspace('balancer-e2e-urgency-')
  serve = await startServe(['--port', '0', '--demo'], space.env())
  token = demoDispatcherToken(serve)
  // The demo seeds its trips and runs the engine after it listens.
  const until = Date.now() + 240_000
  while (Date.now() < until) {
    const stations = await api<StationLive[]>(serve, 'GET', '/feeds/stations', token)
    if (stations.some((station) => typeof station.expectedFailures === 'number')) break
    await new Promise((done) => setTimeout(done, 1_000))
  }
  await mkdir(SCREENSHOTS, { recursive: true })
  browser = await launchChromium()
}, 300_000)

afterAll(async () => {
  await browser?.close()
  await serve?.stop()
  await space?.remove()
})

describe(`Stations' urgency after the demo's engine run (Chromium at ${CHROMIUM})`, () => {
  it.skipIf(!ready)(
    'orders by expected failures, says so, and keeps every status badge in its cell at 1366x768',
    async () => {
      const running = serve as RunningServe
      for (const colorScheme of ['light', 'dark'] as const) {
        const page = await newPage(browser, { width: 1366, height: 768 }, { colorScheme })
        const { problems } = watchPage(page)
        await page.goto(`${running.url}/console/`)
        await page.evaluate(
          `window.localStorage.setItem('balancer.token', ${JSON.stringify(token)})`,
        )
        await page.goto(`${running.url}/console/#/stations`)
        await page.reload()
        await page.locator('tr.station-row').first().waitFor()
        await page.getByText(/most urgent by expected failures/).waitFor()
        // The first row's urgency is the engine's: its title tells the horizon.
        const first = page.locator('tr.station-row').first()
        await expect(
          first.locator('td[title*="expected failures in the next 3 h"]').count(),
        ).resolves.toBe(1)
        await page.screenshot({
          path: join(SCREENSHOTS, `stations-urgency-1366x768-${colorScheme}.png`),
        })
        // Worst status first: the rows with flags, two of them folded into one badge and "+1".
        await page.getByRole('button', { name: /^Status/ }).click()
        await page.locator('.stations-table .flags').first().waitFor()
        // No status badge runs past its cell (two flags fold into one badge and "+1").
        const spill = await page.evaluate<number>(`(() => {
          let worst = 0
          for (const flags of document.querySelectorAll('.stations-table .flags')) {
            const cell = flags.closest('td').getBoundingClientRect()
            worst = Math.max(worst, flags.getBoundingClientRect().right - cell.right)
          }
          return worst
        })()`)
        expect(spill).toBeLessThanOrEqual(0)
        await page.screenshot({
          path: join(SCREENSHOTS, `stations-status-1366x768-${colorScheme}.png`),
        })
        expect(problems).toEqual([])
        await page.context().close()
      }
    },
    120_000,
  )
})
