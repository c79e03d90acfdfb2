import { X509Certificate } from 'node:crypto'
import { chmod, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises'
import { hostname as osHostname } from 'node:os'
import { join } from 'node:path'
import { generate } from 'selfsigned'
import { describeError } from '../errors.js'

/** A certificate and key the HTTPS server is started with. */
export interface TlsMaterial {
  cert: string
  key: string
  /** SHA-256 of the certificate (DER), as `AB:CD:...`: what a crew checks on the phone once. */
  fingerprint: string
  /** Where it came from: made here (`generated` this start, or `reused`), or the depot's own files. */
  origin: 'generated' | 'reused' | 'files'
  validTo: Date
}

export const TLS_DIR = 'tls'
export const CERT_FILE = 'cert.pem'
export const KEY_FILE = 'key.pem'
/**
 * A year: browsers refuse server certificates valid for more than 398 days (Apple's rule), even
 * when trusted by hand. Remade 30 days before the end, at a start, so it never lapses mid-shift
 * for a server restarted at least monthly.
 */
const VALID_DAYS = 365
const RENEW_BEFORE_MS = 30 * 86_400_000

export class TlsError extends Error {
  override name = 'TlsError'
}

/** The names the certificate must cover: the host name, localhost, loopback and LAN addresses. */
export function certificateNames(hostname: string, addresses: readonly string[]) {
  const dns = [...new Set([hostname.toLowerCase(), 'localhost'].filter(Boolean))].sort()
  const ips = [...new Set(['127.0.0.1', '::1', ...addresses])].sort()
  return { dns, ips }
}

/** What a certificate covers, from its subjectAltName (`DNS:x, IP Address:1.2.3.4`). */
function coveredNames(cert: X509Certificate) {
  const dns: string[] = []
  const ips: string[] = []
  for (const part of (cert.subjectAltName ?? '').split(/,\s*/)) {
    const [kind, value] = [part.slice(0, part.indexOf(':')), part.slice(part.indexOf(':') + 1)]
    if (kind === 'DNS') dns.push(value.toLowerCase())
    if (kind === 'IP Address') ips.push(normaliseIp(value))
  }
  return { dns, ips }
}

/** Node prints IPv6 SANs in full (`0:0:0:0:0:0:0:1`): compare them in the same form. */
function normaliseIp(value: string): string {
  if (!value.includes(':')) return value
  try {
    return new URL(`http://[${value}]/`).hostname.replace(/^\[|\]$/g, '')
  } catch {
    return value
  }
}

function fingerprintOf(cert: X509Certificate): string {
  return cert.fingerprint256
}

async function readIfPresent(path: string): Promise<string | null> {
  try {
    return await readFile(path, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null
    throw error
  }
}

/** The depot's own certificate and key (`--tls-cert`, `--tls-key`). */
export async function loadTlsFiles(certPath: string, keyPath: string): Promise<TlsMaterial> {
  const [cert, key] = await Promise.all([
    readFile(certPath, 'utf8').catch((error: unknown) => {
      throw new TlsError(`--tls-cert ${certPath}: ${describeError(error)}`)
    }),
    readFile(keyPath, 'utf8').catch((error: unknown) => {
      throw new TlsError(`--tls-key ${keyPath}: ${describeError(error)}`)
    }),
  ])
  let parsed: X509Certificate
  try {
    parsed = new X509Certificate(cert)
  } catch (error) {
    throw new TlsError(
      `--tls-cert ${certPath}: not a PEM certificate (${(error as Error).message})`,
    )
  }
  return {
    cert,
    key,
    fingerprint: fingerprintOf(parsed),
    origin: 'files',
    validTo: new Date(parsed.validTo),
  }
}

export interface AutoTlsOptions {
  addresses: readonly string[]
  hostname?: string
  now?: Date
}

/**
 * The certificate in `<data dir>/tls/`, made with `selfsigned` on the first start and reused
 * after; remade when the machine's addresses or name are no longer all on it (a new DHCP lease, a
 * VPN joined) or it ends within 30 days. A remade certificate has a new fingerprint: phones
 * already paired see the browser's warning once more.
 */
export async function ensureAutoCertificate(
  dataDir: string,
  options: AutoTlsOptions,
): Promise<TlsMaterial> {
  const now = options.now ?? new Date()
  const names = certificateNames(options.hostname ?? osHostname(), options.addresses)
  const dir = join(dataDir, TLS_DIR)
  const certPath = join(dir, CERT_FILE)
  const keyPath = join(dir, KEY_FILE)
  const [cert, key] = await Promise.all([readIfPresent(certPath), readIfPresent(keyPath)])
  if (cert && key) {
    try {
      const parsed = new X509Certificate(cert)
      const covered = coveredNames(parsed)
      const coversAll =
        names.dns.every((name) => covered.dns.includes(name)) &&
        names.ips.every((ip) => covered.ips.includes(normaliseIp(ip)))
      const validTo = new Date(parsed.validTo)
      if (coversAll && validTo.getTime() - now.getTime() > RENEW_BEFORE_MS) {
        return { cert, key, fingerprint: fingerprintOf(parsed), origin: 'reused', validTo }
      }
    } catch {
      // Unreadable: made again below.
    }
  }
  const made = await generate([{ name: 'commonName', value: names.dns[0] ?? 'localhost' }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    notBeforeDate: new Date(now.getTime() - 60_000),
    notAfterDate: new Date(now.getTime() + VALID_DAYS * 86_400_000),
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
      { name: 'extKeyUsage', serverAuth: true },
      {
        name: 'subjectAltName',
        altNames: [
          ...names.dns.map((value) => ({ type: 2 as const, value })),
          ...names.ips.map((ip) => ({ type: 7 as const, ip })),
        ],
      },
    ],
  })
  await mkdir(dir, { recursive: true, mode: 0o700 })
  await writeAtomically(keyPath, made.private, 0o600)
  await writeAtomically(certPath, made.cert, 0o644)
  const parsed = new X509Certificate(made.cert)
  return {
    cert: made.cert,
    key: made.private,
    fingerprint: fingerprintOf(parsed),
    origin: 'generated',
    validTo: new Date(parsed.validTo),
  }
}

async function writeAtomically(path: string, text: string, mode: number): Promise<void> {
  const temporary = `${path}.${process.pid}.tmp`
  try {
    await writeFile(temporary, text, { mode })
    // writeFile's mode is masked by the umask: set it exactly.
    await chmod(temporary, mode)
    await rename(temporary, path)
  } catch (error) {
    await rm(temporary, { force: true })
    throw error
  }
}

/** The certificate `--tls auto` made, if there is one yet: read, never made or replaced. */
export async function readAutoCertificate(dataDir: string): Promise<TlsMaterial | null> {
  const dir = join(dataDir, TLS_DIR)
  const [cert, key] = await Promise.all([
    readIfPresent(join(dir, CERT_FILE)),
    readIfPresent(join(dir, KEY_FILE)),
  ])
  if (!cert || !key) return null
  const parsed = new X509Certificate(cert)
  return {
    cert,
    key,
    fingerprint: fingerprintOf(parsed),
    origin: 'reused',
    validTo: new Date(parsed.validTo),
  }
}

export type TlsMode = 'auto' | 'off'

export interface TlsSettings {
  dataDir: string
  tls?: TlsMode
  tlsCert?: string | null
  tlsKey?: string | null
}

/**
 * What the settings ask for: plain HTTP only (null) with `tls: off`, else the depot's files when
 * given, else a made certificate with `tls: auto`.
 */
export async function resolveTls(
  settings: TlsSettings,
  addresses: readonly string[],
): Promise<TlsMaterial | null> {
  if (settings.tls === 'off') return null
  if (settings.tlsCert || settings.tlsKey) {
    if (!settings.tlsCert || !settings.tlsKey) {
      throw new TlsError('--tls-cert and --tls-key go together: give both, or neither')
    }
    return loadTlsFiles(settings.tlsCert, settings.tlsKey)
  }
  if (settings.tls === 'auto') return ensureAutoCertificate(settings.dataDir, { addresses })
  return null
}
