import type { NetworkInterfaceInfo } from 'node:os'
import type { CrewAccess } from '../../shared/crew-access.js'

/** What decides the address a phone is given: how the server listens and the machine's interfaces. */
export interface AddressInput {
  /** The host the plain HTTP server listens on (`--host`). */
  host: string
  /** The port it actually listens on. */
  port: number
  /** The HTTPS server's port when TLS is on, with its certificate's SHA-256 fingerprint. */
  tls: { port: number; fingerprint: string } | null
  /** `--public-url` / settings `publicUrl`: an address someone set by hand (a VPN name, a proxy). */
  publicUrl: string | null
  interfaces: NodeJS.Dict<NetworkInterfaceInfo[]>
}

export const LOOPBACK_WARNING =
  'The server listens on this computer only (127.0.0.1): no phone can reach it. Start it with --host 0.0.0.0 (or set "host": "0.0.0.0" in settings) to let crews in.'
export const NO_NETWORK_WARNING =
  'This computer has no network address besides loopback: connect it to the depot network or VPN, or set --public-url.'

const WILDCARDS = new Set(['0.0.0.0', '::', '[::]', '*'])

export function isLoopback(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '').toLowerCase()
  return (
    bare === 'localhost' || bare === '::1' || /^127\./.test(bare) || bare === '::ffff:127.0.0.1'
  )
}

function ipv4Parts(address: string): number[] | null {
  const parts = address.split('.').map(Number)
  return parts.length === 4 && parts.every((part) => Number.isInteger(part)) ? parts : null
}

/**
 * How much a phone is likely to reach an address: lower is better, null never. The depot LAN's
 * private ranges first (192.168/16, then 10/8 and 172.16/12), then the carrier-grade NAT range
 * VPNs like Tailscale hand out (100.64/10), then other IPv4, then IPv6 unique-local, then global
 * IPv6. Loopback and link-local (169.254/16, fe80::/10) never: a phone is on neither.
 */
export function addressRank(
  info: Pick<NetworkInterfaceInfo, 'address' | 'family' | 'internal'>,
): number | null {
  if (info.internal || isLoopback(info.address)) return null
  if (info.family === 'IPv4') {
    const parts = ipv4Parts(info.address)
    if (!parts) return null
    const [a = 0, b = 0] = parts
    if (a === 169 && b === 254) return null
    if (a === 0) return null
    if (a === 192 && b === 168) return 0
    if (a === 10) return 1
    if (a === 172 && b >= 16 && b <= 31) return 2
    if (a === 100 && b >= 64 && b <= 127) return 3
    return 4
  }
  const lower = info.address.toLowerCase()
  if (/^fe[89ab]/.test(lower)) return null
  if (/^f[cd]/.test(lower)) return 5
  return 6
}

/** Container and virtual machine bridges: addresses only this computer reaches. */
function isVirtualBridge(name: string): boolean {
  return /^(docker|br-|veth|virbr|vmnet|vboxnet|cni|flannel|podman)/i.test(name)
}

/** The machine's addresses a phone might reach, best first. */
export function lanAddresses(interfaces: NodeJS.Dict<NetworkInterfaceInfo[]>): string[] {
  const ranked: { address: string; rank: number }[] = []
  for (const [name, infos] of Object.entries(interfaces)) {
    for (const info of infos ?? []) {
      const rank = addressRank(info)
      if (rank === null) continue
      ranked.push({ address: info.address, rank: rank + (isVirtualBridge(name) ? 10 : 0) })
    }
  }
  ranked.sort((a, b) => a.rank - b.rank)
  return [...new Set(ranked.map((entry) => entry.address))]
}

function urlOf(scheme: 'http' | 'https', host: string, port: number): string {
  const bare = host.replace(/^\[|\]$/g, '')
  const shown = bare.includes(':') ? `[${bare}]` : bare
  const defaultPort = scheme === 'https' ? 443 : 80
  return `${scheme}://${shown}${port === defaultPort ? '' : `:${port}`}`
}

/**
 * The address a phone is given in a pairing link and shown on the System page. With TLS on it
 * is the HTTPS server's, since the pairing trades a code for a token. `warning` says why no phone
 * can reach the server; plain HTTP is told by `tls.enabled`.
 */
export function chooseCrewAddress(input: AddressInput): CrewAccess {
  const tls = {
    enabled: input.tls !== null,
    fingerprint_sha256: input.tls?.fingerprint ?? null,
  }
  const scheme = input.tls ? 'https' : 'http'
  const port = input.tls?.port ?? input.port
  const loopbackOnly = isLoopback(input.host)
  if (input.publicUrl) {
    return {
      url: input.publicUrl.replace(/\/+$/, ''),
      // Someone set the address by hand (a proxy or a VPN name): trusted as given.
      reachable_from_lan: true,
      loopback_only: loopbackOnly,
      tls,
      warning: null,
    }
  }
  if (loopbackOnly) {
    return {
      url: urlOf(scheme, '127.0.0.1', port),
      reachable_from_lan: false,
      loopback_only: true,
      tls,
      warning: LOOPBACK_WARNING,
    }
  }
  if (!WILDCARDS.has(input.host)) {
    // Listening on one address: that is the only one a phone can use.
    return {
      url: urlOf(scheme, input.host, port),
      reachable_from_lan: true,
      loopback_only: false,
      tls,
      warning: null,
    }
  }
  const best = lanAddresses(input.interfaces)[0]
  if (!best) {
    return {
      url: urlOf(scheme, '127.0.0.1', port),
      reachable_from_lan: false,
      loopback_only: false,
      tls,
      warning: NO_NETWORK_WARNING,
    }
  }
  return {
    url: urlOf(scheme, best, port),
    reachable_from_lan: true,
    loopback_only: false,
    tls,
    warning: null,
  }
}
