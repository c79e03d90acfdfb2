import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CHROMIUM, hasChromium, launchChromium } from '../helpers/chromium.js'
import { startServe, type RunningServe } from '../helpers/cli.js'
import {
  demoDispatcherToken,
  newPage,
  SCREENSHOTS,
  stationsWithNumbers,
  watchPage,
  workspace,
  type Workspace,
} from '../helpers/e2e.js'
import { fixture } from '../helpers/gbfs.js'

let space: Workspace | undefined
let serve: RunningServe
let browser: Browser | undefined
let token = ''

/**
 * Stations, Settings and System at a depot's laptop (1366x768) and a desk's screen (1920x1080),
 * light and dark, against a real `serve --demo` started on a port of its own with --port 0:
 * the table never scrolls sideways, and Settings and System say what runs and from where.
 */
beforeAll(async () => {
  if (!hasChromium) return
  space = await workspace('balancer-e2e-fit-')
  const history = fixture('history', 'station_status.csv')
  serve = await startServe(['--port', '0', '--demo', history, '--speed', '60'], space.env())
  token = demoDispatcherToken(serve)
  await stationsWithNumbers(serve, token, 20, 100)
  await mkdir(SCREENSHOTS, { recursive: true })
  browser = await launchChromium()
}, 120_000)

afterAll(async () => {
  await browser?.close()
  await serve.stop()
  await space?.remove()
})

async function open(page: Page, view: string, heading: RegExp): Promise<void> {
  await page.goto(`${serve.url}/console/#/${view}`)
  await page.getByRole('heading', { level: 1, name: heading }).waitFor()
}

/** Sideways overflow of the page and of the stations table's scroller, in pixels. */
function overflow(page: Page): Promise<{ page: number; table: number }> {
  return page.evaluate<{ page: number; table: number }>(`(() => {
    const root = document.scrollingElement
    const table = document.querySelector('.table-scroll')
    return {
      page: root.scrollWidth - root.clientWidth,
      table: table ? table.scrollWidth - table.clientWidth : 0,
    }
  })()`)
}

describe(`the console at a laptop's size and a desk's (Chromium at ${CHROMIUM})`, () => {
  for (const [width, height] of [
    [1366, 768],
    [1920, 1080],
  ] as const) {
    it.skipIf(!hasChromium)(
      `fits ${width}x${height}: no sideways scroll, every control in view, light and dark`,
      async () => {
        for (const colorScheme of ['light', 'dark'] as const) {
          const page = await newPage(browser, { width, height }, { colorScheme })
          const { problems } = watchPage(page)
          await page.goto(`${serve.url}/console/`)
          await page.evaluate(
            `window.localStorage.setItem('balancer.token', ${JSON.stringify(token)})`,
          )
          // The token is read when the console starts: start it again with it.
          await page.goto(`${serve.url}/console/#/stations`)
          await page.reload()
          await open(page, 'stations', /^Stations/)
          await page.locator('tr.station-row').first().waitFor()
          expect(await overflow(page)).toEqual({ page: 0, table: 0 })
          for (const name of ['Only critical', 'Export CSV', 'Columns']) {
            const box = await page.getByText(name, { exact: true }).first().boundingBox()
            expect(box && box.x + box.width <= width, `${name} in view`).toBe(true)
          }
          const lastReported = await page
            .getByRole('button', { name: /^Last reported/ })
            .boundingBox()
          expect(lastReported && lastReported.x + lastReported.width <= width).toBe(true)
          const shot = (view: string) =>
            page.screenshot({
              path: join(SCREENSHOTS, `console-fit-${view}-${width}x${height}-${colorScheme}.png`),
            })
          await shot('stations')

          await open(page, 'settings', /^Settings/)
          await page.getByRole('heading', { name: 'Running now' }).waitFor()
          // Started with --port 0: the port that runs is not the one saved.
          const port = page.locator('tr[data-field="port"]')
          await expect(port.textContent()).resolves.toContain('command line (--port)')
          await expect(port.textContent()).resolves.toContain(new URL(serve.url).port)
          await shot('settings')

          await open(page, 'system', /^System/)
          await page.getByRole('heading', { name: 'Running now' }).waitFor()
          expect(await overflow(page)).toEqual({ page: 0, table: 0 })
          await shot('system')
          expect(problems).toEqual([])
          await page.context().close()
        }
      },
      120_000,
    )
  }
})
