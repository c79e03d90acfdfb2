import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { Services } from '../../src/server/services.js'
import { createApp } from '../../src/server/http/app.js'
import { silentLogger } from '../../src/server/logger.js'
import { crewContentSecurityPolicy } from '../../src/shared/csp.js'
import { fakeServices } from '../helpers/fake-services.js'

let server: Server | null = null
let built = ''
const SCRIPT = `console.log(${JSON.stringify('a crew app '.repeat(2000))})`

beforeAll(async () => {
  built = await mkdtemp(join(tmpdir(), 'crew-'))
  await mkdir(join(built, 'assets'))
  await writeFile(join(built, 'index.html'), '<!doctype html><title>crew</title>')
  await writeFile(join(built, 'assets', 'index-Bwv-Idl6.js'), SCRIPT)
  await writeFile(join(built, 'sw.js'), 'self.addEventListener("fetch", () => {})')
  await writeFile(join(built, 'manifest.webmanifest'), '{"name":"Bay Wheels Crew"}')
})

afterAll(async () => {
  await rm(built, { recursive: true, force: true })
})

async function serve(crewDir: string | null): Promise<string> {
  const auth = { authenticate: () => Promise.resolve(null) } as unknown as Services['auth']
  const app = createApp({ services: fakeServices({ auth }), logger: silentLogger(), crewDir })
  server = createServer(app)
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve))
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
}

async function stop(): Promise<void> {
  const running = server
  server = null
  if (running) await new Promise((resolve) => running.close(resolve))
}

afterEach(stop)

describe('the crew app served to phones at /crew/', () => {
  it('serves the page, worker and manifest never cached, hashed assets for a year, under its CSP', async () => {
    const base = await serve(built)
    const page = await fetch(`${base}/crew/`)
    expect(page.status).toBe(200)
    expect(page.headers.get('content-type')).toMatch(/text\/html/)
    expect(page.headers.get('cache-control')).toBe('no-cache')
    expect(page.headers.get('content-security-policy')).toBe(crewContentSecurityPolicy())
    expect(await page.text()).toContain('<title>crew</title>')
    for (const file of ['sw.js', 'manifest.webmanifest']) {
      const response = await fetch(`${base}/crew/${file}`)
      expect(response.status).toBe(200)
      expect(response.headers.get('cache-control')).toBe('no-cache')
    }
    const asset = await fetch(`${base}/crew/assets/index-Bwv-Idl6.js`)
    expect(asset.headers.get('cache-control')).toBe('public, max-age=31536000, immutable')
    expect(await asset.text()).toBe(SCRIPT)
  })

  it("allows blob: images (a photo's preview) and talks only to this server", () => {
    const policy = crewContentSecurityPolicy()
    expect(policy).toContain("img-src 'self' data: blob:")
    expect(policy).toContain("connect-src 'self'")
    expect(policy).toContain("script-src 'self';")
    expect(policy).not.toContain('unsafe-inline')
  })

  it('compresses what the phone downloads, brotli or gzip as it asks', async () => {
    const base = await serve(built)
    for (const encoding of ['br', 'gzip']) {
      const response = await fetch(`${base}/crew/assets/index-Bwv-Idl6.js`, {
        headers: { 'accept-encoding': encoding },
      })
      expect(response.headers.get('content-encoding')).toBe(encoding)
      expect(response.headers.get('vary')).toMatch(/accept-encoding/i)
      expect(await response.text()).toBe(SCRIPT)
    }
  })

  it('leaves the crew API under /crew/ to the API: no page, no compression', async () => {
    const base = await serve(built)
    for (const path of [
      '/crew/me',
      '/crew/task',
      '/crew/events',
      '/crew/assets/nothing-12345678.js',
    ]) {
      const response = await fetch(`${base}${path}`, { headers: { 'accept-encoding': 'br' } })
      expect(response.status, path).not.toBe(200)
      expect(response.headers.get('content-type'), path).toMatch(/application\/json/)
      expect(response.headers.get('content-encoding'), path).toBeNull()
    }
    const pair = await fetch(`${base}/crew/pair`, { method: 'POST' })
    expect(pair.headers.get('content-type')).toMatch(/application\/json/)
  })

  it('sends /crew on to /crew/, the service worker scope', async () => {
    const base = await serve(built)
    const response = await fetch(`${base}/crew?x=1`, { redirect: 'manual' })
    expect(response.status).toBe(301)
    expect(response.headers.get('location')).toBe('/crew/?x=1')
  })

  it('says how to build it when there is no build', async () => {
    for (const dir of [null, join(built, 'missing')]) {
      const base = await serve(dir)
      const response = await fetch(`${base}/crew/`)
      expect(response.status).toBe(404)
      expect(await response.json()).toMatchObject({
        code: 'crew_app_not_built',
        detail: expect.stringMatching(/the crew app is not built.*: run npm run build$/),
      })
      await stop()
    }
  })
})
