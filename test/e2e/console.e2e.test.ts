import { mkdir } from 'node:fs/promises'
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CHROMIUM, hasChromium, launchChromium } from '../helpers/chromium.js'
import { startServe, type RunningServe } from '../helpers/cli.js'
import {
  api,
  createToken,
  newPage,
  roomyMove,
  screenshots,
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
let dispatcher = ''
let crew = ''

/**
 * The console in a browser against a real `balancer serve --demo` (a replayed feed polled live):
 * sign in with a dispatcher token from `balancer token create`, approve a suggestion, watch a
 * crew's claim over HTTP move its card live; screenshots of every view, light and dark.
 */
beforeAll(async () => {
  if (!hasChromium) return
  space = await workspace('balancer-e2e-console-')
  const env = space.env()
  const history = fixture('history', 'station_status.csv')
  serve = await startServe(['--port', '0', '--demo', history, '--speed', '60'], env)
  ;[dispatcher, crew] = await Promise.all([
    createToken(env, 'dispatcher', 'Depot desk 1'),
    createToken(env, 'crew', 'Van 3'),
  ])
  await mkdir(SCREENSHOTS, { recursive: true })
  browser = await launchChromium()
}, 120_000)

afterAll(async () => {
  if (!hasChromium) return
  await browser?.close()
  await serve.stop()
  await space?.remove()
})

describe(`the console in a browser (needs Debian's chromium at ${CHROMIUM})`, () => {
  it.skipIf(!hasChromium)(
    'signs in, approves a suggestion onto the board, and follows a crew claim live',
    async () => {
      // The demo feed's first poll brings the stations in.
      const stations = await stationsWithNumbers(serve, dispatcher, 2, 100)
      // Approval checks the move against the live numbers.
      const { from, to } = roomyMove(stations)
      if (!from || !to) throw new Error('the demo feed brought no stations with numbers')
      for (const [qty, value, reason] of [
        [4, 70, `${to.name} is nearly empty; ${from.name} has bikes to spare`],
        [2, 30, `${from.name} is nearly full`],
        [3, 12.5, 'Evening commute: top up before 17:00'],
      ] as const) {
        await api(serve, 'POST', '/suggestions', dispatcher, {
          from_station_id: from.stationId,
          to_station_id: to.stationId,
          qty,
          value,
          reason,
        })
      }

      const page = await newPage(browser, { width: 1280, height: 760 })
      const { problems, requests } = watchPage(page)

      // A browser at the server's root is sent to the console, which asks for a token.
      await page.goto(`${serve.url}/`)
      expect(new URL(page.url()).pathname).toBe('/console/')
      await page.getByRole('heading', { name: 'Sign in' }).waitFor()
      await page.getByLabel('Token').fill('bwb_not-a-real-token')
      await page.getByRole('button', { name: 'Sign in' }).click()
      await page.getByText(/unknown or has been revoked/).waitFor()
      await screenshots(page, 'signin-refused')
      // Chromium logs the refused token's 401 itself; nothing after this may go wrong.
      problems.length = 0
      await page.getByLabel('Token').fill(dispatcher)
      await page.getByRole('button', { name: 'Sign in' }).click()
      await page.getByRole('heading', { name: 'Overview' }).waitFor()
      await page.getByText('Depot desk 1').waitFor()
      await page.getByTestId('feed-freshness').first().waitFor()
      await page.getByText('Polled by', { exact: false }).waitFor()
      await screenshots(page, 'overview')

      await page.keyboard.press('g')
      await page.keyboard.press('s')
      await page.getByRole('heading', { name: 'Suggestions' }).waitFor()
      await page
        .getByRole('button', { name: /^Approve suggestion/ })
        .first()
        .waitFor()
      await screenshots(page, 'suggestions')
      // a approves the highlighted (most valuable) suggestion.
      await page.keyboard.press('a')
      await page.getByText(/is ready for a crew/).waitFor()

      await page.getByRole('link', { name: /Tasks/ }).click()
      const ready = page.getByRole('region', { name: 'Ready' })
      const card = ready.getByRole('article').first()
      await card.waitFor()
      const taskName = await card.getAttribute('aria-label')
      expect(taskName).toMatch(/^Task \d+$/)
      await screenshots(page, 'tasks')

      // A crew claims it over HTTP; the board hears it through GET /events.
      const claimedAt = Date.now()
      const claimed = await api<{ id: number }>(serve, 'POST', '/dispatch/next', crew, {})
      expect(`Task ${claimed.id}`).toBe(taskName)
      await page
        .getByRole('region', { name: 'Assigned' })
        .getByRole('article', { name: taskName ?? '' })
        .waitFor({ timeout: 2_000 })
      expect(Date.now() - claimedAt).toBeLessThan(2_000)
      await page.getByRole('region', { name: 'Assigned' }).getByText('Crew van-3').waitFor()
      await screenshots(page, 'tasks-live')

      await page.keyboard.press('7')
      await page.getByRole('heading', { name: 'Crews', level: 1 }).waitFor()
      await page.getByRole('cell', { name: /Van 3/ }).first().waitFor()
      await screenshots(page, 'crews')
      await page.getByLabel('Name').fill('Van 9')
      await page.getByRole('button', { name: 'Create token' }).click()
      await page.getByTestId('new-token').waitFor()
      await screenshots(page, 'crews-new-token')

      // g y rather than a number: the menu grows, the letters stay.
      await page.keyboard.press('g')
      await page.keyboard.press('y')
      await page.getByText('Connected', { exact: true }).waitFor()
      await screenshots(page, 'system')

      await page.keyboard.press('?')
      await page.getByRole('dialog', { name: 'Keyboard shortcuts' }).waitFor()
      await screenshots(page, 'help')
      await page.keyboard.press('Escape')

      expect(problems).toEqual([])
      expect(requests.filter((url) => !url.startsWith(serve.url))).toEqual([])
      await page.context().close()
    },
    90_000,
  )
})
