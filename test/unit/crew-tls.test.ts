import { X509Certificate } from 'node:crypto'
import { mkdtemp, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import {
  ensureAutoCertificate,
  loadTlsFiles,
  readAutoCertificate,
  resolveTls,
} from '../../src/server/crew-access/tls.js'

let dataDir: string

beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'balancer-tls-'))
})
afterEach(async () => {
  await rm(dataDir, { recursive: true, force: true })
})

const options = { hostname: 'depot-pc', addresses: ['192.168.1.20', '100.101.102.103'] }

describe('the certificate --tls auto makes', () => {
  it('covers the host name, localhost, loopback and the LAN addresses; the key is 0600', async () => {
    const made = await ensureAutoCertificate(dataDir, options)
    expect(made.origin).toBe('generated')
    const cert = new X509Certificate(made.cert)
    expect(made.fingerprint).toBe(cert.fingerprint256)
    expect(made.fingerprint).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/)
    for (const name of ['DNS:depot-pc', 'DNS:localhost', 'IP Address:127.0.0.1']) {
      expect(cert.subjectAltName).toContain(name)
    }
    expect(cert.subjectAltName).toContain('IP Address:192.168.1.20')
    expect(cert.subjectAltName).toContain('IP Address:100.101.102.103')
    const key = await stat(join(dataDir, 'tls', 'key.pem'))
    expect(key.mode & 0o777).toBe(0o600)
    const days = (made.validTo.getTime() - Date.now()) / 86_400_000
    expect(days).toBeGreaterThan(360)
    expect(days).toBeLessThanOrEqual(366)
  })

  it('is reused on the next start, so the fingerprint a crew checked stays the same', async () => {
    const first = await ensureAutoCertificate(dataDir, options)
    const second = await ensureAutoCertificate(dataDir, {
      ...options,
      // The same addresses in another order.
      addresses: [...options.addresses].reverse(),
    })
    expect(second.origin).toBe('reused')
    expect(second.fingerprint).toBe(first.fingerprint)
    expect((await readAutoCertificate(dataDir))?.fingerprint).toBe(first.fingerprint)
  })

  it('is made again when an address is new, and when it nears its end', async () => {
    const first = await ensureAutoCertificate(dataDir, options)
    const moved = await ensureAutoCertificate(dataDir, {
      ...options,
      addresses: ['192.168.1.31'],
    })
    expect(moved.origin).toBe('generated')
    expect(moved.fingerprint).not.toBe(first.fingerprint)
    const inElevenMonths = new Date(Date.now() + 340 * 86_400_000)
    const renewed = await ensureAutoCertificate(dataDir, {
      ...options,
      addresses: ['192.168.1.31'],
      now: inElevenMonths,
    })
    expect(renewed.origin).toBe('generated')
    expect(renewed.validTo.getTime()).toBeGreaterThan(moved.validTo.getTime())
  })
})

describe("the depot's own certificate", () => {
  it('is read from --tls-cert and --tls-key with its fingerprint', async () => {
    await ensureAutoCertificate(dataDir, options)
    const own = await resolveTls(
      {
        dataDir: '/nowhere',
        tlsCert: join(dataDir, 'tls', 'cert.pem'),
        tlsKey: join(dataDir, 'tls', 'key.pem'),
      },
      [],
    )
    expect(own?.origin).toBe('files')
    expect(own?.fingerprint).toBe((await readAutoCertificate(dataDir))?.fingerprint)
  })

  it('names the flag of a file it cannot read, and wants both files', async () => {
    await expect(loadTlsFiles(join(dataDir, 'none.pem'), join(dataDir, 'k.pem'))).rejects.toThrow(
      /^--tls-cert .*none\.pem/,
    )
    await expect(resolveTls({ dataDir, tlsCert: 'a.pem' }, [])).rejects.toThrow(
      /--tls-cert and --tls-key go together/,
    )
  })

  it('tls off means plain HTTP only, whatever else is set', async () => {
    expect(await resolveTls({ dataDir, tls: 'off', tlsCert: 'a', tlsKey: 'b' }, [])).toBeNull()
    expect(await resolveTls({ dataDir }, [])).toBeNull()
  })
})
