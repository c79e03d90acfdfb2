import { mkdir } from 'node:fs/promises'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Task } from '../../src/shared/dispatch.js'
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
 * Issue 16's dispatcher day in Chromium at 1366x768 against `balancer serve --demo`: an approval
 * the live numbers contradict is refused with the bikes that fit; a move made by hand lands on
 * the board; its detail shows a crew's give-back reason and its note.
 */
beforeAll(async () => {
  if (!hasChromium) return
  space = await workspace('balancer-e2e-moves-')
  const env = space.env()
  serve = await startServe(
    ['--port', '0', '--demo', fixture('history', 'station_status.csv'), '--speed', '60'],
    env,
  )
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

async function go(page: Page, hash: string): Promise<void> {
  await page.evaluate(`window.location.hash = ${JSON.stringify(hash)}`)
}

describe(`moves by hand and approvals re-checked, in a browser (needs ${CHROMIUM})`, () => {
  it.skipIf(!hasChromium)(
    'refuses an approval the live status contradicts with the qty that fits; a hand-made move reaches the board and its detail',
    async () => {
      const stations = await stationsWithNumbers(serve, dispatcher, 2, 100)
      const { from, to } = roomyMove(stations)
      if (!from || !to) throw new Error('the demo feed brought no stations with numbers')
      // 150 bikes: more than any station holds, so the live numbers contradict it.
      await api(serve, 'POST', '/suggestions', dispatcher, {
        from_station_id: from.stationId,
        to_station_id: to.stationId,
        qty: 150,
        value: 90,
        reason: 'a move the live numbers contradict',
      })

      const page = await newPage(browser, { width: 1366, height: 768 })
      const { problems } = watchPage(page)
      await page.goto(`${serve.url}/console/`)
      await page.getByLabel('Token').fill(dispatcher)
      await page.getByRole('button', { name: 'Sign in' }).click()
      await page.getByRole('heading', { name: 'Overview' }).waitFor()
      await page
        .getByRole('region', { name: 'Waiting for a decision' })
        .getByRole('link')
        .first()
        .waitFor()
      await screenshots(page, 'moves-overview')

      // Approve: refused in words, naming the station and the bikes that would fit.
      await go(page, '#/suggestions')
      await page
        .getByRole('button', { name: /^Approve suggestion/ })
        .first()
        .click()
      const refusal = page.getByRole('alert').filter({ hasText: 'this move needs' })
      await refusal.waitFor()
      expect(await refusal.textContent()).toMatch(
        /has \d+ (bikes|free docks) now, not the 150 this move needs; approve \d+ instead/,
      )
      await screenshots(page, 'moves-approve-refused')
      // Chromium logs the refused request's 409 itself; nothing after this may go wrong.
      problems.length = 0

      // A move by hand from the stations table's New move.
      await go(page, '#/stations')
      await page.getByRole('heading', { name: 'Stations' }).waitFor()
      await page.getByRole('button', { name: 'New move' }).click()
      const dialog = page.getByRole('dialog', { name: 'New move' })
      await dialog.getByRole('searchbox', { name: 'Search from stations' }).fill(from.name)
      await dialog.getByRole('listbox', { name: 'From station' }).selectOption(from.stationId)
      await dialog.getByRole('searchbox', { name: 'Search to stations' }).fill(to.name)
      await dialog.getByRole('listbox', { name: 'To station' }).selectOption(to.stationId)
      await dialog.getByRole('spinbutton', { name: 'Bikes' }).fill('1')
      await dialog.getByRole('spinbutton', { name: 'Priority' }).fill('5')
      await screenshots(page, 'moves-new-move')
      await dialog.getByRole('button', { name: 'Create task' }).click()
      const done = dialog.getByRole('status').filter({ hasText: 'is ready' })
      await done.waitFor()
      const id = Number(/Task #(\d+)/.exec((await done.textContent()) ?? '')?.[1])
      expect(id).toBeGreaterThan(0)
      await dialog.getByRole('button', { name: 'Close' }).click()

      await go(page, '#/tasks')
      const card = page
        .getByRole('region', { name: 'Ready' })
        .getByRole('article', { name: `Task ${id}` })
      await card.waitFor()
      await screenshots(page, 'moves-board')

      // A crew takes it, gives it back with a reason, takes it again and completes with a note.
      const claimed = await api<Task>(serve, 'POST', '/dispatch/next', crew, {})
      expect(claimed.id).toBe(id)
      await api(serve, 'POST', `/task/${id}/release`, crew, {
        reason: 'street closed for a parade',
      })
      await api(serve, 'POST', '/dispatch/next', crew, {})
      await api(serve, 'POST', `/task/${id}/complete`, crew, { qty_moved: 1, note: 'dock 7 jams' })

      await page.getByRole('link', { name: `Open task ${id}` }).click()
      await page.getByRole('heading', { name: `Task #${id}` }).waitFor()
      const givenBack = page.getByRole('region', { name: 'Given back' })
      await givenBack.getByText('street closed for a parade').waitFor()
      await page.getByText('dock 7 jams').waitFor()
      await page.getByText('1 bike asked · 1 moved').waitFor()
      await screenshots(page, 'moves-task-detail')
      await page.setViewportSize({ width: 1920, height: 1080 })
      await screenshots(page, 'moves-task-detail-1920')
      await go(page, '#/overview')
      await page.getByRole('heading', { name: 'Overview' }).waitFor()
      await screenshots(page, 'moves-overview-1920')
      await go(
        page,
        `#/station/${encodeURIComponent(from.systemId)}/${encodeURIComponent(from.stationId)}`,
      )
      await page.getByRole('button', { name: 'Move bikes from here' }).click()
      await page.getByRole('dialog', { name: 'New move' }).waitFor()
      await screenshots(page, 'moves-new-move-1920')
      await page.context().close()
    },
    120_000,
  )
})
