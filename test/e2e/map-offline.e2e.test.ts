import { mkdir } from 'node:fs/promises'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { StationLive } from '../../src/shared/feeds.js'
import type { StationHistory } from '../../src/shared/stations.js'
import { CHROMIUM, hasChromium, launchChromium } from '../helpers/chromium.js'
import { startServe, type RunningServe } from '../helpers/cli.js'
import {
  api,
  createToken,
  newPage,
  screenshots,
  SCREENSHOTS,
  stationsWithNumbers,
  watchPage,
  workspace,
  type Workspace,
} from '../helpers/e2e.js'
import { fakeTileServer, type FakeTileServer } from '../helpers/fake-tiles.js'
import { hasSharedData, NEEDS_SHARED_DATA } from '../helpers/shared-data.js'

const ready = hasChromium && hasSharedData

let space: Workspace | undefined
let serve: RunningServe
let tiles: FakeTileServer
let browser: Browser | undefined
let token = ''
let stations: StationLive[] = []

const SIZES = [
  { width: 1366, height: 768 },
  { width: 1920, height: 1080 },
] as const

/**
 * The map and a station's page in Chromium against `balancer serve --demo`, the page cut off from
 * every host but the console's own server, and the server's tile server a fake on 127.0.0.1 that
 * is either down (a depot without internet) or up.
 */
beforeAll(async () => {
  if (!ready) return
  tiles = await fakeTileServer()
  space = await workspace('balancer-e2e-map-')
  const env = space.env({ BALANCER_TILE_URL: tiles.template })
  serve = await startServe(['--port', '0', '--demo', '--speed', '60'], env, 60_000)
  token = await createToken(env, 'dispatcher', 'Map desk')
  stations = await stationsWithNumbers(serve, token, 100, 300)
  await mkdir(SCREENSHOTS, { recursive: true })
  browser = await launchChromium()
}, 180_000)

afterAll(async () => {
  if (!ready) return
  await browser?.close()
  await serve.stop()
  await tiles.close()
  await space?.remove()
})

/** A page at `size` that reaches nothing but the console's server, signed in. */
async function offlinePage(size: { width: number; height: number }) {
  const page = await newPage(browser, size)
  const watched = watchPage(page)
  page.on('response', (response) => {
    if (response.status() >= 400) watched.problems.push(`${response.status()} ${response.url()}`)
  })
  await page.route('**/*', (route) =>
    route.request().url().startsWith(serve.url) ? route.continue() : route.abort(),
  )
  await page.goto(`${serve.url}/console/`)
  await page.evaluate(`window.localStorage.setItem('balancer.token', ${JSON.stringify(token)})`)
  await page.reload()
  await page.getByRole('heading', { name: 'Overview' }).waitFor()
  return { page, problems: watched.problems }
}

async function openMap(page: Page) {
  await page.evaluate(`window.location.hash = '#/map'`)
  const map = page.getByRole('application')
  await map.waitFor()
  await expect.poll(() => map.getAttribute('data-placed'), { timeout: 20_000 }).not.toBeNull()
  return map
}

const zoomOf = async (page: Page) =>
  Number(await page.getByRole('application').getAttribute('data-zoom'))

/** What went wrong besides the tiles the offline server cannot give (a 502, as it should). */
const besidesTiles = (problems: string[]) =>
  problems.filter(
    (problem) =>
      !/^502 http:\/\/127\.0\.0\.1:\d+\/tiles\//.test(problem) &&
      problem !==
        'Failed to load resource: the server responded with a status of 502 (Bad Gateway)',
  )

/** Pixels the station dots' canvas has painted (a blank canvas: 0). */
const paintedPixels = (page: Page) =>
  page.evaluate<number>(`(() => {
    const canvas = document.querySelector('.leaflet-overlay-pane canvas')
    if (!canvas) return 0
    const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data
    let painted = 0
    for (let i = 3; i < data.length; i += 4) if (data[i] > 0) painted += 1
    return painted
  })()`)

