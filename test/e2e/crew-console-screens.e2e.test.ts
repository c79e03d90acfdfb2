import { createReadStream, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { extname, join, normalize, resolve } from 'node:path'
import react from '@vitejs/plugin-react'
import type { Browser, Page } from 'playwright-core'
import { build } from 'vite'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { hasChromium, launchChromium } from '../helpers/chromium'

/**
 * The crew console's screens (Crews with the pairing panel, Problems with a photo, a station's
 * problems, task cards, vans on the map) in Chromium, light and dark, at 1366x768 and 1920x1080,
 * from the test page test/screens/crew-console (made-up data, the console's own CSP).
 * SHOTS_DIR says where the screenshots go.
 */
const SHOTS = resolve(process.env.SHOTS_DIR ?? 'test-results/screenshots/crew-console')
const TYPES: Record<string, string> = {
  '.html': 'text/html',
  '.js': 'text/javascript',
  '.css': 'text/css',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
}

let out = ''
let server: Server | undefined
let base = ''
let browser: Browser | undefined

beforeAll(async () => {
  if (!hasChromium) return
  out = mkdtempSync(join(tmpdir(), 'crew-console-screens-'))
  await build({
    root: resolve('test/screens/crew-console'),
    base: './',
    configFile: false,
    logLevel: 'warn',
    plugins: [react()],
    build: { outDir: out, emptyOutDir: true },
  })
  const serving = createServer((request, response) => {
    const path = normalize(decodeURIComponent(new URL(request.url ?? '/', 'http://x').pathname))
    if (path === '/favicon.ico') {
      response.writeHead(204).end()
      return
    }
    const file = join(out, path === '/' ? 'index.html' : path)
    if (!file.startsWith(out) || !existsSync(file)) {
      response.writeHead(404).end()
      return
    }
    response.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' })
    createReadStream(file).pipe(response)
  })
  server = serving
  await new Promise<void>((done) => serving.listen(0, '127.0.0.1', done))
  base = `http://127.0.0.1:${(serving.address() as AddressInfo).port}/index.html`
  browser = await launchChromium()
  mkdirSync(SHOTS, { recursive: true })
}, 180_000)

afterAll(async () => {
  await browser?.close()
  await new Promise((done) => (server ? server.close(done) : done(null)))
  if (out) rmSync(out, { recursive: true, force: true })
})

const SIZES = [
  [1366, 768],
  [1920, 1080],
] as const

async function open(size: readonly [number, number], theme: string, screen: string) {
  if (!browser) throw new Error('no Chromium')
  const page = await browser.newPage({ viewport: { width: size[0], height: size[1] } })
  const errors: string[] = []
  page.on('pageerror', (error) => errors.push(error.message))
  page.on('console', (message) => {
    if (message.type() === 'error' && !/not in this test page/.test(message.text())) {
      errors.push(message.text())
    }
  })
  await page.goto(`${base}?screen=${screen}&theme=${theme}`)
  return { page, errors }
}

const shot = (page: Page, name: string) => page.screenshot({ path: join(SHOTS, `${name}.png`) })

describe.skipIf(!hasChromium)('the crew console’s screens', () => {
  for (const size of SIZES) {
    for (const theme of ['light', 'dark']) {
      const tag = `${size[0]}x${size[1]}-${theme}`
      it(`Crews and pairing a phone, ${tag}`, async () => {
        const { page, errors } = await open(size, theme, 'crews')
        await page.getByRole('table', { name: 'Paired phones' }).waitFor()
        await shot(page, `crews-${tag}`)
        await page.getByRole('button', { name: 'Pair a phone with Van 3' }).click()
        const qr = page.getByRole('img', { name: 'QR code of the pairing link for Van 3' })
        await qr.waitFor()
        // The data: image is allowed by the CSP and drawn.
        expect(
          await qr.evaluate((img) => (img as unknown as { naturalWidth: number }).naturalWidth),
        ).toBeGreaterThan(0)
        await shot(page, `pairing-${tag}`)
        expect(errors).toEqual([])
        await page.close()
      })

      it(`Problems, with a photo opened large, ${tag}`, async () => {
        const { page, errors } = await open(size, theme, 'problems')
        const thumb = page.getByRole('button', { name: /^Open the photo: Broken docks/ })
        await thumb.waitFor()
        await shot(page, `problems-${tag}`)
        await thumb.click()
        await page.getByRole('dialog').waitFor()
        await shot(page, `problem-photo-${tag}`)
        await page.keyboard.press('Escape')
        await page.getByRole('button', { name: /^Resolve: Station offline/ }).click()
        await shot(page, `problem-resolve-${tag}`)
        expect(errors).toEqual([])
        await page.close()
      })

      it(`a station’s open problems, the task board and the map, ${tag}`, async () => {
        const { page, errors } = await open(size, theme, 'station')
        await page.getByRole('region', { name: 'Open problems' }).getByRole('listitem').waitFor()
        await shot(page, `station-${tag}`)
        await page.goto(`${base}?screen=tasks&theme=${theme}`)
        await page
          .getByText("Can't do: fewer bikes than expected — only 9 at Caltrain, 3 disabled")
          .waitFor()
        await shot(page, `tasks-${tag}`)
        await page.goto(`${base}?screen=map&theme=${theme}`)
        await page.locator('.map[data-vans="2"]').waitFor()
        await shot(page, `map-${tag}`)
        await page.locator('.crew-marker:not(.crew-marker-stale)').hover()
        await page.locator('.leaflet-tooltip').waitFor()
        await shot(page, `map-van-tooltip-${tag}`)
        // Failures of panels the page does not answer (history, nearby) are logged, not thrown.
        expect(errors).toEqual([])
        await page.close()
      })
    }
  }
})
