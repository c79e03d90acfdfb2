import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CHROMIUM, hasChromium, launchChromium } from '../helpers/chromium.js'
import { startServe, type RunningServe } from '../helpers/cli.js'
import { newPage, watchPage, workspace, type Workspace } from '../helpers/e2e.js'

let space: Workspace | undefined
let serve: RunningServe
let browser: Browser | undefined

/** The token the console keeps, read in the page (a string: the node side has no DOM types). */
const KEPT_TOKEN = "window.localStorage.getItem('balancer.token')"

const LINK = /(http:\/\/\S+\/console\/#sign-in=([A-Za-z0-9_-]+))/

/** Everything `serve` printed to stdout so far (its sign-in link comes after its URL). */
let printed = ''

/** The sign-in link `serve` printed. */
async function printedLink(): Promise<{ link: string; code: string }> {
  for (let i = 0; i < 150; i++) {
    const match = LINK.exec(printed)
    if (match?.[1] && match[2]) return { link: match[1], code: match[2] }
    await new Promise((done) => setTimeout(done, 100))
  }
  throw new Error(`no sign-in link in:\n${printed}`)
}

beforeAll(async () => {
  space = await workspace('balancer-e2e-sign-in-')
  serve = await startServe(['--port', '0'], space.env({ LOG_LEVEL: 'info' }))
  printed = serve.stdout
  serve.child.stdout?.on('data', (chunk: Buffer) => (printed += chunk.toString()))
  if (hasChromium) browser = await launchChromium()
}, 120_000)

afterAll(async () => {
  await browser?.close()
  await serve.stop()
  await space?.remove()
})

describe('from `npm start` to the console in one click', () => {
  it.skipIf(!hasChromium)(
    `follows serve's one-time link into the console as its first dispatcher (Chromium at ${CHROMIUM})`,
    async () => {
      const { link, code } = await printedLink()
      expect(printed).toContain("sign in as the depot's first dispatcher")

      const page = await newPage(browser, { width: 1366, height: 768 })
      const { problems } = watchPage(page)
      await page.goto(link)
      // Signed in without pasting anything: the dispatcher's views, Settings among them.
      await page.getByRole('link', { name: /Settings/ }).waitFor()
      await page.getByRole('heading', { name: 'Overview' }).waitFor()
      const token = await page.evaluate<string | null>(KEPT_TOKEN)
      expect(token).toMatch(/^bwb_/)
      // The used code is taken out of the address bar.
      expect(page.url()).not.toContain(code)
      await page.reload()
      await page.getByRole('link', { name: /Settings/ }).waitFor()

      // Used once: the link again, in another browser, is refused in words.
      const other = await newPage(browser, { width: 1366, height: 768 })
      await other.goto(link)
      await other.getByRole('heading', { name: 'Sign in' }).waitFor()
      await other.getByText(/used already or is more than 15 minutes old/).waitFor()
      expect(await other.evaluate<string | null>(KEPT_TOKEN)).toBeNull()

      // Neither the code nor the token is ever written to the log.
      const log = serve.stderr()
      expect(log).toContain('/session/sign-in')
      expect(log).not.toContain(code)
      expect(log).not.toContain(token ?? 'no token')
      expect(problems.filter((text) => !/status of 404/.test(text))).toEqual([])
    },
    90_000,
  )

  it('prints no link once a dispatcher token exists', async () => {
    const again = await startServe(['--port', '0'], space?.env() ?? {})
    // What it prints next (the link, if any) arrives right after the URL.
    let out = again.stdout
    again.child.stdout?.on('data', (chunk: Buffer) => (out += chunk.toString()))
    await new Promise((done) => setTimeout(done, 2_000))
    await again.stop()
    // The first test made one with the link; without Chromium there is none yet, and it prints.
    expect(out.includes('#sign-in=')).toBe(!hasChromium)
  }, 60_000)
})
