import { existsSync } from 'node:fs'
import { mkdir } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { crewContentSecurityPolicy } from '../../src/shared/csp.js'
import { CHROMIUM, hasChromium, launchChromium } from '../helpers/chromium.js'
import {
  button,
  cameraPhoto,
  jpegSize,
  phoneContext,
  serviceWorkerReady,
  shoot,
  VAN,
} from '../helpers/crew-phone.js'
import { watchPage } from '../helpers/e2e.js'
import {
  FROM,
  PAIR_CODE,
  startFakeCrewServer,
  TO,
  TOKEN,
  type FakeCrewServer,
} from '../helpers/fake-crew-server.js'

/**
 * The built crew app (out/crew, `npm run build`) on a phone-sized Chromium with an emulated
 * position, against the crew API faked in memory (the real routes are other branches' work):
 * pairing, a shift, a task done through a dead spot, exactly once. Screenshots of every screen,
 * light and dark, at 390x844 and 360x640 go to CREW_SHOTS.
 */
const CREW = resolve('out/crew')
const SHOTS = resolve(process.env.CREW_SHOTS ?? 'test-results/screenshots/crew')
const built = existsSync(join(CREW, 'index.html'))
if (!hasChromium || !built) {
  console.warn(
    `skipping the crew app e2e tests: they need ${CHROMIUM} and a build (npm run build; ${CREW})`,
  )
}

let browser: Browser | undefined
let fake: FakeCrewServer
let context: BrowserContext | undefined

beforeAll(async () => {
  if (!hasChromium || !built) return
  await mkdir(SHOTS, { recursive: true })
  browser = await launchChromium()
})
afterAll(async () => {
  await browser?.close()
})
afterEach(async () => {
  await context?.close()
  context = undefined
  await fake.close()
})

async function phone(): Promise<{ page: Page; problems: string[] }> {
  if (!browser) throw new Error('Chromium did not start')
  fake = await startFakeCrewServer(CREW)
  context = await phoneContext(browser)
  const page = await context.newPage()
  const { problems } = watchPage(page)
  return { page, problems }
}

