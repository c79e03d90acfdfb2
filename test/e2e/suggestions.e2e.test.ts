import { execFile } from 'node:child_process'
import { mkdir } from 'node:fs/promises'
import { promisify } from 'node:util'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Suggestion } from '../../src/shared/dispatch.js'
import type { EngineRunSummary } from '../../src/shared/engine.js'
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
import { hasSharedData, NEEDS_SHARED_DATA, sharedData } from '../helpers/shared-data.js'

const run = promisify(execFile)
const ready = hasChromium && hasSharedData

let space: Workspace | undefined
let serve: RunningServe
let browser: Browser | undefined
let token = ''

/**
 * The Suggestions view at a depot laptop's 1366x768 against `balancer serve --demo` with February
 * 2018's trips imported (so the engine has a demand model): the first suggestion's Approve is on
 * screen, an engine run changes the list without a reload, and a rejection can be undone.
 */
beforeAll(async () => {
  if (!ready) return
  space = await workspace('balancer-e2e-suggestions-')
  const env = space.env()
  serve = await startServe(['--port', '0', '--demo', '--speed', '60'], env, 60_000)
  token = await createToken(env, 'dispatcher', 'Depot desk 3')
  const stations = await stationsWithNumbers(serve, token, 100, 300)
  const systemId = stations[0]?.systemId ?? ''
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
}, 240_000)

afterAll(async () => {
  if (!ready) return
  await browser?.close()
  await serve.stop()
  await space?.remove()
})

async function signedIn(page: Page): Promise<void> {
  await page.goto(`${serve.url}/console/`)
  await page.evaluate(`window.localStorage.setItem('balancer.token', ${JSON.stringify(token)})`)
  await page.reload()
  await page.getByRole('heading', { name: 'Overview' }).waitFor()
  await page.evaluate(`window.location.hash = '#/suggestions'`)
  await page.getByRole('heading', { name: 'Suggestions', level: 1 }).waitFor()
}

/** POST /suggestions/run, again while the leading console's own scheduled run holds the lock. */
async function engineRun(): Promise<EngineRunSummary> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await api<EngineRunSummary>(serve, 'POST', '/suggestions/run', token, {
        policy: 'engine',
      })
    } catch (error) {
      if (attempt >= 60 || !String(error).includes('engine_busy')) throw error
      await new Promise((done) => setTimeout(done, 1_000))
    }
  }
}

describe(`suggestions in a browser (needs ${CHROMIUM} and the shared data)${NEEDS_SHARED_DATA}`, () => {
  it.skipIf(!ready)(
    'fits 1366x768 with the first Approve on screen; an engine run shows without a reload',
    async () => {
      const first = await engineRun()
      expect(first.created).toBeGreaterThan(0)

      const page = await newPage(browser, { width: 1366, height: 768 })
      const { problems } = watchPage(page)
      await signedIn(page)
      const approve = page.getByRole('button', { name: /^Approve suggestion \d+$/ }).first()
      await approve.waitFor()
      const box = await approve.boundingBox()
      expect(box).not.toBeNull()
      expect((box?.x ?? 0) + (box?.width ?? 0)).toBeLessThanOrEqual(1366)
      expect((box?.y ?? 0) + (box?.height ?? 0)).toBeLessThanOrEqual(768)
      const overflow = await page.evaluate<number>(
        'document.documentElement.scrollWidth - document.documentElement.clientWidth',
      )
      expect(overflow).toBe(0)
      // Both ends' numbers, labelled.
      await page.getByText('when proposed').first().waitFor()
      await page.getByText('now', { exact: true }).first().waitFor()
      await screenshots(page, 'suggestions-1366')

      // The page is not reloaded: a mark set now must still be there when the new run shows.
      await page.evaluate('window.__sameDocument = true')
      // A script: this program has no DOM types.
      const before = await page.evaluate<string[]>(
        `[...document.querySelectorAll('button[aria-label^="Approve suggestion"]')].map((b) => b.getAttribute('aria-label'))`,
      )
      const second = await engineRun()
      expect(second.created).toBeGreaterThan(0)
      const newest = second.suggestions.reduce((top, item) => (item.value > top.value ? item : top))
      await page
        .getByRole('button', { name: `Approve suggestion ${newest.id}` })
        .waitFor({ timeout: 5_000 })
      expect(before).not.toContain(`Approve suggestion ${newest.id}`)
      expect(await page.evaluate('window.__sameDocument')).toBe(true)

      // Reject with a reason, then undo it: the suggestion is open again.
      await page.getByRole('button', { name: `Reject suggestion ${newest.id}` }).click()
      await page.getByRole('textbox', { name: /Why reject/ }).fill('crew already there')
      await screenshots(page, 'suggestions-reject-1366')
      await page.keyboard.press('Enter')
      await page.getByText(`Suggestion #${newest.id} rejected: crew already there.`).waitFor()
      await page.getByRole('button', { name: `Approve suggestion ${newest.id}` }).waitFor({
        state: 'detached',
      })
      await screenshots(page, 'suggestions-undo-1366')
      await page.getByRole('button', { name: 'Undo' }).click()
      await page.getByRole('button', { name: `Approve suggestion ${newest.id}` }).waitFor()
      const open = await api<Suggestion[]>(serve, 'GET', '/suggestions', token)
      expect(open.map((item) => item.id)).toContain(newest.id)

      const wide = await newPage(browser, { width: 1920, height: 1080 })
      await signedIn(wide)
      await wide
        .getByRole('button', { name: /^Approve suggestion \d+$/ })
        .first()
        .waitFor()
      await screenshots(wide, 'suggestions-1920')
      await wide.context().close()

      expect(problems).toEqual([])
      await page.context().close()
    },
    120_000,
  )
})
