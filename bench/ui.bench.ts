import { existsSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { performance } from 'node:perf_hooks'
import type { Page } from 'playwright-core'
import { CLI_ACTOR } from '../src/server/auth/actor.js'
import {
  directorySource,
  startFeedServer,
  type FeedSource,
} from '../src/server/gbfs/feed-server.js'
import { FeedPoll } from '../src/server/gbfs/poller.js'
import { silentLogger } from '../src/server/logger.js'
import { startServer } from '../src/server/runtime.js'
import { CHROMIUM, launchChromium } from '../test/helpers/chromium.js'
import { benchDatabase, median, ms, printTable, quantile } from './lib.js'

export const description =
  'the console in Chromium with 2,329 stations (Divvy + Bay Wheels): first render of the stations table, a sort, a live update, a station chart over 30 days'

function sharedData(): string {
  return resolve(process.env.BALANCER_SHARED_DATA ?? join(process.cwd(), '..', 'shared', 'data'))
}

interface StatusDocument {
  last_updated: number
  data: {
    stations: { station_id: string; last_reported: number; num_bikes_available: number }[]
  }
}

/**
 * A capture served as if live: station_status with last_updated now and every last_reported a
 * little before, and after each `round` a sixth of the stations with one bike more or less, so a
 * poll writes real changes (what a live update is).
 */
function liveCapture(dir: string, round: () => number): FeedSource {
  const files = directorySource(dir)
  return {
    name: files.name,
    describe: () => files.describe(),
    async file(feed, baseUrl) {
      const served = await files.file(feed, baseUrl)
      if (!served || feed !== 'station_status') return served
      const document = JSON.parse(served.body) as StatusDocument
      const now = Math.floor(Date.now() / 1000)
      const r = round()
      document.last_updated = now
      document.data.stations.forEach((station, i) => {
        station.last_reported = now - (i % 120)
        if (r > 0 && i % 6 === r % 6 && station.num_bikes_available > 0) {
          station.num_bikes_available += r % 2 === 0 ? 1 : -1
        }
      })
      return { body: JSON.stringify(document), lastModified: new Date() }
    },
  }
}

/**
 * In the page (a script, so this Node program needs no DOM types): the console's own performance
 * marks (`stations:data`, `stations:rendered`, `station:flows-rendered`) as they come, and timers
 * that end two animation frames after a mark, when the change is painted.
 */
const PAGE_SCRIPT = `
  window.__marks = []
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) window.__marks.push({ name: entry.name, at: entry.startTime })
  }).observe({ entryTypes: ['mark'] })
  const painted = () => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)))
  const markAfter = async (name, after) => {
    const deadline = performance.now() + 30000
    for (;;) {
      const hit = window.__marks.find((m) => m.name === name && m.at >= after)
      if (hit) return hit
      if (performance.now() > deadline) throw new Error('no ' + name + ' mark within 30 s')
      await new Promise((done) => setTimeout(done, 2))
    }
  }
  window.__bench = {
    // act -> the mark -> painted; also from the mark 'from' (when given) to painted.
    async timed(act, name, from) {
      const start = performance.now()
      new Function(act)()
      await markAfter(name, start)
      await painted()
      const end = performance.now()
      const mark = from ? window.__marks.find((m) => m.name === from && m.at >= start) : null
      return { total: end - start, fromMark: mark ? end - mark.at : null }
    },
    // The next stations received -> the table drawn with them -> painted.
    async nextLiveUpdate() {
      const start = performance.now()
      const data = await markAfter('stations:data', start)
      await markAfter('stations:rendered', data.at)
      await painted()
      return performance.now() - data.at
    },
    hasMark: (name) => window.__marks.some((m) => m.name === name),
    setHash: (hash) => { window.location.hash = hash },
    scrollTable: (top) => {
      const scroller = document.querySelector('.table-scroll')
      if (scroller && top !== null) scroller.scrollTop = top
      return scroller ? scroller.scrollTop : -1
    },
  }
`

interface Timing {
  total: number
  fromMark: number | null
}

function timed(page: Page, act: string, name: string, from: string | null = null) {
  return page.evaluate<Timing>(
    `window.__bench.timed(${JSON.stringify(act)}, ${JSON.stringify(name)}, ${JSON.stringify(from)})`,
  )
}

function setHash(page: Page, hash: string): Promise<unknown> {
  return page.evaluate(`window.__bench.setHash(${JSON.stringify(hash)})`)
}

function row(label: string, values: number[], target: number): string[] {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = median(values)
  return [
    label,
    ms(mid),
    ms(quantile(sorted, 0)),
    ms(quantile(sorted, 1)),
    String(values.length),
    `<= ${target} ms`,
    mid <= target ? 'met' : 'missed',
  ]
}

export async function run(args: string[]): Promise<void> {
  const runs = Math.max(5, Number(args[args.indexOf('--runs') + 1]) || 7)
  const data = sharedData()
  const divvy = join(data, 'gbfs', 'divvy-2.3-2025-01-29')
  const bay = join(data, 'gbfs', 'baywheels-legacy-2023-07-19')
  const month = join(data, 'trips', 'full-month', '201802-fordgobike-tripdata.csv.gz')
  for (const path of [divvy, bay, month]) {
    if (!existsSync(path)) throw new Error(`${path} is missing: the benchmark reads ../shared/data`)
  }
  if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM} (set CHROMIUM)`)
  if (!existsSync(join(process.cwd(), 'out', 'renderer', 'index.html'))) {
    throw new Error('no built console in out/renderer: run `npm run build` first')
  }

  const database = await benchDatabase('ui', 8)
  const dataDir = await mkdtemp(join(tmpdir(), 'balancer-bench-ui-'))
  let round = 0
  const feeds = await Promise.all(
    [divvy, bay].map((dir) => startFeedServer(liveCapture(dir, () => round))),
  )
  const logger = silentLogger()
  const server = await startServer(
    {
      dataDir,
      databaseUrl: database.url,
      host: '127.0.0.1',
      port: 0,
      feeds: [],
      poll: false,
    },
    logger,
    { consoleDir: join(process.cwd(), 'out', 'renderer') },
  )
  const browser = await launchChromium()
  try {
    // The two captures through the poller (the path `balancer poll-once` takes), then a month of trips.
    const polls = await Promise.all(
      feeds.map((feed) =>
        FeedPoll.open({ url: feed.url }, { db: database.db, logger, polledBy: 'bench:ui' }),
      ),
    )
    const pollAll = () => Promise.all(polls.map((poll) => poll.poll(new AbortController().signal)))
    await pollAll()
    await server.services.trips.importFiles({ paths: [month], systemId: 'fgb' })
    await server.services.flows.refresh()
    const stations = await server.services.feeds.stations({})
    const ferry = stations.find((s) => s.systemId === 'fgb' && s.shortName === 'SF-E29-1')
    if (!ferry) throw new Error('the Bay Wheels capture has no Ferry Building (SF-E29-1)')
    const token = (
      await server.services.auth.createToken({ role: 'dispatcher', name: 'bench desk' }, CLI_ACTOR)
    ).token

    const page = await browser.newPage({ viewport: { width: 1440, height: 900 } })
    await page.addInitScript(PAGE_SCRIPT)
    await page.goto(`${server.url}/console/`)
    await page.evaluate(`window.localStorage.setItem('balancer.token', ${JSON.stringify(token)})`)
    await page.reload()
    await page.getByRole('heading', { name: 'Overview' }).waitFor()

    const render: number[] = []
    const renderOnly: number[] = []
    for (let i = 0; i < runs; i++) {
      await setHash(page, '#/overview')
      await page.getByRole('heading', { name: 'Overview' }).waitFor()
      const t = await timed(
        page,
        "window.location.hash = '#/stations'",
        'stations:rendered',
        'stations:data',
      )
      render.push(t.total)
      if (t.fromMark !== null) renderOnly.push(t.fromMark)
    }
    const shown = await page.locator('tr.station-row').count()
    const headerCount = await page.locator('.view-meta').first().textContent()

    const sort: number[] = []
    const columns = ['Bikes', 'Docks', 'Fill', 'Station', 'Urgency', 'Capacity', 'Last reported']
    for (let i = 0; i < Math.max(runs, columns.length); i++) {
      const label = columns[i % columns.length] ?? 'Bikes'
      const t = await timed(
        page,
        `[...document.querySelectorAll('th button.sort')].find((b) => b.textContent.startsWith(${JSON.stringify(label)})).click()`,
        'stations:rendered',
      )
      sort.push(t.total)
    }

    // A poll writes changed numbers; the console hears stations:changed (LISTEN/NOTIFY -> SSE),
    // asks for the stations again and redraws, keeping its sort, filter and scroll.
    await page.evaluate('window.__bench.scrollTable(12000)')
    const live: number[] = []
    const pollToPaint: number[] = []
    for (let i = 0; i < runs; i++) {
      round += 1
      const started = performance.now()
      const waiting = page.evaluate<number>('window.__bench.nextLiveUpdate()')
      await pollAll()
      live.push(await waiting)
      pollToPaint.push(performance.now() - started)
    }
    const scrollKept = await page.evaluate<number>('window.__bench.scrollTable(null)')

    // The station's page, then its chart over 30 days (hourly bins: 720 points).
    await setHash(page, `#/station/fgb/${encodeURIComponent(ferry.stationId)}`)
    await page.getByRole('button', { name: 'Month' }).waitFor()
    const chart: number[] = []
    for (let i = 0; i < runs; i++) {
      await page.getByRole('button', { name: 'Week' }).click()
      await page.waitForFunction("window.__bench.hasMark('station:flows-rendered')")
      await page.waitForTimeout(200)
      const t = await timed(
        page,
        `[...document.querySelectorAll('button.segment')].find((b) => b.textContent === 'Month').click()`,
        'station:flows-rendered',
      )
      chart.push(t.total)
    }
    const bars = await page.locator('.recharts-bar-rectangle').count()
    const api = await (
      await fetch(
        `${server.url}/stations/${encodeURIComponent(ferry.stationId)}/flows?system=fgb&from=2018-01-30&to=2018-03-01&bin=hour`,
        { headers: { authorization: `Bearer ${token}` } },
      )
    ).json()

    process.stdout.write(
      `\nThe console in Chromium (${CHROMIUM}), ${stations.length.toLocaleString()} stations (Divvy 1,811 + Bay Wheels 518), February 2018 trips (106,718) in Bay Wheels; ${runs} runs each, medians\n\n`,
    )
    printTable([
      ['measure', 'median', 'min', 'max', 'runs', 'target', ''],
      row('stations view, first render (navigate -> painted)', render, 300),
      row('  of which: stations received -> painted', renderOnly, 300),
      row('sort by a column (click -> painted)', sort, 100),
      row('live update (new numbers received -> painted)', live, 100),
      row('  poll written -> event -> fetched -> painted', pollToPaint, 1_000),
      row('station chart, 30 days hourly (click -> fetched -> painted)', chart, 300),
    ])
    process.stdout.write(
      `\n${shown} table rows in the page for ${headerCount ?? '?'}; scroll position after ${runs} live updates: ${scrollKept} px (set to 12000); the 30-day chart drew ${bars} bar rectangles (arrivals and departures) for ${(api as { points: unknown[] }).points.length} hourly bins\n`,
    )
  } finally {
    await browser.close()
    await server.close()
    await Promise.all(feeds.map((feed) => feed.close()))
    await database.dispose()
    await rm(dataDir, { recursive: true, force: true })
  }
}
