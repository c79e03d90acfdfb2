import { existsSync } from 'node:fs'
import { mkdir } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { CHROMIUM, hasChromium, launchChromium } from '../helpers/chromium.js'
import type { RunningServe } from '../helpers/cli.js'
import { startCrewLiveServer, STATIONS, type CrewLiveServer } from '../helpers/crew-live-server.js'
import {
  button,
  cameraPhoto,
  phoneContext,
  serviceWorkerReady,
  shoot,
  VAN,
} from '../helpers/crew-phone.js'
import { api, watchPage } from '../helpers/e2e.js'

/**
 * The crew's phone app against a real `balancer serve` on a throwaway database: the built app
 * (out/crew) in a phone-sized Chromium with an emulated position, driven only through the UI,
 * and checked through the HTTP API as the dispatcher and in the database. Screenshots of every
 * screen, light and dark, at 390x844 and 360x640, go to CREW_SHOTS.
 */
const CREW = resolve('out/crew')
const SHOTS = resolve(process.env.CREW_SHOTS ?? 'test-results/screenshots/crew-live')
const built = existsSync(join(CREW, 'index.html')) && existsSync('out/cli')
const ready = hasChromium && built
if (!ready)
  console.warn(`skipping the live crew e2e tests: they need ${CHROMIUM} and npm run build`)

let live: CrewLiveServer
let serve: RunningServe
let dispatcher = ''
let browser: Browser | undefined
let context: BrowserContext | undefined

beforeAll(async () => {
  if (!ready) return
  await mkdir(SHOTS, { recursive: true })
  live = await startCrewLiveServer()
  ;({ serve, dispatcher } = live)
  browser = await launchChromium()
}, 120_000)

afterAll(async () => {
  await browser?.close()
  if (ready) await live.stop()
})

afterEach(async () => {
  await context?.close()
  context = undefined
})

/**
 * A phone that opened the dispatcher's link. The link names the server's LAN address; the phone
 * here reaches the same server on loopback, where Chromium allows a service worker over http.
 */
async function pairedPhone(
  crewId: string,
  position = VAN,
): Promise<{ page: Page; problems: string[]; requests: string[] }> {
  if (!browser) throw new Error('Chromium did not start')
  const code = await live.pairingCode(crewId)
  context = await phoneContext(browser, position)
  const page = await context.newPage()
  const watched = watchPage(page)
  await page.goto(`${serve.url}/crew/#pair=${code}`)
  await page.getByRole('heading', { name: 'Start shift' }).waitFor()
  expect(new URL(page.url()).hash).toBe('')
  return { page, ...watched }
}

