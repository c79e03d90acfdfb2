import { existsSync } from 'node:fs'
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { extname, join, resolve, sep } from 'node:path'
import type { Browser, BrowserContext, Page, ViewportSize } from 'playwright-core'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { AppStatus } from '../../src/shared/contract.js'
import type { FeedsHealth } from '../../src/shared/feeds.js'
import { appStatus, UNREACHABLE_DETAIL } from '../helpers/app-status.js'
import { CHROMIUM, hasChromium, launchChromium } from '../helpers/chromium.js'
import { feedHealth } from '../helpers/feed-health.js'
import { newPage, screenshots, SCREENSHOTS, watchPage } from '../helpers/e2e.js'
import {
  SERVICE_DAYS,
  serviceClusters,
  serviceCrews,
  serviceReport,
  serviceStations,
  serviceSummary,
  serviceTaskEffects,
} from '../helpers/service-fixtures.js'
import { contentSecurityPolicy, metaContentSecurityPolicy } from '../../src/shared/csp.js'

const RENDERER = resolve('out/renderer')
if (!hasChromium) {
  console.warn(
    `skipping the renderer e2e tests: they need Debian's chromium at ${CHROMIUM} ` +
      '(apt-get install chromium)',
  )
}

/** The panels (by their headings) whose content is wider than they are. */
function overflowing(
  panels: { scrollWidth: number; clientWidth: number; ariaLabel: string | null }[],
) {
  return panels
    .filter((panel) => panel.scrollWidth > panel.clientWidth + 1)
    .map((panel) => panel.ariaLabel ?? '?')
}

/** 14:03:22 UTC is 7:03:22 AM in San Francisco, where the page's clock and zone are set. */
const NOW = '2025-06-03T14:03:30.000Z'

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
}

/** The built renderer, under the same CSP header that the Electron main process sets. */
function serveRenderer(): Promise<Server> {
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://localhost').pathname)
    const file = resolve(RENDERER, `.${path === '/' ? '/index.html' : path}`)
    if (!file.startsWith(RENDERER + sep)) {
      res.writeHead(403).end()
      return
    }
    readFile(file).then(
      (body) => {
        res.writeHead(200, {
          'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream',
          'Content-Security-Policy': contentSecurityPolicy(),
        })
        res.end(body)
      },
      () => res.writeHead(404).end(),
    )
  })
  return new Promise((done) => server.listen(0, '127.0.0.1', () => done(server)))
}

interface Scenario {
  page: Page
  /** Console errors, CSP violations among them, and uncaught exceptions. */
  problems: string[]
  /** Every URL the page requested. */
  requests: string[]
  invocations: () => Promise<number>
}

