import { cleanup, render, screen, within } from '@testing-library/react'
import { afterEach, describe, expect, it, vi } from 'vitest'
import type { CrewAccess } from '../../src/shared/crew-access'
import { createHttpClient } from '../../src/renderer/src/api/client'
import { SystemView } from '../../src/renderer/src/status/SystemView'
import { appStatus } from '../helpers/app-status'

afterEach(cleanup)

const FINGERPRINT = Array.from({ length: 32 }, (_, i) => (i * 7).toString(16).padStart(2, '0'))
  .join(':')
  .toUpperCase()

const LAN_TLS: CrewAccess = {
  url: 'https://192.168.1.20:8443',
  reachable_from_lan: true,
  loopback_only: false,
  tls: { enabled: true, fingerprint_sha256: FINGERPRINT },
  warning: null,
}

const LOOPBACK_PLAIN: CrewAccess = {
  url: 'http://127.0.0.1:8000',
  reachable_from_lan: false,
  loopback_only: true,
  tls: { enabled: false, fingerprint_sha256: null },
  warning:
    'The server listens on this computer only (127.0.0.1): no phone can reach it. Start it with --host 0.0.0.0 (or set "host": "0.0.0.0" in settings) to let crews in.',
}

function show(crew: CrewAccess | undefined) {
  const status = appStatus(true, {}, crew ? { crew } : {})
  render(<SystemView status={{ status, error: null, checking: false, retry: () => undefined }} />)
  return screen.getByRole('region', { name: 'Crew phones' })
}

function fact(panel: HTMLElement, label: string): string | null | undefined {
  return within(panel).getByText(label, { selector: 'dt' }).nextElementSibling?.textContent
}

describe('the System page: crew phones', () => {
  it('shows the LAN address phones are given and the certificate fingerprint with TLS on', () => {
    const panel = show(LAN_TLS)
    expect(fact(panel, 'Address for phones')).toBe('https://192.168.1.20:8443')
    expect(fact(panel, 'Reachable from the LAN')).toBe('Yes')
    expect(fact(panel, 'TLS')).toBe('On (HTTPS)')
    expect(fact(panel, 'Certificate SHA-256')).toBe(FINGERPRINT)
    expect(within(panel).queryByRole('alert')).toBeNull()
    expect(within(panel).queryByText(/in clear/)).toBeNull()
  })

  it('warns when the server listens on loopback only, and that tokens cross in clear', () => {
    const panel = show(LOOPBACK_PLAIN)
    expect(within(panel).getByRole('alert').textContent).toMatch(/start it with --host 0\.0\.0\.0/i)
    expect(within(panel).getByText(/crew tokens cross the network in clear/)).toBeTruthy()
    expect(fact(panel, 'Reachable from the LAN')).toBe('No: loopback only')
    expect(fact(panel, 'TLS')).toBe('Off (plain HTTP)')
    expect(within(panel).queryByText('Certificate SHA-256')).toBeNull()
  })

  it('says so when the console does not know the address', () => {
    const panel = show(undefined)
    expect(panel.textContent).toMatch(/does not know where phones reach the server/)
  })
})

describe('the browser console', () => {
  it('reads the crew address from /health', async () => {
    const body = {
      status: 'ok',
      version: '0.1.0',
      database: appStatus(true).database,
      crew: LAN_TLS,
    }
    const fetch = vi.fn(() => Promise.resolve(new Response(JSON.stringify(body))))
    const client = createHttpClient('http://depot:8000', { fetch })
    const status = await client.invoke('app:status')
    expect(status.crew).toEqual(LAN_TLS)
  })

  it('leaves out a crew field that is not the shape it knows', async () => {
    const body = {
      status: 'ok',
      version: '0.1.0',
      database: appStatus(true).database,
      crew: { url: 42 },
    }
    const fetch = vi.fn(() => Promise.resolve(new Response(JSON.stringify(body))))
    const client = createHttpClient('http://depot:8000', { fetch })
    expect((await client.invoke('app:status')).crew).toBeUndefined()
  })
})