describe.skipIf(!ready)('the crew app on a phone against the real server', () => {
  it('pairs from a dispatcher link, moves bikes through a dead spot exactly once, ends the shift', async () => {
    await live.newCrew('van-3', 'Van 3 (Mission)')
    const taskId = await live.newTask('st-near', 'st-sink', 5)
    const { page, problems } = await pairedPhone('van-3')
    await page.getByText('Van 3 (Mission)').first().waitFor()
    expect(await page.content()).not.toMatch(/bwb_[\w-]{20,}/)
    await shoot(page, SHOTS, 'start-shift')

    await button(page, 'Start shift').click()
    await button(page, 'Next task').waitFor()
    await shoot(page, SHOTS, 'ready')
    const shift = await live.row<{ van_capacity: number; bikes_on_board: number }>(
      `select van_capacity, bikes_on_board from crew_shifts where crew_id = 'van-3' and ended_at is null`,
    )
    expect(shift).toEqual({ van_capacity: 12, bikes_on_board: 0 })

    await button(page, 'Next task').click()
    await page.getByRole('heading', { name: 'Market St at 10th St' }).waitFor()
    await page.getByRole('heading', { name: 'Valencia St at 16th St' }).waitFor()
    const text = await page.locator('main').innerText()
    expect(text).toContain('Move 5 bikes')
    expect(text).toContain('SF-M10')
    expect(text).toContain('Reported just now')
    expect(text).not.toContain('Old numbers')
    for (const { id } of STATIONS) expect(text).not.toContain(id)
    await shoot(page, SHOTS, 'task')

    await button(page, 'Picked up').click()
    await page.getByRole('heading', { name: 'Picked up' }).waitFor()
    await shoot(page, SHOTS, 'picked-up')
    await button(page, 'Picked up').click()
    await button(page, 'Complete').waitFor()
    await expect
      .poll(
        async () =>
          (
            await live.row<{ q: number | null }>(
              `select qty_picked as q from tasks where id = $1`,
              [taskId],
            )
          ).q,
      )
      .toBe(5)

    // Into a tunnel: the result waits on the phone, and is sent once when signal returns.
    await serviceWorkerReady(page)
    await context?.setOffline(true)
    await page.getByText('No signal').waitFor()
    await button(page, 'Complete').click()
    await page.getByRole('heading', { name: 'Complete' }).waitFor()
    await button(page, 'Bikes actually left: one fewer').click()
    await shoot(page, SHOTS, 'complete')
    await button(page, 'Complete').click()
    await page.getByText('Waiting to be sent: 1').waitFor()
    await shoot(page, SHOTS, 'waiting-offline')
    expect(
      (await live.row<{ status: string }>(`select status from tasks where id = $1`, [taskId]))
        .status,
    ).toBe('assigned')

    await context?.setOffline(false)
    await page.getByText('Sent: task done, 4 bikes moved').waitFor({ timeout: 20_000 })
    await shoot(page, SHOTS, 'sent')
    const detail = await api<{
      task: { id: number; status: string; qty_moved: number }
      audit: { action: string }[]
    }>(serve, 'GET', `/tasks/${taskId}`, dispatcher)
    expect(detail.task).toMatchObject({ id: taskId, status: 'completed', qty_moved: 4 })
    expect(detail.audit.filter((entry) => entry.action === 'task.complete')).toHaveLength(1)
    const completions = await live.row<{ n: string }>(
      `select count(*) as n from audit_log where action = 'task.complete' and entity_id = $1`,
      [String(taskId)],
    )
    expect(Number(completions.n)).toBe(1)

    await button(page, 'End shift').click()
    await page.getByRole('heading', { name: 'End shift' }).waitFor()
    await shoot(page, SHOTS, 'end-shift')
    await button(page, 'End shift').click()
    await page.getByRole('heading', { name: 'Start shift' }).waitFor()
    const ended = await live.row<{ open: string }>(
      `select count(*) filter (where ended_at is null) as open from crew_shifts where crew_id = 'van-3'`,
    )
    expect(Number(ended.open)).toBe(0)
    expect(problems.filter((p) => !p.includes('ERR_INTERNET_DISCONNECTED'))).toEqual([])
  })

  it('sends a problem photo the dispatcher can see, hears a cancel within 5 s, and is signed out on revoke', async () => {
    if (!browser) throw new Error('Chromium did not start')
    await live.newCrew('van-5', 'Van 5 (SoMa)')
    const taskId = await live.newTask('st-near', 'st-sink', 3)
    const { page, problems, requests } = await pairedPhone('van-5')
    await button(page, 'Start shift').click()
    await button(page, 'Next task').click()
    await page.getByRole('heading', { name: 'Market St at 10th St' }).waitFor()

    await button(page, 'Report a problem').click()
    await page.getByRole('heading', { name: 'Report a problem' }).waitFor()
    await shoot(page, SHOTS, 'report')
    await page.getByText('Broken docks').click()
    await page.getByLabel('Note (optional)').fill('2 docks broken, red light')
    await page.setInputFiles('#problem-photo', {
      name: 'photo.png',
      mimeType: 'image/png',
      buffer: await cameraPhoto(browser),
    })
    await page.getByRole('img', { name: 'The photo to send' }).waitFor()
    await shoot(page, SHOTS, 'report-photo')
    await button(page, 'Send report').click()
    const open = () =>
      api<unknown[]>(serve, 'GET', '/problems?status=open&station_id=st-near', dispatcher)
    await expect.poll(async () => (await open()).length, { timeout: 10_000 }).toBe(1)
    const listed = await api<
      { problem_id: number; station_name: string; has_photo: boolean; kind: string; note: string }[]
    >(serve, 'GET', '/problems?status=open&station_id=st-near', dispatcher)
    expect(listed).toHaveLength(1)
    expect(listed[0]).toMatchObject({
      station_name: 'Market St at 10th St',
      kind: 'broken_docks',
      note: '2 docks broken, red light',
      has_photo: true,
    })
    const photo = await fetch(`${serve.url}/problems/${listed[0]?.problem_id}/photo`, {
      headers: { authorization: `Bearer ${dispatcher}` },
    })
    expect(photo.status).toBe(200)
    expect(photo.headers.get('content-type')).toBe('image/jpeg')
    const bytes = Buffer.from(await photo.arrayBuffer())
    expect([...bytes.subarray(0, 3)]).toEqual([0xff, 0xd8, 0xff])
    expect(bytes.length).toBeLessThan(2_000_000)

    // The dispatcher cancels the phone's task: its event stream says so, on screen, within 5 s.
    await expect.poll(() => requests.some((url) => url.endsWith('/crew/events'))).toBe(true)
    const canceledAt = Date.now()
    await api(serve, 'POST', `/task/${taskId}/cancel`, dispatcher, {
      reason: 'station closed for works',
    })
    await page
      .getByText(`The dispatcher canceled task ${taskId}: station closed for works`)
      .waitFor({ timeout: 5_000 })
    const cancelMs = Date.now() - canceledAt
    console.log(
      `crew live: a dispatcher's cancel shown on the phone ${cancelMs} ms after the request`,
    )
    expect(cancelMs).toBeLessThan(5_000)
    expect(await page.getByRole('heading', { name: 'Market St at 10th St' }).count()).toBe(0)
    await shoot(page, SHOTS, 'canceled')

    // Revoked in the console: the phone is signed out at once, back on the pairing screen.
    const devices = await api<{ device_id: string; crew_id: string }[]>(
      serve,
      'GET',
      '/crews/devices',
      dispatcher,
    )
    const device = devices.find((d) => d.crew_id === 'van-5')
    const revokedAt = Date.now()
    await api(serve, 'POST', `/crews/devices/${device?.device_id}/revoke`, dispatcher)
    await page
      .getByRole('heading', { name: 'Pair this phone', exact: true })
      .waitFor({ timeout: 5_000 })
    await page.getByText('This phone was signed out').waitFor()
    console.log(
      `crew live: a revoked phone signed out ${Date.now() - revokedAt} ms after the request`,
    )
    await shoot(page, SHOTS, 'signed-out')
    expect(problems).toEqual([])
  })

  it('hands out the nearer of two equal-priority tasks first, through Next task', async () => {
    await live.newCrew('van-7', 'Van 7 (Richmond)')
    // The far one is older: without the van's position it would come first.
    const far = await live.newTask('st-far', 'st-sink2', 4, 30)
    const near = await live.newTask('st-near', 'st-sink', 4, 0)
    const { page } = await pairedPhone('van-7')
    await button(page, 'Start shift').click()
    await button(page, 'Next task').click()
    await page.getByRole('heading', { name: 'Market St at 10th St' }).waitFor()
    const held = await live.rows<{ id: number; status: string; worker_id: string | null }>(
      `select id::int as id, status, worker_id from tasks where id = any($1) order by id`,
      [[far, near]],
    )
    expect(held).toEqual([
      { id: far, status: 'ready', worker_id: null },
      { id: near, status: 'assigned', worker_id: 'van-7' },
    ])
    expect(await page.locator('main').innerText()).toMatch(/\d+ m away/)

    // Can't do: the reason reaches the dispatcher, and the task is free for other crews.
    await button(page, "Can't do").click()
    await page.getByText('Station blocked').click()
    await page.getByLabel('Note for the dispatcher (optional)').fill('truck parked on the docks')
    await shoot(page, SHOTS, 'cant-do')
    await button(page, 'Give the task back').click()
    await page.getByText('Sent: the task was given back').waitFor({ timeout: 10_000 })
    const released = await live.row<{ status: string; worker_id: string | null }>(
      `select status, worker_id from tasks where id = $1`,
      [near],
    )
    expect(released).toEqual({ status: 'ready', worker_id: null })
    const detail = await api<{ assignments: { outcome: string | null; reason: string | null }[] }>(
      serve,
      'GET',
      `/tasks/${near}`,
      dispatcher,
    )
    expect(detail.assignments[0]).toMatchObject({
      outcome: 'released',
      reason: 'Station blocked: truck parked on the docks',
    })
  })

  it('keeps what waits when revoked in a dead spot, and sends it after pairing again for the same crew', async () => {
    await live.newCrew('van-9', 'Van 9 (Bayview)')
    await live.cancelReady()
    const taskId = await live.newTask('st-near', 'st-sink', 3)
    const { page } = await pairedPhone('van-9')
    await button(page, 'Start shift').click()
    await button(page, 'Next task').click()
    await page.getByRole('heading', { name: 'Market St at 10th St' }).waitFor()
    await serviceWorkerReady(page)

    // Picked up in a dead spot, and the device revoked meanwhile: the pick-up is not lost.
    await context?.setOffline(true)
    await button(page, 'Picked up').click()
    await button(page, 'Picked up').click()
    await page.getByText('Waiting to be sent: 1').waitFor()
    const devices = await api<{ device_id: string; crew_id: string }[]>(
      serve,
      'GET',
      '/crews/devices',
      dispatcher,
    )
    const device = devices.find((d) => d.crew_id === 'van-9')
    await api(serve, 'POST', `/crews/devices/${device?.device_id}/revoke`, dispatcher)
    await context?.setOffline(false)
    await page
      .getByRole('heading', { name: 'Pair this phone', exact: true })
      .waitFor({ timeout: 10_000 })
    await page.getByText('1 change not sent: pair this phone again to send it').waitFor()
    await shoot(page, SHOTS, 'signed-out-unsent')
    const before = await live.row<{ q: number | null }>(
      `select qty_picked as q from tasks where id = $1`,
      [taskId],
    )
    expect(before.q).toBeNull()

    // A new link for the same crew: the phone pairs and sends the pick-up it kept.
    // Its shift is still open on the server (GET /crew/me says so), so it goes back to work.
    await page.goto(`${serve.url}/crew/#pair=${await live.pairingCode('van-9')}`)
    await page
      .getByRole('heading', { name: 'Pair this phone', exact: true })
      .waitFor({ state: 'detached' })
    await expect
      .poll(
        async () =>
          (
            await live.row<{ q: number | null }>(
              `select qty_picked as q from tasks where id = $1`,
              [taskId],
            )
          ).q,
        { timeout: 10_000 },
      )
      .toBe(3)
    await expect.poll(() => page.getByText(/not sent|Waiting to be sent/).count()).toBe(0)
    const pickups = await live.row<{ n: string }>(
      `select count(*) as n from audit_log where action = 'task.pickup' and entity_id = $1`,
      [String(taskId)],
    )
    expect(Number(pickups.n)).toBe(1)
  })

  it('shows its first screen fast, cold and from its service worker', async () => {
    if (!browser) throw new Error('Chromium did not start')
    const median = (values: number[]) => [...values].sort((a, b) => a - b)[2] ?? NaN
    const firstScreen = async (page: Page, reload: boolean) => {
      const started = Date.now()
      await (reload ? page.reload() : page.goto(`${serve.url}/crew/`))
      await page.getByRole('heading', { name: 'Pair this phone', exact: true }).waitFor()
      return Date.now() - started
    }
    const cold: number[] = []
    for (let i = 0; i < 5; i++) {
      const fresh = await phoneContext(browser)
      cold.push(await firstScreen(await fresh.newPage(), false))
      await fresh.close()
    }
    context = await phoneContext(browser)
    const page = await context.newPage()
    await firstScreen(page, false)
    await serviceWorkerReady(page)
    await shoot(page, SHOTS, 'pairing')
    const cached: number[] = []
    for (let i = 0; i < 5; i++) cached.push(await firstScreen(page, true))
    console.log(
      `crew live: first screen, median of 5: cold ${median(cold)} ms (${cold.join(', ')}), ` +
        `from the service worker ${median(cached)} ms (${cached.join(', ')})`,
    )
    expect(median(cold)).toBeLessThan(1_000)
    expect(median(cached)).toBeLessThan(1_000)
  })
})