describe(`the built renderer in Chromium (needs Debian's chromium at ${CHROMIUM})`, () => {
  let server: Server | undefined
  let origin = ''
  let browser: Browser | undefined
  let context: BrowserContext | null = null

  beforeAll(async () => {
    if (!hasChromium) return
    if (!existsSync(join(RENDERER, 'index.html'))) {
      throw new Error(`${RENDERER}/index.html is missing: run npm run build first`)
    }
    await mkdir(SCREENSHOTS, { recursive: true })
    const listening = await serveRenderer()
    server = listening
    origin = `http://127.0.0.1:${(listening.address() as AddressInfo).port}`
    browser = await launchChromium()
  })

  afterEach(async () => {
    await context?.close()
    context = null
  })

  afterAll(async () => {
    await browser?.close()
    const listening = server
    if (listening) await new Promise((done) => listening.close(done))
  })

  /**
   * The console at `hash` on a new page, San Francisco's clock stopped at NOW, its preload
   * bridge a fake that `bridge` installs as an init script, counting its calls in `__invocations`.
   */
  async function openConsole(
    viewport: ViewportSize,
    colorScheme: 'light' | 'dark',
    hash: string,
    bridge: (page: Page) => Promise<unknown>,
  ): Promise<Scenario> {
    const page = await newPage(browser, viewport, { colorScheme })
    context = page.context()
    const { problems, requests } = watchPage(page, { warnings: true })
    await page.clock.setFixedTime(NOW)
    await bridge(page)
    await page.goto(`${origin}/${hash}`)
    return {
      page,
      problems,
      requests,
      invocations: () =>
        page.evaluate(
          () => (globalThis as unknown as { __invocations: { count: number } }).__invocations.count,
        ),
    }
  }

  /** Opens the console with a fake preload bridge answering `answers` in turn. */
  function open(answers: AppStatus[], colorScheme: 'light' | 'dark'): Promise<Scenario> {
    return openConsole({ width: 960, height: 600 }, colorScheme, '#/system', (page) =>
      page.addInitScript((given: AppStatus[]) => {
        const calls = { count: 0 }
        Object.assign(globalThis, {
          __invocations: calls,
          balancer: {
            // The preload answers each call's result as data (src/preload/bridge.ts).
            invoke: (channel: string) =>
              ((): Promise<unknown> => {
                // The desktop window is the depot's dispatcher; the other views' data is not needed.
                if (channel === 'session:me') {
                  return Promise.resolve({
                    name: 'console',
                    role: 'dispatcher',
                    crew_id: null,
                    token_id: null,
                  })
                }
                if (channel !== 'app:status') return Promise.reject(new Error(`unknown ${channel}`))
                const answer = given[Math.min(calls.count, given.length - 1)]
                calls.count += 1
                return Promise.resolve(answer)
              })().then(
                (value) => ({ ok: true, value }),
                (error: unknown) => ({
                  ok: false,
                  error: { code: 'failed', detail: (error as Error).message },
                }),
              ),
            on: () => () => undefined,
          },
        })
      }, answers),
    )
  }

  /**
   * The console on `hash` with a fake bridge answering the Service page from the recorded Bay
   * Wheels week: its summary for that week (any other range is the first visit's question, which
   * learns where the data lies), the week's tables, and each day's report.
   */
  function openService(
    viewport: ViewportSize,
    colorScheme: 'light' | 'dark',
    hash: string,
  ): Promise<Scenario> {
    const week = { from: '2023-07-10', to: '2023-07-17' }
    const feeds: FeedsHealth = {
      leader: 'depot:1',
      pollingHere: true,
      stale: false,
      checkedAt: NOW,
      feeds: [feedHealth(Date.parse(NOW), { lastAttemptAt: NOW, lastSuccessAt: NOW })],
    }
    const given = {
      week,
      summary: serviceSummary(week),
      probe: serviceSummary({ from: NOW.slice(0, 10), to: NOW.slice(0, 10) }),
      answers: {
        'session:me': { name: 'console', role: 'dispatcher', crew_id: null, token_id: null },
        'app:status': appStatus(true),
        'feeds:health': feeds,
        'feeds:stations': [],
        'service:stations': serviceStations(week),
        'service:clusters': serviceClusters(week),
        'service:crews': serviceCrews(week),
        'service:taskEffects': serviceTaskEffects(week),
      } as Record<string, unknown>,
      reports: Object.fromEntries(SERVICE_DAYS.map((day) => [day, serviceReport(day)])),
    }
    return openConsole(viewport, colorScheme, hash, (page) =>
      page.addInitScript((fixtures: typeof given) => {
        const calls = { count: 0 }
        Object.assign(globalThis, {
          __invocations: calls,
          balancer: {
            // The preload answers each call's result as data (src/preload/bridge.ts).
            invoke: (channel: string, request?: { from?: string; to?: string; day?: string }) =>
              ((): Promise<unknown> => {
                calls.count += 1
                if (channel === 'service:summary') {
                  const asked =
                    request?.from === fixtures.week.from && request.to === fixtures.week.to
                  return Promise.resolve(asked ? fixtures.summary : fixtures.probe)
                }
                if (channel === 'service:report') {
                  const report = fixtures.reports[request?.day ?? '']
                  return report
                    ? Promise.resolve(report)
                    : Promise.reject(new Error(`no report for ${request?.day ?? '?'}`))
                }
                if (channel in fixtures.answers) return Promise.resolve(fixtures.answers[channel])
                return Promise.reject(new Error(`unknown ${channel}`))
              })().then(
                (value) => ({ ok: true, value }),
                (error: unknown) => ({
                  ok: false,
                  error: { code: 'failed', detail: (error as Error).message },
                }),
              ),
            on: () => () => undefined,
          },
        })
      }, given),
    )
  }

  it.skipIf(!hasChromium)(
    'shows the Service page on the data’s last week, and saves a table as CSV',
    async () => {
      const { page, problems, requests } = await openService(
        { width: 1366, height: 768 },
        'light',
        '#/service',
      )
      await page.waitForURL(/#\/service\?from=2023-07-10&to=2023-07-17$/)
      await page.getByRole('region', { name: 'The days in figures' }).waitFor()
      await page.getByRole('table', { name: 'Worst stations' }).waitFor()
      await page.getByRole('table', { name: 'What completed tasks changed' }).waitFor()
      // Nothing sticks out of its panel: the widest table fits the window's content.
      expect(await page.locator('.panel').evaluateAll(overflowing)).toEqual([])
      await screenshots(page, 'service-1366')
      // The page scrolls inside the console's frame: a window tall enough shows all of it.
      await page.setViewportSize({ width: 1366, height: 3_000 })
      await page.screenshot({ path: join(SCREENSHOTS, 'console-service-1366-full.png') })
      await page.setViewportSize({ width: 1366, height: 768 })

      const [download] = await Promise.all([
        page.waitForEvent('download'),
        page.getByRole('button', { name: 'Export stations as CSV' }).click(),
      ])
      expect(download.suggestedFilename()).toBe(
        'service-stations-bay_wheels-2023-07-10-2023-07-16.csv',
      )
      const saved = join(SCREENSHOTS, '..', download.suggestedFilename())
      await download.saveAs(saved)
      const lines = (await readFile(saved, 'utf8')).split('\r\n')
      expect(lines[0]).toMatch(/^system_id,station_id,name,days,minutes_empty/)
      // Every station, not only the 20 on screen.
      expect(lines).toHaveLength(1 + 26 + 1)

      await page.setViewportSize({ width: 1920, height: 1080 })
      expect(await page.locator('.panel').evaluateAll(overflowing)).toEqual([])
      await screenshots(page, 'service-1920')
      expect(problems).toEqual([])
      expect(requests.filter((url) => !url.startsWith(origin))).toEqual([])
    },
  )

  it.skipIf(!hasChromium)(
    'opens a day’s report from the Service page, prints it and saves it as PDF',
    async () => {
      const { page, problems } = await openService(
        { width: 1366, height: 768 },
        'dark',
        '#/service?from=2023-07-10&to=2023-07-17',
      )
      await page.getByRole('region', { name: 'The days in figures' }).waitFor()
      await page.keyboard.press('r')
      const report = page.getByRole('article', { name: 'Daily service report' })
      await report.waitFor()
      await page.getByRole('heading', { name: 'Bay Wheels: Sunday, July 16, 2023' }).waitFor()
      await screenshots(page, 'service-report')

      await page.evaluate(() => {
        Object.assign(globalThis, {
          print: () => Object.assign(globalThis, { __printed: true }),
        })
      })
      await page.getByRole('button', { name: 'Print / Save as PDF' }).click()
      expect(
        await page.evaluate(() => (globalThis as unknown as { __printed?: boolean }).__printed),
      ).toBe(true)

      // Printed, the console around the report is gone, and it is black on white.
      await page.emulateMedia({ media: 'print', colorScheme: 'dark' })
      expect(await page.locator('.sidebar').isVisible()).toBe(false)
      expect(await page.locator('.topbar').isVisible()).toBe(false)
      expect(await page.getByRole('button', { name: 'Print / Save as PDF' }).isVisible()).toBe(
        false,
      )
      const colours = await report.evaluate((element) => {
        const style = (
          globalThis as unknown as {
            getComputedStyle: (e: unknown) => { color: string; backgroundColor: string }
          }
        ).getComputedStyle(element)
        return [style.color, style.backgroundColor]
      })
      expect(colours).toEqual(['rgb(0, 0, 0)', 'rgb(255, 255, 255)'])
      await page.screenshot({
        path: join(SCREENSHOTS, 'console-service-report-print.png'),
        fullPage: true,
      })
      for (const format of ['A4', 'Letter'] as const) {
        const path = resolve(`test-results/service-report-${format.toLowerCase()}.pdf`)
        const pdf = await page.pdf({ format, printBackground: true })
        await writeFile(path, pdf)
        expect(pdf.subarray(0, 5).toString()).toBe('%PDF-')
        expect((await stat(path)).size).toBeGreaterThan(10_000)
      }
      await page.emulateMedia({ media: 'screen', colorScheme: 'light' })
      expect(problems).toEqual([])
    },
  )

  it.skipIf(!hasChromium)('carries the same CSP in its meta tag as main sends', async () => {
    const html = await readFile(join(RENDERER, 'index.html'), 'utf8')
    const meta = /http-equiv="Content-Security-Policy"\s+content="([^"]+)"/.exec(html)
    expect(meta?.[1]).toBe(metaContentSecurityPolicy())
  })

  it.skipIf(!hasChromium)('shows a connected database', async () => {
    const { page, problems, requests } = await open([appStatus(true)], 'light')

    await page.getByText('Connected', { exact: true }).waitFor()
    expect(await page.title()).toBe('Bay Wheels Station Balancer')
    const text = await page.locator('body').innerText()
    for (const expected of [
      'Bay Wheels Station Balancer',
      'v0.1.0',
      'Online',
      'Embedded PostgreSQL',
      '127.0.0.1:54321/balancer',
      '17.6',
      'http://127.0.0.1:8000',
      '7:03:22 AM',
    ]) {
      expect(text).toContain(expected)
    }
    expect(await page.getByRole('button', { name: 'Retry' }).count()).toBe(0)
    await page.screenshot({ path: join(SCREENSHOTS, 'status-connected.png'), fullPage: true })

    expect(problems).toEqual([])
    expect(requests.filter((url) => !url.startsWith(origin))).toEqual([])
  })

  it.skipIf(!hasChromium)('shows why the database is unreachable, and retries', async () => {
    const { page, problems, invocations } = await open([appStatus(false), appStatus(true)], 'light')

    await page.getByText('Unreachable', { exact: true }).waitFor()
    const text = await page.locator('body').innerText()
    expect(text).toContain('Database offline')
    expect(text).toContain(UNREACHABLE_DETAIL)
    await page.screenshot({ path: join(SCREENSHOTS, 'status-unreachable.png'), fullPage: true })

    await page.getByRole('button', { name: 'Retry' }).click()
    await page.getByText('Connected', { exact: true }).waitFor()
    expect(await invocations()).toBe(2)
    expect(problems).toEqual([])
  })

  it.skipIf(!hasChromium)('follows the system dark theme', async () => {
    const { page, problems } = await open([appStatus(false)], 'dark')
    await page.emulateMedia({ colorScheme: 'dark' })

    await page.getByText('Unreachable', { exact: true }).waitFor()
    const background = await page.evaluate(() => {
      const body = (globalThis as unknown as { document: { body: object } }).document.body
      const style = (
        globalThis as unknown as {
          getComputedStyle: (element: object) => { backgroundColor: string }
        }
      ).getComputedStyle(body)
      return style.backgroundColor
    })
    expect(background).toBe('rgb(17, 20, 24)')
    await page.screenshot({
      path: join(SCREENSHOTS, 'status-unreachable-dark.png'),
      fullPage: true,
    })
    expect(problems).toEqual([])
  })
})