/** Where a station's dot is on the page: Web Mercator from the map's centre and zoom. */
async function dotOf(page: Page, station: StationLive): Promise<{ x: number; y: number }> {
  const map = page.getByRole('application')
  const box = await map.boundingBox()
  const [lat = 0, lon = 0] = ((await map.getAttribute('data-center')) ?? '').split(',').map(Number)
  const zoom = await zoomOf(page)
  const project = (la: number, lo: number) => {
    const scale = 256 * 2 ** zoom
    const sin = Math.sin((la * Math.PI) / 180)
    return {
      x: ((lo + 180) / 360) * scale,
      y: (0.5 - Math.log((1 + sin) / (1 - sin)) / (4 * Math.PI)) * scale,
    }
  }
  const c = project(lat, lon)
  const p = project(station.lat, station.lon)
  if (!box) throw new Error('the map is not on screen')
  return { x: box.x + box.width / 2 + p.x - c.x, y: box.y + box.height / 2 + p.y - c.y }
}

describe(`the map without a network (needs ${CHROMIUM} and the shared data)${NEEDS_SHARED_DATA}`, () => {
  it.skipIf(!ready)(
    'zooms with the buttons, the wheel and a double-click, pans and opens a station, with no page error',
    async () => {
      tiles.up = false
      const { page, problems } = await offlinePage(SIZES[0])
      const map = await openMap(page)
      await page.getByText(/Map tiles could not be loaded/).waitFor({ timeout: 30_000 })
      expect(Number(await map.getAttribute('data-placed'))).toBe(stations.length)
      // The city is readable: nearby stations are grouped at the fitting zoom.
      expect(Number(await map.getAttribute('data-groups'))).toBeGreaterThan(0)
      await screenshots(page, 'map-offline-1366', 150)

      // A pan at the fitting zoom keeps every group and dot drawn.
      const box = await map.boundingBox()
      if (!box) throw new Error('no map')
      const middle = { x: box.x + box.width / 2, y: box.y + box.height / 2 }
      const drawn = await map.getAttribute('data-placed')
      const before = await map.getAttribute('data-center')
      await page.mouse.move(middle.x, middle.y)
      await page.mouse.down()
      await page.mouse.move(middle.x - 120, middle.y - 60, { steps: 8 })
      await page.mouse.up()
      await expect.poll(() => map.getAttribute('data-center')).not.toBe(before)
      expect(await map.getAttribute('data-placed')).toBe(drawn)
      expect(await page.locator('.station-group').count()).toBeGreaterThan(0)

      const start = await zoomOf(page)
      await page.locator('.leaflet-control-zoom-in').click()
      await expect.poll(() => zoomOf(page)).toBe(start + 1)
      await page.locator('.leaflet-control-zoom-out').click()
      await page.locator('.leaflet-control-zoom-out').click()
      await expect.poll(() => zoomOf(page)).toBe(start - 1)
      await page.mouse.move(middle.x, middle.y)
      await page.mouse.wheel(0, -400)
      await expect.poll(() => zoomOf(page)).toBeGreaterThan(start - 1)
      const wheeled = await zoomOf(page)
      await page.mouse.dblclick(middle.x + 40, middle.y + 40)
      await expect.poll(() => zoomOf(page)).toBe(Math.round(wheeled) + 1)

      // Close in on the Ferry Building, where every station is its own dot, and open it.
      const ferry = stations.find((s) => s.name.includes('Ferry Building')) ?? stations[0]
      if (!ferry) throw new Error('no station')
      // Back to the whole system (the station on screen), then the wheel, which keeps the point
      // under the pointer still, zooms in on the station's dot.
      await page.getByRole('button', { name: 'Fit to system' }).click()
      await expect.poll(() => zoomOf(page)).toBeLessThan(13)
      for (let i = 0; i < 12 && (await zoomOf(page)) < 16; i++) {
        const dot = await dotOf(page, ferry)
        await page.mouse.move(dot.x, dot.y)
        await page.mouse.wheel(0, -300)
        await page.waitForTimeout(400)
      }
      expect(await zoomOf(page)).toBeGreaterThanOrEqual(15)
      // Close in, every station is a dot on the canvas; a pan there keeps them painted.
      const near = await dotOf(page, ferry)
      await page.mouse.move(near.x, near.y)
      await page.mouse.down()
      await page.mouse.move(near.x + 60, near.y + 30, { steps: 5 })
      await page.mouse.up()
      await page.waitForTimeout(300)
      expect(Number(await map.getAttribute('data-dots'))).toBeGreaterThan(0)
      expect(await paintedPixels(page)).toBeGreaterThan(0)
      const dot = await dotOf(page, ferry)
      await page.mouse.click(dot.x, dot.y)
      await expect
        .poll(() => page.evaluate('window.location.hash'))
        .toBe(`#/station/${ferry.systemId}/${encodeURIComponent(ferry.stationId)}`)
      expect(besidesTiles(problems)).toEqual([])
      expect(problems.some((problem) => problem.startsWith('502 '))).toBe(true)

      const wide = await offlinePage(SIZES[1])
      await openMap(wide.page)
      await wide.page.getByText(/Map tiles could not be loaded/).waitFor({ timeout: 30_000 })
      await screenshots(wide.page, 'map-offline-1920', 150)
      expect(besidesTiles(wide.problems)).toEqual([])
    },
    180_000,
  )

  it.skipIf(!ready)(
    'shows the tile server’s tiles through the console’s server, and again from its disk when it is gone',
    async () => {
      tiles.up = true
      for (const size of SIZES) {
        const { page, problems } = await offlinePage(size)
        await openMap(page)
        await expect
          .poll(() => page.locator('.leaflet-tile-loaded').count(), { timeout: 30_000 })
          .toBeGreaterThan(3)
        await screenshots(page, `map-tiles-${size.width}`, 300)
        expect(problems).toEqual([])
      }
      const fetched = tiles.requests
      expect(fetched).toBeGreaterThan(0)

      // The tile server goes away: what was seen once comes from the server's disk.
      tiles.up = false
      const { page, problems } = await offlinePage(SIZES[0])
      await openMap(page)
      await expect
        .poll(() => page.locator('.leaflet-tile-loaded').count(), { timeout: 30_000 })
        .toBeGreaterThan(3)
      expect(await page.getByText(/Map tiles could not be loaded/).count()).toBe(0)
      expect(tiles.requests).toBe(fetched)
      expect(problems).toEqual([])
    },
    180_000,
  )

  it.skipIf(!ready)(
    "a station's page: bikes over time shades the stretches with no data, and its CSVs download",
    async () => {
      const ferry = stations.find((s) => s.name.includes('Ferry Building')) ?? stations[0]
      if (!ferry) throw new Error('no station')
      const path = `/stations/${encodeURIComponent(ferry.stationId)}/history?system=${ferry.systemId}`
      // The demo loads its recorded week (July 2023) as history once its trips are in.
      const week = `${path}&from=2023-07-14&to=2023-07-21`
      for (let i = 0; i < 90; i++) {
        if ((await api<StationHistory>(serve, 'GET', week, token)).changes > 5) break
        await new Promise((done) => setTimeout(done, 2_000))
      }
      const recorded = await api<StationHistory>(serve, 'GET', week, token)
      expect(recorded.changes).toBeGreaterThan(5)
      // After the recorded week nothing was read until the replay began: a gap, not a line.
      const last = recorded.gaps.at(-1)
      expect(last?.to).toBe(recorded.to)
      expect(
        recorded.points.filter((p) => Date.parse(p.at) > Date.parse(last?.from ?? '')),
      ).toEqual(recorded.points.slice(-1))
      for (const size of SIZES) {
        const { page, problems } = await offlinePage(size)
        await page.evaluate(
          `window.location.hash = ${JSON.stringify(`#/station/${ferry.systemId}/${encodeURIComponent(ferry.stationId)}`)}`,
        )
        const history = page.getByRole('region', { name: 'Bikes over time' })
        // Today: the replay began minutes ago, the rest of the last day had no reading.
        await history.getByText('No data').waitFor({ timeout: 30_000 })
        await history.getByRole('button', { name: 'Dates' }).click()
        await history.getByLabel('History from').fill('2023-07-14')
        await history.getByLabel('History to').fill('2023-07-20')
        await history.getByText(/shaded: \d+ stretch/).waitFor({ timeout: 30_000 })
        expect(await history.locator('.history-gap').count()).toBeGreaterThan(0)
        await screenshots(page, `station-${size.width}`, 300)
        if (size.width === 1366) {
          for (const what of ['history', 'flows', 'profile']) {
            const download = page.waitForEvent('download')
            await page.getByRole('button', { name: `Export ${what} as CSV` }).click()
            expect((await download).suggestedFilename()).toMatch(
              new RegExp(`^${what}-${ferry.systemId}-.+\\.csv$`),
            )
          }
        }
        expect(problems).toEqual([])
      }
    },
    300_000,
  )
})
