import { mkdir } from 'node:fs/promises'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ConsoleSettings, DatabaseTest } from '../../src/shared/settings.js'
import { appStatus } from '../helpers/app-status.js'
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
import { tripFixture } from '../helpers/trips.js'

let space: Workspace | undefined
let serve: RunningServe
let browser: Browser | undefined
let dispatcher = ''

beforeAll(async () => {
  if (!hasChromium) return
  space = await workspace('balancer-e2e-admin-')
  serve = await startServe(
    ['--port', '0', '--demo', fixture('history', 'station_status.csv'), '--speed', '60'],
    space.env(),
  )
  dispatcher = demoDispatcherToken(serve)
  await mkdir(SCREENSHOTS, { recursive: true })
  browser = await launchChromium()
}, 120_000)

afterAll(async () => {
  if (!hasChromium) return
  await browser?.close()
  await serve.stop()
  await space?.remove()
})

/** A 1280×860 page whose uncaught exceptions are collected in `problems`. */
async function openPage(): Promise<{ page: Page; problems: string[] }> {
  const page = await newPage(browser, { width: 1280, height: 860 })
  const problems: string[] = []
  page.on('pageerror', (error) => problems.push(error.message))
  return { page, problems }
}

describe(`trip import and settings in a browser (needs Debian's chromium at ${CHROMIUM})`, () => {
  it.skipIf(!hasChromium)(
    'signs in with the demo token, uploads trip files with a summary, reads the settings and turns notifications on',
    async () => {
      const { page, problems } = await openPage()
      await page.context().grantPermissions(['notifications'], { origin: serve.url })
      await page.goto(`${serve.url}/console/`)
      await page.getByLabel('Token').fill(dispatcher)
      await page.getByRole('button', { name: 'Sign in' }).click()
      await page.getByRole('heading', { name: 'Overview' }).waitFor()

      await page.keyboard.press('g')
      await page.keyboard.press('i')
      await page.getByRole('heading', { name: 'Trip import' }).waitFor()
      await page.getByText('No import yet').waitFor()
      await page
        .getByLabel('Trip files')
        .setInputFiles([
          tripFixture('lyft-2023-semicolon-crlf.csv.gz'),
          tripFixture('fordgobike-bad-rows.csv'),
        ])
      await page.getByRole('region', { name: 'Summary of fordgobike-bad-rows.csv' }).waitFor()
      const summary = await page.getByRole('status').first().innerText()
      expect(summary).toMatch(/2 files into .*: [\d,]+ trips imported, [\d,]+ rows rejected/)
      await page.getByRole('table', { name: 'Rejected rows' }).waitFor()
      await screenshots(page, 'trip-import')

      await page.keyboard.press('g')
      await page.keyboard.press('e')
      await page.getByRole('heading', { name: 'Settings' }).waitFor()
      await page.getByText(/Read-only in a browser/).waitFor()
      expect(await page.getByLabel('API port').isDisabled()).toBe(true)
      await screenshots(page, 'settings-browser')
      await page.getByRole('button', { name: 'Turn on notifications' }).click()
      await page.getByTestId('notify-state').getByText('On').waitFor()
      await screenshots(page, 'settings-notifications-on')
      expect(problems).toEqual([])
      await page.context().close()
    },
    90_000,
  )

  it.skipIf(!hasChromium)(
    'in the desktop window the settings are a form: the database is tested before it is saved',
    async () => {
      const { page, problems } = await openPage()
      const settings: ConsoleSettings = {
        settingsFile: '/home/depot/.local/share/bay-wheels-balancer/settings.json',
        databaseUrl: 'postgres://balancer:********@db.depot.lan:5432/balancer',
        feeds: [{ url: 'https://gbfs.baywheels.com/gbfs/2.3/gbfs.json' }],
        host: '0.0.0.0',
        port: 8000,
        leaseMinutes: 60,
        serviceHours: { start: '06:00', end: '22:00' },
        notifications: true,
        overridden: [],
        running: [
          {
            field: 'port',
            label: 'API port',
            value: '8711',
            source: 'flag',
            by: '--port',
          },
        ],
      }
      const test: DatabaseTest = {
        ok: true,
        location: 'db.depot.lan:5432/balancer',
        serverVersion: '16.4 (Debian 16.4-1.pgdg120+1)',
        migrations: { applied: 7, known: 7, pending: [], current: true },
        detail: null,
      }
      // The preload's bridge, as the desktop window has it (the window itself needs Electron).
      await page.addInitScript(
        (answers: Record<string, unknown>) => {
          Object.assign(globalThis, {
            balancer: {
              // The preload answers each call's result as data (src/preload/bridge.ts).
              invoke: (channel: string) =>
                Promise.resolve(
                  channel in answers
                    ? { ok: true, value: answers[channel] }
                    : {
                        ok: false,
                        error: {
                          code: 'failed',
                          detail: `${channel} is not part of this screenshot`,
                        },
                      },
                ),
              on: () => () => undefined,
            },
          })
        },
        {
          'session:me': { name: 'console', role: 'dispatcher', crew_id: null, token_id: null },
          'app:status': appStatus(true, { mode: 'configured', location: test.location }),
          'feeds:health': {
            leader: 'depot:1',
            pollingHere: true,
            stale: false,
            checkedAt: new Date().toISOString(),
            feeds: [],
          },
          'settings:get': settings,
          'settings:testDatabase': test,
        },
      )
      await page.goto(`${serve.url}/console/#/settings`)
      await page.getByRole('heading', { name: 'Settings' }).waitFor()
      const url = page.getByLabel('Database URL')
      expect(await url.inputValue()).toBe(settings.databaseUrl)
      await url.fill('postgres://balancer:********@db2.depot.lan:5432/balancer')
      await page.getByText('Test the new database before saving it.').waitFor()
      expect(await page.getByRole('button', { name: 'Save settings' }).isDisabled()).toBe(true)
      await page.getByRole('button', { name: 'Test connection' }).click()
      await page.getByText(/Connected/).waitFor()
      expect(await page.getByRole('button', { name: 'Save settings' }).isDisabled()).toBe(false)
      await screenshots(page, 'settings-desktop')
      expect(problems).toEqual([])
      await page.context().close()
    },
    60_000,
  )
})