describe.skipIf(!hasChromium || !built)('the crew app on a phone', () => {
  it('pairs, starts a shift, moves bikes through a dead spot exactly once, and ends the shift', async () => {
    const { page, problems } = await phone()

    const started = Date.now()
    const first = await page.goto(`${fake.url}/crew/`)
    expect(first?.headers()['content-security-policy']).toBe(crewContentSecurityPolicy())
    await page.getByRole('heading', { name: 'Pair this phone' }).waitFor()
    const firstScreenMs = Date.now() - started
    console.log(`crew app: first screen ${firstScreenMs} ms after navigation (cold, no cache)`)
    await shoot(page, SHOTS, 'pairing')

    // The dispatcher's link: the code in the fragment, traded at once and taken out of the URL.
    await page.goto(`${fake.url}/crew/#pair=${PAIR_CODE}`)
    await page.getByRole('heading', { name: 'Start shift' }).waitFor()
    expect(fake.paired).toBe(true)
    expect(new URL(page.url()).hash).toBe('')
    expect(await page.content()).not.toContain(TOKEN)
    await page.getByText('Van 3 (Mission)').first().waitFor()
    await shoot(page, SHOTS, 'start-shift')

    await button(page, 'Van capacity (bikes): one fewer').click()
    await button(page, 'Bikes on board now: one more').click()
    await button(page, 'Start shift').click()
    await button(page, 'Next task').waitFor()
    expect(fake.shifts[0]).toMatchObject({ van_capacity: 11, bikes_on_board: 1 })
    await expect.poll(() => fake.heartbeats.length).toBeGreaterThan(0)
    expect(fake.heartbeats[0]).toMatchObject({ lat: VAN.latitude, lon: VAN.longitude })
    await shoot(page, SHOTS, 'ready')

    await button(page, 'Next task').click()
    await page.getByRole('heading', { name: FROM.name }).waitFor()
    await page.getByRole('heading', { name: TO.name }).waitFor()
    const text = await page.locator('main').innerText()
    expect(text).toContain(FROM.short_name)
    expect(text).toContain('Move 5 bikes')
    expect(text).toContain('850 m away')
    expect(text).not.toContain(FROM.station_id)
    expect(text).not.toContain(TO.station_id)
    const navigate = page.getByRole('link', { name: 'Navigate' })
    expect(await navigate.getAttribute('href')).toMatch(/^geo:37\.784100,-122\.398500/)
    await shoot(page, SHOTS, 'task')

    await button(page, 'Picked up').click()
    await page.getByRole('heading', { name: 'Picked up' }).waitFor()
    await button(page, 'Bikes actually taken: one fewer').click()
    await shoot(page, SHOTS, 'picked-up')
    await button(page, 'Picked up').click()
    await button(page, 'Complete').waitFor()
    await expect.poll(() => fake.applied.pickups).toEqual([4])
    // Navigation now goes to the drop-off.
    expect(await navigate.getAttribute('href')).toMatch(/^geo:37\.765100,-122\.421900/)

    // Into a dead spot: the app was cached by its service worker, the result waits on the phone.
    // A function, not a string: the page's CSP forbids the eval a string predicate needs.
    await serviceWorkerReady(page)
    fake.setDeadSpot(true)
    await context?.setOffline(true)
    await page.getByText('No signal').waitFor()
    await button(page, 'Complete').click()
    await page.getByRole('heading', { name: 'Complete' }).waitFor()
    await shoot(page, SHOTS, 'complete')
    await button(page, 'Complete').click()
    await page.getByText('Waiting to be sent: 1').waitFor()
    const waiting = page.getByRole('region', { name: 'Waiting to be sent' })
    await waiting.getByText('Complete: 4 bikes left at Valencia St at 16th St').waitFor()
    await shoot(page, SHOTS, 'waiting-offline')

    // A reload with no network: the shell from the cache, the queue from IndexedDB.
    await page.reload()
    await page.getByText('Waiting to be sent: 1').waitFor()
    expect(fake.requests.get('POST /task/:id/complete') ?? 0).toBe(0)

    // Back in signal, the first try is applied but its answer is lost on the way (the tunnel
    // again): the phone tries again with the same key and the server replays, never re-applies.
    fake.loseNextAnswer('POST /task/:id/complete')
    fake.setDeadSpot(false)
    await context?.setOffline(false)
    await page.getByText('Sent: task done, 4 bikes moved').waitFor({ timeout: 15_000 })
    expect(fake.requests.get('POST /task/:id/complete')).toBe(2)
    expect(fake.replayed.get('POST /task/:id/complete')).toBe(1)
    expect(fake.applied.completions).toEqual([{ id: 41, qty_moved: 4 }])
    await shoot(page, SHOTS, 'sent')

    await button(page, 'End shift').click()
    await page.getByRole('heading', { name: 'End shift' }).waitFor()
    await button(page, 'Bikes left on board: one more').click()
    await shoot(page, SHOTS, 'end-shift')
    await button(page, 'End shift').click()
    await page.getByRole('heading', { name: 'Start shift' }).waitFor()
    expect(fake.shifts[0]).toMatchObject({ bikes_on_board: 1 })
    expect(fake.shifts[0]?.ended_at).not.toBeNull()
    // Requests the phone made in the dead spot fail as they should; anything else is a fault.
    expect(problems.filter((problem) => !problem.includes('ERR_INTERNET_DISCONNECTED'))).toEqual([])
  })

  it('reports a problem with a scaled-down camera photo, gives a task back, hears a cancel, and is signed out', async () => {
    const { page, problems } = await phone()
    await page.goto(`${fake.url}/crew/#pair=${PAIR_CODE}`)
    await button(page, 'Start shift').click()
    await button(page, 'Next task').click()
    await page.getByRole('heading', { name: FROM.name }).waitFor()

    // A 4000x3000 camera photo: scaled on the phone to at most 1600 px, JPEG, well under 2 MB.
    await button(page, 'Report a problem').click()
    await page.getByRole('heading', { name: 'Report a problem' }).waitFor()
    await shoot(page, SHOTS, 'report')
    await page.getByText('Broken docks').click()
    await page.getByLabel('Note (optional)').fill('2 docks broken, red light')
    if (!browser) throw new Error('Chromium did not start')
    const photo = await cameraPhoto(browser)
    await page.setInputFiles('#problem-photo', {
      name: 'photo.png',
      mimeType: 'image/png',
      buffer: photo,
    })
    await page.getByRole('img', { name: 'The photo to send' }).waitFor()
    await shoot(page, SHOTS, 'report-photo')
    await button(page, 'Send report').click()
    await expect.poll(() => fake.problems.length).toBe(1)
    const [report] = fake.problems
    expect(report).toMatchObject({
      station_id: FROM.station_id,
      kind: 'broken_docks',
      note: '2 docks broken, red light',
    })
    expect(report?.photo).toMatch(/^data:image\/jpeg;base64,/)
    const jpeg = Buffer.from(report?.photo?.split(',')[1] ?? '', 'base64')
    expect(jpeg.length).toBeLessThan(2_000_000)
    expect(jpegSize(jpeg)).toEqual({ width: 1600, height: 1200 })
    console.log(
      `crew app: a ${photo.length} B 4000x3000 PNG became a ${jpeg.length} B 1600x1200 JPEG`,
    )

    // Can't do: a reason from the list and a note, sent as reason_code and reason.
    await button(page, "Can't do").click()
    await page.getByText('No free docks').click()
    await page.getByLabel('Note for the dispatcher (optional)').fill('only 9 at Folsom')
    await shoot(page, SHOTS, 'cant-do')
    await button(page, 'Give the task back').click()
    await expect
      .poll(() => fake.applied.releases)
      .toEqual([{ reason: 'No free docks: only 9 at Folsom', reason_code: 'no_docks' }])
    await page.getByText('Sent: the task was given back').waitFor()

    // The dispatcher cancels the next task: the phone says so, with the reason, within seconds.
    await button(page, 'Next task').click()
    await page.getByRole('heading', { name: FROM.name }).waitFor()
    await expect.poll(() => fake.requests.get('GET /crew/events') ?? 0).toBeGreaterThan(0)
    const canceledAt = Date.now()
    fake.push('task', {
      id: 42,
      status: 'canceled',
      change: 'canceled',
      reason: 'station closed for works',
    })
    await page
      .getByText('The dispatcher canceled task 42: station closed for works')
      .waitFor({ timeout: 5_000 })
    console.log(`crew app: a cancel shown ${Date.now() - canceledAt} ms after it was pushed`)
    expect(await page.getByRole('heading', { name: FROM.name }).count()).toBe(0)
    await shoot(page, SHOTS, 'canceled')

    // Revoked in the console: the stream says signed_out and the phone forgets its token.
    fake.revoke()
    await page.getByRole('heading', { name: 'Pair this phone' }).waitFor({ timeout: 5_000 })
    await page.getByText('This phone was signed out').waitFor()
    await shoot(page, SHOTS, 'signed-out')
    expect(problems).toEqual([])
  })
})
