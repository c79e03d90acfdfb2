import { execFile } from 'node:child_process'
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { promisify } from 'node:util'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type {
  ServiceReport,
  ServiceStations,
  ServiceSummary,
} from '../../src/shared/service-levels.js'
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
import { hasSharedData, NEEDS_SHARED_DATA, sharedData } from '../helpers/shared-data.js'

const run = promisify(execFile)
const ready = hasChromium && hasSharedData

let space: Workspace | undefined
let serve: RunningServe
let browser: Browser | undefined
let page: Page
let watched: ReturnType<typeof watchPage>
let token = ''

const WEEK = 'from=2023-07-10&to=2023-07-17'
const get = <T>(path: string) => api<T>(serve, 'GET', path, token)
const oneDecimal = (value: number) =>
  value.toLocaleString('en-US', { minimumFractionDigits: 1, maximumFractionDigits: 1 })

/**
 * An analyst's week: the recorded Bay Wheels week loaded with `balancer import-status`, a
 * server on it, and the Service page and the daily report in Chromium.
 */
beforeAll(async () => {
  if (!ready) return
  space = await workspace('balancer-e2e-service-')
  const env = space.env()
  const { stdout } = await run(
    process.execPath,
    [
      'bin/balancer.mjs',
      'import-status',
      sharedData('status-history', 'baywheels-2023-07-10_16', 'station_status.csv.gz'),
      '--json',
    ],
    { env },
  )
  expect(JSON.parse(stdout)).toMatchObject({ status: 'imported', snapshots: 879 })
  serve = await startServe(['--port', '0'], env)
  token = await createToken(env, 'analyst', 'Analyst laptop')
  await mkdir(SCREENSHOTS, { recursive: true })
  browser = await launchChromium()
  page = await newPage(browser, { width: 1366, height: 900 })
  watched = watchPage(page)
  await page.goto(`${serve.url}/console/`)
  await page.evaluate(`window.localStorage.setItem('balancer.token', ${JSON.stringify(token)})`)
  await page.goto(`${serve.url}/console/#/service?${WEEK}`)
  await page.reload()
  await page.getByRole('heading', { name: 'Service', exact: true }).waitFor()
}, 180_000)

afterAll(async () => {
  if (!ready) return
  await browser?.close()
  await serve.stop()
  await space?.remove()
})

describe(`the Service page in a browser (needs ${CHROMIUM} and the shared data)${NEEDS_SHARED_DATA}`, () => {
  it.skipIf(!ready)('shows the week’s figures the API gives, worst station first', async () => {
    const summary = await get<ServiceSummary>(`/service/days?${WEEK}`)
    const stations = await get<ServiceStations>(`/service/stations?${WEEK}`)
    expect(summary.days).toHaveLength(7)
    const figure = (label: string) =>
      page.locator('.headline .stat', { hasText: label }).locator('.stat-value').textContent()
    expect(await figure('Station-hours empty')).toBe(
      `${oneDecimal(summary.totals.minutes_empty / 60)} h`,
    )
    expect(await figure('Station-hours full')).toBe(
      `${oneDecimal(summary.totals.minutes_full / 60)} h`,
    )
    expect(await figure('Cluster outage')).toBe(
      `${Math.round(summary.totals.cluster_outage_minutes).toLocaleString('en-US')} min`,
    )
    const worst = page.getByRole('table', { name: 'Worst stations' })
    const firstRow = worst.locator('tbody tr').first()
    expect(await firstRow.textContent()).toContain(stations.stations[0]?.name)
    await screenshots(page, 'service-week', 300)
    expect(watched.problems).toEqual([])
  })

  it.skipIf(!ready)('exports the same CSV the API answers, every station in it', async () => {
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Export stations as CSV' }).click(),
    ])
    expect(download.suggestedFilename()).toBe('service-stations-lyft_bay-2023-07-10-2023-07-16.csv')
    const saved = join(SCREENSHOTS, '..', download.suggestedFilename())
    await download.saveAs(saved)
    const response = await fetch(`${serve.url}/service/stations?${WEEK}&format=csv`, {
      headers: { authorization: `Bearer ${token}` },
    })
    const fromApi = await response.text()
    expect(await readFile(saved, 'utf8')).toBe(fromApi)
    expect(fromApi.trimEnd().split('\r\n')).toHaveLength(518)
  })

  it.skipIf(!ready)('opens a station from the worst stations', async () => {
    const stations = await get<ServiceStations>(`/service/stations?${WEEK}`)
    const name = stations.stations[0]?.name ?? ''
    await page
      .getByRole('table', { name: 'Worst stations' })
      .getByRole('link', { name, exact: true })
      .first()
      .click()
    await page.getByRole('heading', { name, exact: true }).waitFor()
    expect(page.url()).toContain('#/station/lyft_bay/')
    await page.goBack()
    await page.getByRole('heading', { name: 'Service', exact: true }).waitFor()
  })

  it.skipIf(!ready)(
    'prints a day’s report with the cluster outage minutes of the API',
    async () => {
      const report = await get<ServiceReport>('/service/report?day=2023-07-12')
      await page.evaluate(`window.location.hash = '#/service/report/lyft_bay/2023-07-12'`)
      const article = page.getByRole('article', { name: 'Daily service report' })
      await article.waitFor()
      expect(await article.textContent()).toContain('Wednesday, July 12, 2023')
      const outage = article.locator('.stat', { hasText: 'Cluster outage' }).locator('.stat-value')
      expect(await outage.textContent()).toBe(
        `${Math.round(report.cluster_outage_minutes).toLocaleString('en-US')} min`,
      )
      await screenshots(page, 'service-report-real', 300)
      const pdf = await page.pdf({ format: 'A4', printBackground: false })
      const path = join(SCREENSHOTS, '..', 'service-report-2023-07-12.pdf')
      await writeFile(path, pdf)
      expect(pdf.subarray(0, 5).toString()).toBe('%PDF-')
      expect(pdf.length).toBeGreaterThan(20_000)
      // The station page opened on the way asks for a profile of trips this system does not
      // have: a 400 ("no imported trips") it turns into "Import trips to see flows".
      expect(watched.problems).toEqual([
        'Failed to load resource: the server responded with a status of 400 (Bad Request)',
      ])
    },
  )
})
