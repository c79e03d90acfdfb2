import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import type { AddressInfo } from 'node:net'
import { createServer, get as httpGet, type IncomingHttpHeaders, type Server } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { gunzipSync } from 'node:zlib'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { Actor } from '../../src/server/auth/actor.js'
import type { Services } from '../../src/server/services.js'
import { contentSecurityPolicy } from '../../src/shared/csp.js'
import { fakeServices } from '../helpers/fake-services.js'
import { createApp } from '../../src/server/http/app.js'
import { silentLogger } from '../../src/server/logger.js'

let server: Server | null = null
let built = ''

const ANALYST: Actor = { name: 'desk 2', role: 'analyst', crewId: null, tokenId: 4 }

beforeAll(async () => {
  built = await mkdtemp(join(tmpdir(), 'console-'))
  await mkdir(join(built, 'assets'))
  await writeFile(join(built, 'index.html'), '<!doctype html><title>console</title>')
  await writeFile(join(built, 'assets', 'index-Bliwt-GF.js'), 'console.log(1)')
  await writeFile(join(built, 'favicon.svg'), '<svg/>')
  await writeFile(join(built, 'assets', 'views-C0ffee12.js'), BIG_SCRIPT)
})

/** A script big enough to be worth compressing (compression skips bodies under 1 kB). */
const BIG_SCRIPT = Array.from({ length: 2_000 }, (_, i) => `console.log(${i % 7})`).join(';')

/** GET without fetch's own decompression: the bytes and headers as they crossed the wire. */
function rawGet(url: string, headers: Record<string, string>) {
  return new Promise<{ headers: IncomingHttpHeaders; body: Buffer }>((resolve, reject) => {
    httpGet(url, { headers }, (response) => {
      const chunks: Buffer[] = []
      response.on('data', (chunk: Buffer) => chunks.push(chunk))
      response.on('end', () => resolve({ headers: response.headers, body: Buffer.concat(chunks) }))
    }).on('error', reject)
  })
}

afterAll(async () => {
  await rm(built, { recursive: true, force: true })
})

async function serve(consoleDir: string | null): Promise<string> {
  const auth = {
    authenticate: (token: string) => Promise.resolve(token === 'bwb_analyst' ? ANALYST : null),
  } as unknown as Services['auth']
  const app = createApp({ services: fakeServices({ auth }), logger: silentLogger(), consoleDir })
  server = createServer(app)
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve))
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
}

afterEach(async () => {
  await new Promise((resolve) => server?.close(resolve))
  server = null
})

describe('the console served to browsers at /console/', () => {
  it('serves the built page under the console CSP, never cached, and hashed assets for a year', async () => {
    const base = await serve(built)
    const page = await fetch(`${base}/console/`)
    expect(page.status).toBe(200)
    expect(page.headers.get('content-type')).toMatch(/text\/html/)
    expect(page.headers.get('cache-control')).toBe('no-cache')
    expect(page.headers.get('content-security-policy')).toBe(contentSecurityPolicy())
    expect(page.headers.get('content-security-policy')).toContain("connect-src 'self'")
    expect(await page.text()).toContain('<title>console</title>')

    const asset = await fetch(`${base}/console/assets/index-Bliwt-GF.js`)
    expect(asset.status).toBe(200)
    expect(asset.headers.get('cache-control')).toBe('public, max-age=31536000, immutable')
    expect((await fetch(`${base}/console/favicon.svg`)).headers.get('cache-control')).toBe(
      'no-cache',
    )
  })

  it('compresses its files for a browser that asks for gzip, and sends them plain otherwise', async () => {
    const base = await serve(built)
    const url = `${base}/console/assets/views-C0ffee12.js`
    const gzipped = await rawGet(url, { 'accept-encoding': 'gzip' })
    expect(gzipped.headers['content-encoding']).toBe('gzip')
    expect(gzipped.headers['cache-control']).toBe('public, max-age=31536000, immutable')
    expect(gzipped.body.length).toBeLessThan(BIG_SCRIPT.length / 5)
    expect(gunzipSync(gzipped.body).toString()).toBe(BIG_SCRIPT)

    const plain = await rawGet(url, {})
    expect(plain.headers['content-encoding']).toBeUndefined()
    expect(plain.body.toString()).toBe(BIG_SCRIPT)
  })

  it('sends /console on to /console/, where its relative asset URLs resolve', async () => {
    const base = await serve(built)
    const response = await fetch(`${base}/console?x=1`, { redirect: 'manual' })
    expect(response.status).toBe(301)
    expect(response.headers.get('location')).toBe('/console/?x=1')
  })

  it('says how to build it when there is no build', async () => {
    const base = await serve(join(built, 'missing'))
    const response = await fetch(`${base}/console/`)
    expect(response.status).toBe(404)
    expect(await response.json()).toMatchObject({
      code: 'console_not_built',
      detail: expect.stringMatching(/the console is not built .*: run npm run build$/),
    })
  })

  it('sends a browser at GET / to the console, while JSON clients keep the greeting', async () => {
    const base = await serve(built)
    const browser = await fetch(`${base}/`, {
      headers: { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' },
      redirect: 'manual',
    })
    expect(browser.status).toBe(302)
    expect(browser.headers.get('location')).toBe('/console/')
    for (const accept of ['*/*', 'application/json']) {
      const json = await fetch(`${base}/`, { headers: { accept } })
      expect(await json.json()).toEqual({ message: 'Bay Wheels Orchestration & Dispatch Service' })
    }
  })
})

describe('GET /me', () => {
  it("names the token's holder and role, and refuses an unknown token", async () => {
    const base = await serve(null)
    const me = await fetch(`${base}/me`, { headers: { authorization: 'Bearer bwb_analyst' } })
    expect(me.status).toBe(200)
    expect(await me.json()).toEqual({ name: 'desk 2', role: 'analyst', crew_id: null, token_id: 4 })

    const unknown = await fetch(`${base}/me`, { headers: { authorization: 'Bearer bwb_nope' } })
    expect(unknown.status).toBe(401)
    expect(await unknown.json()).toMatchObject({ code: 'unauthenticated' })
    expect((await fetch(`${base}/me`)).status).toBe(401)
  })
})
