import { existsSync } from 'node:fs'
import { mkdir, readFile } from 'node:fs/promises'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { extname, join, resolve, sep } from 'node:path'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { AppStatus } from '../../src/shared/contract.js'
import { appStatus, UNREACHABLE_DETAIL } from '../helpers/app-status.js'
import { CHROMIUM, hasChromium, launchChromium } from '../helpers/chromium.js'
import { newPage, SCREENSHOTS, watchPage } from '../helpers/e2e.js'
import { contentSecurityPolicy, metaContentSecurityPolicy } from '../../src/shared/csp.js'

const RENDERER = resolve('out/renderer')
if (!hasChromium) {
  console.warn(
    `skipping the renderer e2e tests: they need Debian's chromium at ${CHROMIUM} ` +
      '(apt-get install chromium)',
  )
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

  /** Opens the console with a fake preload bridge answering `answers` in turn. */
  async function open(answers: AppStatus[], colorScheme: 'light' | 'dark'): Promise<Scenario> {
    const page = await newPage(browser, { width: 960, height: 600 }, { colorScheme })
    context = page.context()
    const { problems, requests } = watchPage(page, { warnings: true })
    await page.clock.setFixedTime(NOW)
    await page.addInitScript((given: AppStatus[]) => {
      const calls = { count: 0 }
      Object.assign(globalThis, {
        __invocations: calls,
        balancer: {
          invoke: (channel: string) => {
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
          },
          on: () => () => undefined,
        },
      })
    }, answers)
    await page.goto(`${origin}/#/system`)
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
