import { execFile } from 'node:child_process'
import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import { promisify } from 'node:util'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { StationLive } from '../../src/shared/feeds.js'
import type { FlowSeries } from '../../src/shared/flows.js'
import { CHROMIUM, hasChromium, launchChromium } from '../helpers/chromium.js'
import { startServe, type RunningServe } from '../helpers/cli.js'
import {
  api,
  createToken,
  screenshots,
  SCREENSHOTS,
  stationsWithNumbers,
  workspace,
  type Workspace,
} from '../helpers/e2e.js'
import { hasSharedData, NEEDS_SHARED_DATA, sharedData } from '../helpers/shared-data.js'

const run = promisify(execFile)
const ready = hasChromium && hasSharedData

let space: Workspace | undefined
let serve: RunningServe
let browser: Browser | undefined
let page: Page
let token = ''
let stations: StationLive[] = []
let systemId = ''

/** GET `path` as the dispatcher. */
const get = <T>(path: string) => api<T>(serve, 'GET', path, token)

async function go(hash: string): Promise<void> {
  await page.evaluate(`window.location.hash = ${JSON.stringify(hash)}`)
}

/**
 * The station table, map and a station's page in Chromium against `balancer serve --demo` (the
 * recorded Bay Wheels week replayed live) with February 2018's trips imported.
 */
beforeAll(async () => {
  if (!ready) return
  space = await workspace('balancer-e2e-stations-')
  // The map's tile server: a closed port on this machine, never the internet's.
  const env = space.env({ BALANCER_TILE_URL: 'http://127.0.0.1:9/{z}/{x}/{y}.png' })
  serve = await startServe(['--port', '0', '--demo', '--speed', '60'], env, 60_000)
  token = await createToken(env, 'dispatcher', 'Depot desk 2')
  // The demo's first poll brings the stations in.
  stations = await stationsWithNumbers(serve, token, 100, 300)
  systemId = stations[0]?.systemId ?? ''
  await run(
    process.execPath,
    [
      'bin/balancer.mjs',
      'import-trips',
      sharedData('trips', 'full-month', '201802-fordgobike-tripdata.csv.gz'),
      '--system',
      systemId,
    ],
    { env },
  )
  await mkdir(SCREENSHOTS, { recursive: true })
  browser = await launchChromium()
  page = await browser.newPage({ viewport: { width: 1440, height: 900 } })
  await page.goto(`${serve.url}/console/`)
  await page.evaluate(`window.localStorage.setItem('balancer.token', ${JSON.stringify(token)})`)
  await page.reload()
  await page.getByRole('heading', { name: 'Overview' }).waitFor()
}, 180_000)

afterAll(async () => {
  if (!ready) return
  await browser?.close()
  await serve.stop()
  await space?.remove()
})

/** The bikes column of the rows in the page (a script: this program has no DOM types). */
/** The Bikes column's figures, found by its heading: columns fold and hide as the width needs. */
const bikesShown = () =>
  page.evaluate<number[]>(
    `(() => {
       const heads = [...document.querySelectorAll('thead th')]
       const at = heads.findIndex((th) => /^Bikes/.test(th.textContent.trim()))
       return [...document.querySelectorAll('tr.station-row')].map((row) =>
         Number(row.querySelectorAll('td')[at].textContent.replace(/\\D/g, '') || -1))
     })()`,
  )

