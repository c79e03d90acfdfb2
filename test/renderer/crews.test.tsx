import { act, cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { CrewsView } from '../../src/renderer/src/crews/CrewsView'
import { DevicesTable } from '../../src/renderer/src/crews/DevicesTable'
import { PairingPanel, timeLeft } from '../../src/renderer/src/crews/PairingPanel'
import { device, fakeSources, minutesAhead, pairing, workingCrews } from './crew-fixtures'
import { ANALYST, DISPATCHER, crew, fakeConsole } from './fake-console'

afterEach(() => {
  cleanup()
  vi.useRealTimers()
})

const props = (answers: Parameters<typeof fakeConsole>[0] = {}) => {
  const fake = fakeConsole(answers)
  return {
    fake,
    view: { client: fake.client, session: DISPATCHER, timeZone: null, keysEnabled: true },
  }
}

/** The SVG inside the QR code's data: URL. */
const svgOf = (img: HTMLImageElement) =>
  decodeURIComponent(img.src.replace('data:image/svg+xml;charset=utf-8,', ''))

describe('the pairing panel', () => {
  it('shows the link as a QR code, the link to copy, the minutes left and the fingerprint', async () => {
    const made = pairing()
    const create = vi.fn(() => Promise.resolve(made))
    render(<PairingPanel crewId="van-3" crewName="Van 3" create={create} onClose={() => {}} />)
    const dialog = await screen.findByRole('dialog', { name: 'Pair a phone with Van 3' })
    const qr = await within(dialog).findByRole<HTMLImageElement>('img', {
      name: 'QR code of the pairing link for Van 3',
    })
    expect(create).toHaveBeenCalledWith('van-3')
    // Drawn here as SVG, shown as a data: URL (the CSP allows data: images, nothing remote).
    expect(qr.src.startsWith('data:image/svg+xml')).toBe(true)
    const svg = svgOf(qr)
    expect(svg).toMatch(/^<svg[^>]*viewBox="0 0 \d+ \d+"/)
    expect(svg).toContain('<path')
    expect(screen.getByTestId('pairing-url').textContent).toBe(made.url)
    expect(screen.getByTestId('pairing-countdown').textContent).toMatch(/^(9:5\d|10:00)$/)
    expect(screen.getByText('K7QX-3MPR-9A')).toBeTruthy()
    expect(screen.getByTestId('pairing-fingerprint').textContent).toBe(made.tls_fingerprint)
    expect(screen.queryByRole('alert')).toBeNull()
  })

  it('shows the server’s warning, counts down, and makes a new code once it has run out', async () => {
    vi.useFakeTimers({ shouldAdvanceTime: true })
    const warning =
      'The server listens on 127.0.0.1 only: a phone cannot reach it. Start it with --host 0.0.0.0.'
    const first = pairing({ expires_at: minutesAhead(1 / 6), warning, tls_fingerprint: null })
    const secondUrl = 'http://10.8.0.5:8080/crew/#pair=ZZZZ2222YY'
    const create = vi
      .fn()
      .mockImplementationOnce(() => Promise.resolve(first))
      .mockImplementationOnce(() =>
        Promise.resolve(
          pairing({ code: 'ZZZZ2222YY', url: secondUrl, expires_at: minutesAhead(10) }),
        ),
      )
    render(<PairingPanel crewId="van-5" crewName="Van 5" create={create} onClose={() => {}} />)
    expect((await screen.findByRole('alert')).textContent).toBe(warning)
    expect(screen.getByText(/Plain HTTP: the connection is not encrypted/)).toBeTruthy()
    const before = screen.getByTestId('pairing-countdown').textContent
    expect(before).toMatch(/^0:(09|10)$/)
    const firstQr = screen.getByRole<HTMLImageElement>('img').src
    act(() => void vi.advanceTimersByTime(3_000))
    expect(screen.getByTestId('pairing-countdown').textContent).toMatch(/^0:0[67]$/)
    act(() => void vi.advanceTimersByTime(10_000))
    expect(screen.queryByTestId('pairing-countdown')).toBeNull()
    expect(screen.getByText(/This code has expired/)).toBeTruthy()
    expect(screen.getByText('Expired')).toBeTruthy()
    expect(screen.getByRole<HTMLButtonElement>('button', { name: 'Copy link' }).disabled).toBe(true)

    fireEvent.click(screen.getByRole('button', { name: 'New code' }))
    await waitFor(() => expect(screen.getByTestId('pairing-url').textContent).toBe(secondUrl))
    expect(create).toHaveBeenCalledTimes(2)
    expect(screen.getByRole<HTMLImageElement>('img').src).not.toBe(firstQr)
    expect(screen.getByTestId('pairing-countdown').textContent).toMatch(/^(9:5\d|10:00)$/)
  })

  it('says why there is no link, and Esc closes it', async () => {
    const onClose = vi.fn()
    const create = vi.fn(() => Promise.reject(new Error('crew_id: no crew "van-9"')))
    render(<PairingPanel crewId="van-9" crewName="Van 9" create={create} onClose={onClose} />)
    expect((await screen.findByRole('alert')).textContent).toContain('no crew "van-9"')
    expect(screen.queryByRole('img')).toBeNull()
    fireEvent.keyDown(window, { key: 'Escape' })
    expect(onClose).toHaveBeenCalled()
  })

  it('counts minutes and seconds, and nothing once past', () => {
    const now = Date.parse('2026-12-07T10:00:00Z')
    expect(timeLeft('2026-12-07T10:10:00Z', now)).toBe('10:00')
    expect(timeLeft('2026-12-07T10:00:59Z', now)).toBe('0:59')
    expect(timeLeft('2026-12-07T10:00:00Z', now)).toBeNull()
  })
})

describe('paired phones', () => {
  it('revokes a phone only after a second word, then shows it revoked', async () => {
    const phones = [device(1, 'van-3', { name: 'Pixel 7' }), device(2, 'van-5', { name: 'A54' })]
    const onRevoke = vi.fn((d: (typeof phones)[number]) =>
      Promise.resolve({ ...d, revoked_at: new Date().toISOString() }),
    )
    render(
      <DevicesTable
        devices={phones}
        crewName={(id) => ({ 'van-3': 'Van 3', 'van-5': 'Van 5' })[id] ?? id}
        now={Date.now()}
        timeZone={null}
        onRevoke={onRevoke}
      />,
    )
    const row = screen.getByText('Pixel 7').closest('tr') as HTMLElement
    expect(within(row).getByText('Van 3')).toBeTruthy()
    expect(within(row).getByText('1 min ago')).toBeTruthy()
    fireEvent.click(within(row).getByRole('button', { name: 'Revoke Pixel 7' }))
    expect(onRevoke).not.toHaveBeenCalled()
    expect(within(row).getByText('Sign this phone out now?')).toBeTruthy()
    fireEvent.click(within(row).getByRole('button', { name: 'Keep' }))
    expect(within(row).queryByText('Sign this phone out now?')).toBeNull()
    expect(onRevoke).not.toHaveBeenCalled()

    fireEvent.click(within(row).getByRole('button', { name: 'Revoke Pixel 7' }))
    fireEvent.click(within(row).getByRole('button', { name: 'Revoke now' }))
    const revoked = await screen.findByText(/^Revoked /)
    expect(onRevoke).toHaveBeenCalledWith(phones[0])
    expect(revoked.closest('tr')?.className).toBe('row-revoked')
    expect(within(revoked.closest('tr') as HTMLElement).queryByRole('button')).toBeNull()
    // The other phone is untouched and still offers Revoke.
    expect(screen.getByRole('button', { name: 'Revoke A54' })).toBeTruthy()
  })

  it('says so when a revocation fails, and the phone stays signed in', async () => {
    const phone = device(3, 'van-3', { name: 'Moto G' })
    render(
      <DevicesTable
        devices={[phone]}
        crewName={(id) => id}
        now={Date.now()}
        timeZone={null}
        onRevoke={() => Promise.reject(new Error('The server is not answering'))}
      />,
    )
    fireEvent.click(screen.getByRole('button', { name: 'Revoke Moto G' }))
    fireEvent.click(screen.getByRole('button', { name: 'Revoke now' }))
    expect((await screen.findByRole('alert')).textContent).toBe(
      '"Moto G" was not revoked: The server is not answering',
    )
    expect(screen.getByRole('button', { name: 'Revoke Moto G' })).toBeTruthy()
  })
})

describe('the Crews view', () => {
  it('shows each crew’s shift, task, last contact and bikes moved, and pairs a phone', async () => {
    const { sources } = fakeSources()
    const { view } = props({ 'crews:list': () => workingCrews() })
    render(<CrewsView {...view} sources={sources} />)
    const table = await screen.findByRole('table', { name: 'Crews' })
    const row = (name: string) => within(table).getByText(name).closest('tr') as HTMLElement
    const van3 = row('Van 3')
    expect(within(van3).getByText('On shift')).toBeTruthy()
    expect(van3.textContent).toContain('van 12 · 4 bikes on board')
    expect(within(van3).getByRole('link', { name: '#42' })).toBeTruthy()
    expect(van3.querySelectorAll('td')[5]?.textContent).toBe('18')
    // Van 5 is on shift with a task and silent for 22 minutes: marked.
    const van5 = row('Van 5')
    expect(within(van5).getByText('22 min ago').closest('td')?.className).toBe('contact-bad')
    expect(within(van5).getByText('silent at work: call the crew')).toBeTruthy()
    const van7 = row('Van 7')
    expect(within(van7).getByText('Off shift')).toBeTruthy()
    expect(within(van7).getByText('never').closest('td')?.className).toBe('')

    const phones = await screen.findByRole('table', { name: 'Paired phones' })
    expect(within(phones).getByText('Pixel 7')).toBeTruthy()
    expect(van3.querySelectorAll('td')[6]?.textContent).toBe('1')

    fireEvent.click(within(van3).getByRole('button', { name: 'Pair a phone with Van 3' }))
    await screen.findByRole('img', { name: 'QR code of the pairing link for Van 3' })
    expect(sources.pairing.create).toHaveBeenCalledWith('van-3')
    fireEvent.click(screen.getByRole('button', { name: 'Close' }))
    expect(screen.queryByRole('dialog')).toBeNull()
    // Closing reloads the phones: the one just paired shows up.
    await waitFor(() => expect(sources.devices.list).toHaveBeenCalledTimes(2))
  })

  it('without the crew app’s sources: no Pair button, no phones, no invented shifts', async () => {
    const { view } = props({
      'crews:list': () => [crew('van-1', { name: 'Van 1', assigned_tasks: 2, active_tokens: 3 })],
    })
    render(<CrewsView {...view} />)
    const table = await screen.findByRole('table', { name: 'Crews' })
    const row = within(table).getByText('Van 1').closest('tr') as HTMLElement
    expect(within(row).queryByRole('button')).toBeNull()
    const cells = [...row.querySelectorAll('td')].map((cell) => cell.textContent)
    expect(cells.slice(3)).toEqual(['—', '2 tasks', '—', '3'])
    expect(screen.getByText('Phones are not listed by this server')).toBeTruthy()
    expect(screen.getByRole('heading', { name: 'Tokens' })).toBeTruthy()
  })

  it('lets an analyst look but neither pair nor revoke', async () => {
    const { sources } = fakeSources()
    const { view } = props({ 'crews:list': () => workingCrews() })
    render(<CrewsView {...view} session={ANALYST} sources={sources} />)
    await screen.findByRole('table', { name: 'Paired phones' })
    expect(screen.queryByRole('button', { name: /Pair a phone/ })).toBeNull()
    expect(screen.queryByRole('button', { name: /Revoke/ })).toBeNull()
    expect(screen.queryByRole('heading', { name: 'Tokens' })).toBeNull()
  })
})
