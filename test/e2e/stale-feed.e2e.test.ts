import { mkdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { FeedServer, FeedSource } from '../../src/server/gbfs/feed-server.js'
import type { FeedsHealth } from '../../src/shared/feeds.js'
import { CHROMIUM, hasChromium, launchChromium } from '../helpers/chromium.js'
import { startServe, type RunningServe } from '../helpers/cli.js'
import {
  api,
  createToken,
  newPage,
  screenshots,
  SCREENSHOTS,
  watchPage,
  workspace,
  type Workspace,
} from '../helpers/e2e.js'
import { closeFeedServers, fixture, serveFeed } from '../helpers/gbfs.js'

/**
 * The data this feed serves is always this old when served: a feed that lags its stations by
 * 4 min 35 s is still live (the limit is the GBFS spec's 5 minutes; feed_stale_after() only
 * lengthens it for a ttl over 150 s, and this feed says 60), so the console shows it live while
 * it answers, and it crosses the limit 25 s after the last answer the console read. Polls come
 * every 10 s (the poller's floor, as last_updated + ttl is long past), so while the feed answers
 * its data is at most ~290 s old.
 */
const LAG_SECONDS = 275
const STALE_AFTER_SECONDS = 300

let space: Workspace | undefined
let serve: RunningServe
let feed: FeedServer
let browser: Browser | undefined
let dispatcher = ''
/** The last_updated of the last station_status the feed served, in epoch seconds. */
let lastServed = 0

/**
 * The project's GBFS 2.3 fixture (three stations, Lyft's quirks) served as a live feed whose
 * times this test chooses: last_updated is LAG_SECONDS before each request, and every station
 * reported 30 s before that, so all three stations are live while the feed answers.
 */
async function laggingFeed(): Promise<FeedSource> {
  const folder = fixture('v2.3-lyft')
  const files = new Map<string, Record<string, unknown>>()
  for (const name of ['system_information', 'station_information', 'station_status']) {
    files.set(
      name,
      JSON.parse(await readFile(join(folder, `${name}.json`), 'utf8')) as Record<string, unknown>,
    )
  }
  return {
    name: 'lagging-2.3',
    file(name, baseUrl) {
      const lastUpdated = Math.floor(Date.now() / 1000) - LAG_SECONDS
      let json: Record<string, unknown>
      if (name === 'gbfs') {
        json = {
          last_updated: lastUpdated,
          ttl: 60,
          version: '2.3',
          data: {
            en: {
              feeds: [...files.keys()].map((feed) => ({
                name: feed,
                url: `${baseUrl}${feed}.json`,
              })),
            },
          },
        }
      } else {
        const original = files.get(name)
        if (!original) return Promise.resolve(null)
        json = { ...original, last_updated: lastUpdated }
        if (name === 'station_status') {
          const data = original.data as { stations: Record<string, unknown>[] }
          const stations = data.stations.map((station) => ({
            ...station,
            last_reported: lastUpdated - 30,
          }))
          json.data = { stations }
          lastServed = lastUpdated
        }
      }
      return Promise.resolve({
        body: JSON.stringify(json),
        lastModified: new Date(lastUpdated * 1000),
      })
    },
    describe: () => Promise.resolve(['the v2.3-lyft fixture, always 275 s old']),
  }
}

/** GET /feeds as the dispatcher. */
const feedsHealth = () => api<FeedsHealth>(serve, 'GET', '/feeds', dispatcher)

/**
 * A real `balancer serve --feed` (scratch database, polling on) reads a feed on 127.0.0.1 that
 * this test serves and then stops; the console in Chromium must tell the dispatcher, in words,
 * that the numbers are no longer live, on its own clock: a feed that no longer answers changes
 * no station, so nothing else on the page would move.
 */
beforeAll(async () => {
  if (!hasChromium) return
  space = await workspace('balancer-e2e-stale-')
  feed = await serveFeed(await laggingFeed())
  const env = space.env({ BALANCER_POLL: 'on' })
  serve = await startServe(['--port', '0', '--feed', feed.url], env)
  dispatcher = await createToken(env, 'dispatcher', 'Depot desk 2')
  await mkdir(SCREENSHOTS, { recursive: true })
  browser = await launchChromium()
}, 120_000)

afterAll(async () => {
  if (!hasChromium) return
  await browser?.close()
  await serve.stop()
  await closeFeedServers()
  await space?.remove()
})

describe(`the console when its feed stops (needs Debian's chromium at ${CHROMIUM})`, () => {
  it.skipIf(!hasChromium)(
    'shows the feed live, then the stale warning in words within seconds of the limit',
    async () => {
      expect(dispatcher).toMatch(/^bwb_/)
      const page = await newPage(
        browser,
        { width: 1280, height: 760 },
        { timezoneId: 'America/Chicago' },
      )
      const { problems, requests } = watchPage(page)

      await page.goto(`${serve.url}/console/`)
      await page.getByLabel('Token').fill(dispatcher)
      await page.getByRole('button', { name: 'Sign in' }).click()
      await page.getByRole('heading', { name: 'Overview' }).waitFor()

      // Live: the top bar's pill and Overview's feed health say so, and every station counts.
      const pill = page.getByTestId('feed-freshness')
      await expect
        .poll(() => pill.textContent(), { timeout: 15_000 })
        .toMatch(/^Test Wheels 2\.3: updated \d+ min ago$/)
      const health = page.getByRole('region', { name: 'Feed health' })
      const row = health.getByRole('row', { name: /Test Wheels 2\.3/ })
      await row.getByText('Live', { exact: true }).waitFor()
      const stationsCard = page.getByRole('region', { name: 'Stations now' })
      await stationsCard.getByText('3 live stations', { exact: true }).waitFor()
      expect((await feedsHealth()).stale).toBe(false)

      // The feed stops: its server closes, every later poll is refused.
      await feed.close()
      const stoppedAt = Date.now()
      const held = (await feedsHealth()).feeds[0]
      if (!held?.feedLastUpdated) throw new Error('the server holds no data from the feed')
      expect(Date.parse(held.feedLastUpdated) / 1000).toBeLessThanOrEqual(lastServed)
      const limit = Date.parse(held.feedLastUpdated) + STALE_AFTER_SECONDS * 1000
      // The last data read is at most one poll interval (and a busy machine's delay) old.
      expect(limit - stoppedAt).toBeGreaterThan(5_000)
      expect(limit - stoppedAt).toBeLessThan(40_000)

      // Until the limit it is still live, although polls already fail: the data is 5 min old.
      expect(await pill.textContent()).toMatch(/updated \d+ min ago$/)

      // At the limit the top bar turns, on the page's own clock: no poll need succeed or fail.
      await expect
        .poll(() => pill.textContent(), { timeout: limit - Date.now() + 5_000, interval: 250 })
        .toMatch(/^Test Wheels 2\.3: stale, no update for 5 min$/)
      const turnedAt = Date.now()
      expect(turnedAt).toBeGreaterThanOrEqual(limit - 1_000)
      expect(turnedAt - limit).toBeLessThan(5_000)
      expect(await pill.getAttribute('class')).toContain('chip-warn')

      // Overview's feed health says it in words too (its clock ticks every 5 s).
      await row.getByText('Stale', { exact: true }).waitFor({ timeout: 7_000 })
      await row.getByText(/no update for 5 min|more than the 5 min allowed/).waitFor()
      expect(await row.getByRole('cell').nth(3).textContent()).toBe('3')
      // And its station counts stop counting numbers that are no longer live.
      await stationsCard.getByText('0 live stations, 3 not live', { exact: true }).waitFor({
        timeout: 7_000,
      })
      // The server agrees once asked, and names the failing polls.
      const after = await feedsHealth()
      expect(after.stale).toBe(true)
      expect(after.feeds[0]?.staleDetail).toMatch(/more than the 5 min allowed/)
      expect(Date.now() - stoppedAt).toBeLessThan(50_000)

      await screenshots(page, 'feed-stale')
      expect(problems).toEqual([])
      expect(requests.filter((url) => !url.startsWith(serve.url))).toEqual([])
      await page.context().close()
    },
    60_000,
  )
})