describe(`stations in a browser (needs ${CHROMIUM} and the shared data)${NEEDS_SHARED_DATA}`, () => {
  it.skipIf(!ready)(
    'the table shows every station, renders only a screenful, and sorts',
    async () => {
      await page.keyboard.press('g')
      await page.keyboard.press('n')
      await page.getByRole('heading', { name: 'Stations', level: 1 }).waitFor()
      const meta = page.locator('.view-meta').first()
      await expect.poll(() => meta.textContent()).toMatch(/stations/)
      const total = (await get<StationLive[]>('/feeds/stations')).length
      expect(await meta.textContent()).toMatch(
        new RegExp(`^${total.toLocaleString('en-US')} stations`),
      )
      expect(await page.locator('table').getAttribute('aria-rowcount')).toBe(String(total))
      const rendered = await page.locator('tr.station-row').count()
      expect(rendered).toBeGreaterThan(15)
      expect(rendered).toBeLessThan(total)
      await screenshots(page, 'stations', 150)

      await page.getByRole('button', { name: /^Bikes/ }).click()
      const descending = await bikesShown()
      expect(descending).toEqual([...descending].sort((a, b) => b - a))
      expect(descending[0]).toBe(
        Math.max(...(await get<StationLive[]>('/feeds/stations')).map((s) => s.bikes ?? -1)),
      )
      await page.getByRole('button', { name: /^Bikes/ }).click()
      const ascending = await bikesShown()
      expect(ascending).toEqual([...ascending].sort((a, b) => a - b))

      // The last station is reached by scrolling: the rows are made as they come into view.
      await page.evaluate(
        `(() => { const s = document.querySelector('.table-scroll'); s.scrollTop = s.scrollHeight })()`,
      )
      await expect
        .poll(async () => (await bikesShown()).at(-1))
        .toBe(Math.max(...(await get<StationLive[]>('/feeds/stations')).map((s) => s.bikes ?? -1)))
    },
  )

  it.skipIf(!ready)(
    'the map draws every station without tiles, on a plain background',
    async () => {
      await go('#/map')
      const map = page.getByRole('application')
      await map.waitFor()
      // Every station placed: as its own dot, or in a group of nearby ones while zoomed out.
      await expect.poll(() => map.getAttribute('data-placed')).toBe(String(stations.length))
      await page.getByText(/Map tiles could not be loaded/).waitFor()
      expect(await page.locator('.leaflet-tile-loaded').count()).toBe(0)
      await screenshots(page, 'map-offline', 150)
    },
  )

  it.skipIf(!ready)(
    "a station's chart shows the API's totals, for a week and a month",
    async () => {
      const ferry =
        stations.find((s) => s.shortName === 'SF-E29-1') ??
        stations.find((s) => s.name.includes('Ferry Building')) ??
        stations[0]
      if (!ferry) throw new Error('no station to open')
      const path = `/stations/${encodeURIComponent(ferry.stationId)}/flows?system=${systemId}`
      await go('#/stations')
      await page.getByPlaceholder(/Search name or id/).fill(ferry.name)
      await page.locator('tr.station-row').first().click()
      await page.getByRole('heading', { name: ferry.name, level: 1 }).waitFor()
      expect(await page.evaluate('window.location.hash')).toBe(
        `#/station/${systemId}/${encodeURIComponent(ferry.stationId)}`,
      )

      const flows = page.getByRole('region', { name: 'Trips in and out' })
      const shown = async (label: string) =>
        Number(
          (await flows.getByText(label, { exact: false }).locator('strong').textContent())?.replace(
            /\D/g,
            '',
          ),
        )
      const week = await get<FlowSeries>(`${path}&from=2018-02-22&to=2018-03-01&bin=15min`)
      expect(week.totals.inflow).toBeGreaterThan(0)
      await expect.poll(() => shown('Arrivals')).toBe(week.totals.inflow)
      expect(await shown('Departures')).toBe(week.totals.outflow)
      await page.locator('.recharts-bar-rectangle').first().waitFor()
      await page.getByRole('region', { name: 'Nearby stations' }).locator('td a').first().waitFor()
      await screenshots(page, 'station', 150)

      await flows.getByRole('button', { name: 'Month' }).click()
      const month = await get<FlowSeries>(`${path}&from=2018-01-30&to=2018-03-01&bin=hour`)
      await expect.poll(() => shown('Arrivals')).toBe(month.totals.inflow)
      expect(await shown('Departures')).toBe(month.totals.outflow)
      await page.waitForTimeout(300)
      await page.screenshot({
        path: join(SCREENSHOTS, 'console-station-month-light.png'),
        fullPage: true,
      })
    },
  )
})
