import { mkdir } from 'node:fs/promises'
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CHROMIUM, hasChromium, launchChromium } from '../helpers/chromium.js'
import { startServe, type RunningServe } from '../helpers/cli.js'
import {
  demoDispatcherToken,
  newPage,
  screenshots,
  SCREENSHOTS,
  workspace,
  type Workspace,
} from '../helpers/e2e.js'
import { fixture } from '../helpers/gbfs.js'
import { hasSharedData, NEEDS_SHARED_DATA, sharedData } from '../helpers/shared-data.js'

/** No silent poison, in Chromium: a Chicago trip file uploaded into the demo's Bay Area system. */

let space: Workspace | undefined
let serve: RunningServe
let browser: Browser | undefined
let dispatcher = ''
const CHICAGO = sharedData('trips', 'divvy-202101-tripdata-15rows.csv')
const ready = hasChromium && hasSharedData

beforeAll(async () => {
  if (!ready) return
  space = await workspace('balancer-e2e-quarantine-')
  serve = await startServe(
    ['--port', '0', '--demo', fixture('history', 'station_status.csv'), '--speed', '60'],
    space.env(),
  )
  dispatcher = demoDispatcherToken(serve)
  await mkdir(SCREENSHOTS, { recursive: true })
  browser = await launchChromium()
}, 120_000)

afterAll(async () => {
  if (!ready) return
  await browser?.close()
  await serve.stop()
  await space?.remove()
})

const KEPT = [
  {
    system_id: 'bay_wheels',
    active: {
      version: 3,
      fitted_from: '2018-02-01T08:00:00Z',
      fitted_to: '2018-03-02T08:00:00Z',
      trained_at: '2026-12-07T20:00:00Z',
      weekdays: 21,
      weekend_days: 8,
      mae: 0.093,
      baseline_mae: 0.147,
    },
    last_check: {
      checked_at: '2026-12-07T21:00:00Z',
      held_out_from: '2018-03-23T07:00:00Z',
      held_out_to: '2018-03-30T07:00:00Z',
      held_out_days: 7,
      previous_version: 3,
      previous_mae: 0.101,
      new_mae: 0.164,
      kept_previous: true,
    },
  },
]

async function api(path: string): Promise<unknown> {
  const answer = await fetch(`${serve.url}${path}`, {
    headers: { Authorization: `Bearer ${dispatcher}` },
  })
  expect(answer.status).toBe(200)
  return answer.json()
}

describe(`a trip file of another city (needs chromium at ${CHROMIUM}${NEEDS_SHARED_DATA})`, () => {
  it.skipIf(!ready)(
    'is quarantined in red with the match rate and what to do, adds no flow, and Discard removes it',
    async () => {
      const page = await newPage(browser, { width: 1366, height: 768 })
      const problems: string[] = []
      page.on('pageerror', (error) => problems.push(error.message))
      await page.goto(`${serve.url}/console/`)
      await page.getByLabel('Token').fill(dispatcher)
      await page.getByRole('button', { name: 'Sign in' }).click()
      await page.getByRole('heading', { name: 'Overview' }).waitFor()
      await page.keyboard.press('g')
      await page.keyboard.press('i')
      await page.getByRole('heading', { name: 'Trip import' }).waitFor()
      await page.getByLabel('Trip files').setInputFiles([CHICAGO])

      const panel = page.getByRole('region', {
        name: 'Summary of divvy-202101-tripdata-15rows.csv',
      })
      await panel.getByText('Quarantined: not in flows').waitFor()
      const notice = panel.getByRole('alert')
      expect(await notice.innerText()).toMatch(/Quarantined: 0 % of trip ends matched \(0 of 29\)/)
      expect(await notice.innerText()).toMatch(/this looks like another city's file/)
      expect(await notice.innerText()).toMatch(/What to do: if the file belongs to another system/)
      // Its trips are in no flow: January 2021 is all zeros for the system.
      const flows = (await api('/flows?from=2021-01-01&to=2021-02-01&bin=day')) as {
        totals: { outflow: number; inflow: number }
      }
      expect(flows.totals).toEqual({ outflow: 0, inflow: 0 })
      const waiting = (await api('/trips/imports/quarantined')) as { importId: number }[]
      expect(waiting).toHaveLength(1)

      const box = await notice.getByRole('button', { name: 'Discard' }).boundingBox()
      expect(box && box.y + box.height).toBeLessThanOrEqual(768)
      await screenshots(page, 'trips-quarantined-1366')
      await page.setViewportSize({ width: 1920, height: 1080 })
      await screenshots(page, 'trips-quarantined-1920')

      await notice.getByRole('button', { name: 'Discard' }).click()
      await panel.getByText(/Discarded: 15 trips deleted/).waitFor()
      expect(await api('/trips/imports/quarantined')).toEqual([])

      // The System page's demand model, as the server answers it (no model in this demo yet) and
      // as it reads when the engine kept its model (that answer given to the page).
      await page.keyboard.press('g')
      await page.keyboard.press('y')
      await page.getByRole('heading', { name: 'Demand model' }).waitFor()
      await page
        .getByText(/No model yet|Model in use/)
        .first()
        .waitFor()
      await page.route('**/engine/models', (route) =>
        route.fulfill({ json: KEPT, headers: { 'Cache-Control': 'no-store' } }),
      )
      await page.reload()
      await page.getByText(/The engine kept model v3/).waitFor()
      await screenshots(page, 'system-model-kept-1920')
      await page.setViewportSize({ width: 1366, height: 768 })
      await screenshots(page, 'system-model-kept-1366')
      expect(problems).toEqual([])
      await page.context().close()
    },
    120_000,
  )
})
