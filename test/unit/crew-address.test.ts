import type { NetworkInterfaceInfo } from 'node:os'
import { describe, expect, it } from 'vitest'
import {
  chooseCrewAddress,
  lanAddresses,
  LOOPBACK_WARNING,
  NO_NETWORK_WARNING,
} from '../../src/server/crew-access/crew-address.js'

function v4(address: string, internal = false): NetworkInterfaceInfo {
  return { address, family: 'IPv4', internal, netmask: '255.255.255.0', mac: '', cidr: null }
}
function v6(address: string, internal = false): NetworkInterfaceInfo {
  return { address, family: 'IPv6', internal, netmask: 'ffff::', mac: '', cidr: null, scopeid: 0 }
}

const DEPOT = {
  lo: [v4('127.0.0.1', true), v6('::1', true)],
  docker0: [v4('172.17.0.1')],
  eth0: [v4('192.168.1.20'), v6('fe80::1')],
  tailscale0: [v4('100.101.102.103'), v6('fd7a:115c:a1e0::1')],
}

const base = { port: 8000, tls: null, publicUrl: null, interfaces: DEPOT }

describe('the address a phone is given', () => {
  it('never offers loopback or link-local; the depot LAN first, then the VPN, bridges last', () => {
    expect(lanAddresses(DEPOT)).toEqual([
      '192.168.1.20',
      '100.101.102.103',
      'fd7a:115c:a1e0::1',
      '172.17.0.1',
    ])
    expect(lanAddresses({ wlan0: [v4('169.254.3.4'), v6('fe80::abcd')] })).toEqual([])
  })

  it('listening on every interface: the best LAN address, over plain HTTP', () => {
    expect(chooseCrewAddress({ ...base, host: '0.0.0.0' })).toEqual({
      url: 'http://192.168.1.20:8000',
      reachable_from_lan: true,
      loopback_only: false,
      tls: { enabled: false, fingerprint_sha256: null },
      warning: null,
    })
  })

  it('prefers a VPN address when there is no LAN one', () => {
    const vpnOnly = { lo: DEPOT.lo, tailscale0: DEPOT.tailscale0 }
    expect(chooseCrewAddress({ ...base, host: '::', interfaces: vpnOnly }).url).toBe(
      'http://100.101.102.103:8000',
    )
  })

  it('with TLS: the HTTPS port and the fingerprint', () => {
    const access = chooseCrewAddress({
      ...base,
      host: '0.0.0.0',
      tls: { port: 8443, fingerprint: 'AB:CD' },
    })
    expect(access.url).toBe('https://192.168.1.20:8443')
    expect(access.tls).toEqual({ enabled: true, fingerprint_sha256: 'AB:CD' })
  })

  it('warns in words when the server listens on loopback only', () => {
    for (const host of ['127.0.0.1', 'localhost', '::1']) {
      const access = chooseCrewAddress({ ...base, host })
      expect(access.loopback_only).toBe(true)
      expect(access.reachable_from_lan).toBe(false)
      expect(access.warning).toBe(LOOPBACK_WARNING)
      expect(access.warning).toContain('--host 0.0.0.0')
    }
  })

  it('listening on one address: that address', () => {
    expect(chooseCrewAddress({ ...base, host: '10.0.0.5' }).url).toBe('http://10.0.0.5:8000')
    expect(chooseCrewAddress({ ...base, host: 'fd00::5' }).url).toBe('http://[fd00::5]:8000')
  })

  it('says so when the machine has no address but loopback', () => {
    const access = chooseCrewAddress({ ...base, host: '0.0.0.0', interfaces: { lo: DEPOT.lo } })
    expect(access.reachable_from_lan).toBe(false)
    expect(access.warning).toBe(NO_NETWORK_WARNING)
  })

  it('a public URL set by hand wins, without a trailing slash', () => {
    const access = chooseCrewAddress({
      ...base,
      host: '0.0.0.0',
      publicUrl: 'https://depot.example.net:8443/',
      tls: { port: 8443, fingerprint: 'AB' },
    })
    expect(access.url).toBe('https://depot.example.net:8443')
    expect(access.warning).toBeNull()
  })
})
