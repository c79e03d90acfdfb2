import { existsSync } from 'node:fs'
import { request } from 'node:https'
import type { TLSSocket } from 'node:tls'
import { join, resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CHROMIUM, hasChromium, launchChromium } from '../helpers/chromium.js'
import { startServe, type RunningServe } from '../helpers/cli.js'
import { PHONE } from '../helpers/crew-phone.js'
import { createToken, workspace, type Workspace } from '../helpers/e2e.js'

/**
 * `balancer serve --tls auto`: the crew app over HTTPS with the certificate the server made in
 * its data directory, the fingerprint it prints the one a phone is shown by the TLS handshake and
 * the one the System page shows (GET /health's crew.tls), and plain HTTP still where it was.
 */
const built = existsSync(join(resolve('out/crew'), 'index.html')) && existsSync('out/cli')
if (!built) console.warn('skipping the crew TLS e2e test: it needs npm run build')

interface Fetched {
  status: number
  type: string
  body: string
  fingerprint256: string
}

function fetchTls(url: string, token?: string): Promise<Fetched> {
  return new Promise((done, fail) => {
    const req = request(
      url,
      {
        rejectUnauthorized: false,
        headers: token ? { authorization: `Bearer ${token}` } : {},
      },
      (res) => {
        const socket: unknown = res.socket
        const fingerprint256 = (socket as TLSSocket).getPeerCertificate().fingerprint256
        let body = ''
        res.setEncoding('utf8')
        res.on('data', (chunk: string) => (body += chunk))
        res.on('end', () =>
          done({
            status: res.statusCode ?? 0,
            type: res.headers['content-type'] ?? '',
            body,
            fingerprint256,
          }),
        )
      },
    )
    req.on('error', fail)
    req.end()
  })
}

/** The "HTTPS for crews on <url> (certificate SHA-256 <fingerprint>)" line serve prints. */
async function httpsLine(serve: RunningServe): Promise<{ url: string; fingerprint: string }> {
  const pattern = /HTTPS for crews on (https:\/\/\S+) \(certificate SHA-256 ([0-9A-F:]+)\)/
  let seen = serve.stdout
  const found = pattern.exec(seen)
  const match =
    found ??
    (await new Promise<RegExpExecArray>((done, fail) => {
      const timer = setTimeout(() => fail(new Error(`no HTTPS line in:\n${seen}`)), 10_000)
      serve.child.stdout?.on('data', (chunk: Buffer) => {
        seen += chunk.toString()
        const line = pattern.exec(seen)
        if (line) {
          clearTimeout(timer)
          done(line)
        }
      })
    }))
  return { url: match[1] ?? '', fingerprint: match[2] ?? '' }
}

describe.skipIf(!built)('serve --tls auto', () => {
  let space: Workspace
  let serve: RunningServe

  beforeAll(async () => {
    space = await workspace('balancer-crew-tls-')
    serve = await startServe(
      ['--port', '0', '--tls', 'auto', '--tls-port', '0', '--no-poll'],
      space.env(),
    )
  }, 60_000)

  afterAll(async () => {
    await serve.stop()
    await space.remove()
  })

  it('serves the crew app over HTTPS with the certificate whose fingerprint the System page shows', async () => {
    const https = await httpsLine(serve)
    expect(https.url).toMatch(/^https:\/\//)

    const app = await fetchTls(`${https.url}/crew/`)
    expect(app.status).toBe(200)
    expect(app.type).toContain('text/html')
    expect(app.fingerprint256).toBe(https.fingerprint)

    const dispatcher = await createToken(space.env(), 'dispatcher', 'tls desk')
    const health = await fetchTls(`${https.url}/health`, dispatcher)
    const crew = (JSON.parse(health.body) as { crew?: { tls?: { fingerprint_sha256?: string } } })
      .crew
    expect(crew?.tls?.fingerprint_sha256).toBe(app.fingerprint256)

    // Plain HTTP stays where it was, for the devices already out there.
    const plain = await fetch(`${serve.url}/crew/`)
    expect(plain.status).toBe(200)

    if (hasChromium) {
      const browser = await launchChromium()
      try {
        const context = await browser.newContext({ viewport: PHONE, ignoreHTTPSErrors: true })
        const page = await context.newPage()
        await page.goto(`${https.url}/crew/`)
        await page.getByRole('heading', { name: 'Pair this phone', exact: true }).waitFor()
      } finally {
        await browser.close()
      }
    } else {
      console.warn(`crew TLS: ${CHROMIUM} missing, the page itself was not opened`)
    }
  }, 60_000)
})
