import { request } from 'node:https'
import type { TLSSocket } from 'node:tls'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import type { CrewAccess, Pairing } from '../../src/shared/crew-access.js'
import { CLI_ACTOR } from '../../src/server/auth/actor.js'
import { main } from '../../src/server/cli/main.js'
import { writeSettingsFile, type Settings } from '../../src/server/config/settings.js'
import { readAutoCertificate } from '../../src/server/crew-access/tls.js'
import { silentLogger } from '../../src/server/logger.js'
import { startServer, type ServerHandle } from '../../src/server/runtime.js'
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.js'

let database: TestDatabase
let dataDir: string

beforeAll(async () => {
  database = await createTestDatabase()
  dataDir = await mkdtemp(join(tmpdir(), 'balancer-crew-tls-'))
})

afterAll(async () => {
  await database.drop()
  await rm(dataDir, { recursive: true, force: true })
})

function settings(extra: Partial<Settings> = {}): Settings {
  return {
    dataDir,
    databaseUrl: database.url,
    host: '127.0.0.1',
    port: 0,
    tlsPort: 0,
    poll: false,
    tls: 'auto',
    ...extra,
  }
}

/** GET over HTTPS trusting any certificate, as a crew does once it has checked the fingerprint. */
function httpsGet(
  url: string,
  token: string,
): Promise<{ status: number; body: unknown; fingerprint256: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { rejectUnauthorized: false, headers: { authorization: `Bearer ${token}` } },
      (res) => {
        const socket: unknown = res.socket
        const fingerprint256 = (socket as TLSSocket).getPeerCertificate().fingerprint256
        let text = ''
        res.on('data', (chunk: Buffer) => (text += chunk.toString()))
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, body: JSON.parse(text), fingerprint256 }),
        )
      },
    )
    req.on('error', reject)
    req.end()
  })
}

describe('serve --tls auto', () => {
  let server: ServerHandle

  afterAll(async () => {
    await server.close()
  })

  it('serves HTTPS with the certificate it made, whose fingerprint /health reports', async () => {
    server = await startServer(settings(), silentLogger())
    expect(server.httpsUrl).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/)
    const { token } = await server.services.auth.createToken(
      { role: 'dispatcher', name: 'tls test' },
      CLI_ACTOR,
    )
    const health = await httpsGet(`${server.httpsUrl}/health`, token)
    expect(health.status).toBe(200)
    const crew = (health.body as { crew: CrewAccess }).crew
    expect(crew.tls.enabled).toBe(true)
    expect(crew.tls.fingerprint_sha256).toBe(health.fingerprint256)
    expect(server.tls?.origin).toBe('generated')
    // Listening on loopback only: said in words, and the address is the HTTPS one.
    expect(crew.loopback_only).toBe(true)
    expect(crew.warning).toMatch(/--host 0\.0\.0\.0/)
    expect(crew.url).toBe(server.httpsUrl)
  })

  it('keeps plain HTTP where it was for the devices already out there', async () => {
    const response = await fetch(`${server.url}/`, { headers: { accept: 'application/json' } })
    expect(response.status).toBe(200)
    expect(server.url).toMatch(/^http:\/\//)
  })

  it('tells only a console the crew address on /health, as the rest of the detail', async () => {
    const anonymous = (await (await fetch(`${server.url}/health`)).json()) as object
    expect(anonymous).not.toHaveProperty('crew')
  })

  it('puts the fingerprint in the pairing answer', async () => {
    await server.services.auth.createToken(
      { role: 'crew', name: 'Van 9', crewId: 'van-9' },
      CLI_ACTOR,
    )
    const { token } = await server.services.auth.createToken(
      { role: 'dispatcher', name: 'pairing test' },
      CLI_ACTOR,
    )
    const response = await fetch(`${server.url}/crews/van-9/pairings`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}` },
    })
    expect(response.status).toBe(201)
    const pairing = (await response.json()) as Pairing
    expect(pairing.tls_fingerprint).toBe(server.tls?.fingerprint)
    expect(pairing.url.startsWith(`${server.httpsUrl}/crew/#pair=`)).toBe(true)
  })

  it('reuses the certificate on the next start', async () => {
    const first = server.tls?.fingerprint
    await server.close()
    server = await startServer(settings(), silentLogger())
    expect(server.tls?.origin).toBe('reused')
    expect(server.tls?.fingerprint).toBe(first)
  })
})

describe('balancer crew pair', () => {
  async function balancer(args: string[]): Promise<{ code: number; out: string }> {
    let out = ''
    const write = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
      out += String(chunk)
      return true
    })
    try {
      return { code: await main(['node', 'balancer', ...args]), out }
    } finally {
      write.mockRestore()
    }
  }
  const where = () => ['--database-url', database.url, '--data-dir', dataDir]

  it('--json prints the pairing, with the fingerprint of the certificate serve uses', async () => {
    await writeSettingsFile(dataDir, { tls: 'auto' })
    const made = await readAutoCertificate(dataDir)
    let result: { code: number; out: string }
    try {
      result = await balancer(['crew', 'pair', '--crew', 'van-9', '--json', ...where()])
    } finally {
      await rm(join(dataDir, 'settings.json'))
    }
    expect(result.code).toBe(0)
    const pairing = JSON.parse(result.out) as Pairing
    expect(pairing.code).toMatch(/^[2-9A-Z]{10}$/)
    expect(pairing.server_url).toBe('https://127.0.0.1:8443')
    expect(pairing.url).toBe(`${pairing.server_url}/crew/#pair=${pairing.code}`)
    expect(pairing.warning).toMatch(/--host 0\.0\.0\.0/)
    expect(made).not.toBeNull()
    expect(pairing.tls_fingerprint).toBe(made?.fingerprint)
    // The code works once, like the console's.
    const stored = await database.db
      .selectFrom('crew_pairings')
      .select('used_at')
      .where('crew_id', '=', 'van-9')
      .orderBy('pairing_id', 'desc')
      .executeTakeFirstOrThrow()
    expect(stored.used_at).toBeNull()
  })

  it('without --json and TLS: the link, the expiry, a terminal QR code, a word on clear text', async () => {
    const { code, out } = await balancer(['crew', 'pair', '--crew', 'van-9', ...where()])
    expect(code).toBe(0)
    expect(out).toMatch(/Open on the crew's phone .*: http:\/\/127\.0\.0\.1:8000\/crew\/#pair=/)
    expect(out).toMatch(/one use, until \d{4}-\d\d-\d\dT/)
    expect(out).toMatch(/tokens? will cross the network in clear/)
    // The QR code's half blocks.
    expect(out).toMatch(/[▀▄█]/)
  })

  it('refuses a crew that does not exist, naming it', async () => {
    let err = ''
    const write = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
      err += String(chunk)
      return true
    })
    try {
      expect(await main(['node', 'balancer', 'crew', 'pair', '--crew', 'nobody', ...where()])).toBe(
        1,
      )
    } finally {
      write.mockRestore()
    }
    expect(err).toMatch(/no crew "nobody"/)
  })
})
