import { act, cleanup, fireEvent, render, screen, within } from '@testing-library/react'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { ApiError, TOKEN_KEY } from '../../src/renderer/src/api/client'
import { App } from '../../src/renderer/src/App'
import { browserTokenStore } from '../../src/renderer/src/session/token-store'
import { forgetStationsTable } from '../../src/renderer/src/stations/StationsView'
import type { Session } from '../../src/shared/dispatch'
import { ANALYST, DISPATCHER, fakeConsole, feed, minutesAgo } from './fake-console'

beforeEach(() => {
  window.localStorage.clear()
  window.location.hash = ''
  forgetStationsTable()
})
afterEach(cleanup)

const REFUSED = new ApiError(
  'Authorization: the token is unknown or revoked',
  401,
  'unauthenticated',
)

/** A browser whose server knows these tokens. */
function browser(known: Record<string, Session>) {
  const tokens = browserTokenStore(window.localStorage)
  const fake = fakeConsole({
    'session:me': () => {
      const session = known[tokens.get() ?? '']
      if (!session) throw REFUSED
      return session
    },
  })
  return { ...fake, tokens }
}

function navLabels(): string[] {
  const nav = screen.getByRole('navigation', { name: 'Views' })
  return within(nav)
    .getAllByRole('link')
    .map((link) => link.textContent.replace(/\d+$/, ''))
}

describe('the desktop window', () => {
  it('needs no sign-in: it is the depot dispatcher, with every view and the feed freshness', async () => {
    const { client } = fakeConsole()
    render(<App client={client} />)

    expect(await screen.findByRole('heading', { name: 'Overview' })).toBeTruthy()
    expect(navLabels()).toEqual([
      'Overview',
      'Stations',
      'Map',
      'Service',
      'Suggestions',
      'Tasks',
      'Crews',
      'Trip import',
      'Settings',
      'System',
      'Problems',
    ])
    expect(await screen.findByText(/^Bay Wheels: updated 4\d s ago$/)).toBeTruthy()
    expect(screen.getByText('Online')).toBeTruthy()
    expect(screen.queryByRole('button', { name: 'Sign out' })).toBeNull()
  })

  it('says in plain words when a feed has gone stale', async () => {
    const { client } = fakeConsole({
      'feeds:health': () => ({
        leader: null,
        pollingHere: false,
        stale: true,
        checkedAt: new Date().toISOString(),
        feeds: [
          feed({
            feedLastUpdated: minutesAgo(12),
            stale: true,
            staleDetail: 'no update for 12 min',
          }),
        ],
      }),
    })
    render(<App client={client} />)
    expect(await screen.findByText('Bay Wheels: stale, no update for 12 min')).toBeTruthy()
  })
})

describe('signing in from a browser', () => {
  it('asks for a token, keeps it under balancer.token, and opens the console', async () => {
    const { client, tokens } = browser({ bwb_good: { ...DISPATCHER, name: 'desk 1', token_id: 3 } })
    render(<App client={client} tokens={tokens} />)

    fireEvent.change(screen.getByLabelText('Token'), { target: { value: ' bwb_good ' } })
    fireEvent.click(screen.getByRole('button', { name: 'Sign in' }))

    expect(await screen.findByRole('heading', { name: 'Overview' })).toBeTruthy()
    expect(window.localStorage.getItem(TOKEN_KEY)).toBe('bwb_good')
    expect(screen.getByText('desk 1')).toBeTruthy()
  })

  it('says clearly that a wrong or revoked token was refused, and forgets it', async () => {
    const { client, tokens } = browser({})
    render(<App client={client} tokens={tokens} />)

    fireEvent.change(screen.getByLabelText('Token'), { target: { value: 'bwb_wrong' } })
    fireEvent.click(screen.getByRole('button', { name: 'Sign in' }))

    expect((await screen.findByRole('alert')).textContent).toMatch(/unknown or has been revoked/)
    expect(window.localStorage.getItem(TOKEN_KEY)).toBeNull()
  })

  it('comes back signed in with a kept token, and signs out', async () => {
    window.localStorage.setItem(TOKEN_KEY, 'bwb_good')
    const { client, tokens } = browser({ bwb_good: DISPATCHER })
    render(<App client={client} tokens={tokens} />)

    fireEvent.click(await screen.findByRole('button', { name: 'Sign out' }))
    expect(screen.getByRole('heading', { name: 'Sign in' })).toBeTruthy()
    expect(window.localStorage.getItem(TOKEN_KEY)).toBeNull()
  })

  it('signs out with the reason when the server stops accepting the token mid-shift', async () => {
    window.localStorage.setItem(TOKEN_KEY, 'bwb_good')
    const { client, tokens } = browser({ bwb_good: DISPATCHER })
    render(<App client={client} tokens={tokens} />)
    await screen.findByRole('heading', { name: 'Overview' })

    act(() => tokens.reject('Authorization: the token is unknown or revoked'))
    expect(screen.getByRole('alert').textContent).toMatch(/no longer accepts your token/)
  })

  it('shows analysts the read-only views, without Crews', async () => {
    window.localStorage.setItem(TOKEN_KEY, 'bwb_analyst')
    const { client, tokens } = browser({ bwb_analyst: ANALYST })
    render(<App client={client} tokens={tokens} />)

    await screen.findByRole('heading', { name: 'Overview' })
    expect(navLabels()).toEqual([
      'Overview',
      'Stations',
      'Map',
      'Service',
      'Suggestions',
      'Tasks',
      'System',
      'Problems',
    ])
    expect(screen.getByText(/Read-only/)).toBeTruthy()
    // The help lists only the views an analyst has.
    fireEvent.click(screen.getByRole('button', { name: 'Keyboard shortcuts' }))
    const help = await screen.findByRole('dialog', { name: 'Keyboard shortcuts' })
    expect(help.textContent).toContain('1 – 8')
    expect(help.textContent).not.toContain('Trip import')
    fireEvent.click(within(help).getByRole('button', { name: 'Close' }))
    expect(screen.queryByRole('dialog')).toBeNull()
  })

  it('tells a crew token politely that the console is not for crews', async () => {
    window.localStorage.setItem(TOKEN_KEY, 'bwb_crew')
    const { client, tokens } = browser({
      bwb_crew: { name: 'Van 3', role: 'crew', crew_id: 'van-3', token_id: 9 },
    })
    render(<App client={client} tokens={tokens} />)

    expect(
      await screen.findByRole('heading', { name: 'This console is for dispatchers and analysts' }),
    ).toBeTruthy()
    expect(screen.queryByRole('navigation')).toBeNull()
    fireEvent.click(screen.getByRole('button', { name: 'Sign out' }))
    expect(screen.getByRole('heading', { name: 'Sign in' })).toBeTruthy()
  })

  it('tells a server it cannot reach apart from a refused token, with a retry', async () => {
    window.localStorage.setItem(TOKEN_KEY, 'bwb_good')
    let down = true
    const tokens = browserTokenStore(window.localStorage)
    const { client } = fakeConsole({
      'session:me': () => {
        if (down) throw new Error('the dispatch server at http://depot:8000 did not answer')
        return DISPATCHER
      },
    })
    render(<App client={client} tokens={tokens} />)

    expect((await screen.findByRole('alert')).textContent).toContain('did not answer')
    expect(window.localStorage.getItem(TOKEN_KEY)).toBe('bwb_good')
    down = false
    fireEvent.click(screen.getByRole('button', { name: 'Retry' }))
    expect(await screen.findByRole('heading', { name: 'Overview' })).toBeTruthy()
  })
})

describe('moving around by keyboard', () => {
  it('goes to a view with g and its letter, or its number, and shows every shortcut on ?', async () => {
    const { client } = fakeConsole()
    render(<App client={client} />)
    await screen.findByRole('heading', { name: 'Overview' })

    fireEvent.keyDown(window, { key: 'g' })
    fireEvent.keyDown(window, { key: 't' })
    expect(await screen.findByRole('heading', { name: 'Tasks' })).toBeTruthy()
    expect(window.location.hash).toBe('#/tasks')

    fireEvent.keyDown(window, { key: '7' })
    expect(await screen.findByRole('heading', { name: 'Crews', level: 1 })).toBeTruthy()

    // A letter without the g before it is not a jump.
    fireEvent.keyDown(window, { key: 's' })
    expect(screen.getByRole('heading', { name: 'Crews', level: 1 })).toBeTruthy()

    fireEvent.keyDown(window, { key: '?' })
    const help = screen.getByRole('dialog', { name: 'Keyboard shortcuts' })
    expect(help.textContent).toContain('Approve every selected suggestion')
    expect(help.textContent).toContain('Open the highlighted station')
    // The number keys reach every view of this dispatcher's menu (0 the tenth), and the help says so.
    expect(help.textContent).toContain('1 – 9')
    expect(help.textContent).toContain('System, the tenth')
    expect(help.textContent).toContain('Trip import')
    fireEvent.keyDown(window, { key: 'Escape' })
    expect(screen.queryByRole('dialog')).toBeNull()

    fireEvent.keyDown(window, { key: 'g' })
    fireEvent.keyDown(window, { key: 'n' })
    expect(await screen.findByRole('heading', { name: 'Stations', level: 1 })).toBeTruthy()
    act(() => {
      window.location.hash = '#/station/bay_wheels/E'
      window.dispatchEvent(new HashChangeEvent('hashchange'))
    })
    expect(await screen.findByRole('heading', { name: 'Ferry Building', level: 1 })).toBeTruthy()
    // The station's page belongs to Stations in the navigation.
    expect(screen.getByRole('link', { current: 'page' }).textContent).toMatch(/^Stations/)
  })

  it('leaves a view its own letter, unless it follows g', async () => {
    const { client } = fakeConsole()
    render(<App client={client} />)
    await screen.findByRole('heading', { name: 'Overview' })
    fireEvent.keyDown(window, { key: '2' })
    await screen.findByText(/5 stations/)
    // c is Stations' own (only critical) and g c the way to Crews, whichever came first.
    fireEvent.keyDown(window, { key: 'c' })
    expect(screen.getByLabelText<HTMLInputElement>('Only critical').checked).toBe(true)
    fireEvent.keyDown(window, { key: 'g' })
    fireEvent.keyDown(window, { key: 'c' })
    expect(await screen.findByRole('heading', { name: 'Crews', level: 1 })).toBeTruthy()
    expect(window.location.hash).toBe('#/crews')
  })

  it('switches between the system theme, light and dark', async () => {
    const { client } = fakeConsole()
    render(<App client={client} />)
    const toggle = await screen.findByRole('button', { name: 'Theme: system' })
    fireEvent.click(toggle)
    expect(document.documentElement.dataset.theme).toBe('light')
    fireEvent.click(screen.getByRole('button', { name: 'Theme: light' }))
    expect(document.documentElement.dataset.theme).toBe('dark')
    expect(window.localStorage.getItem('balancer.theme')).toBe('dark')
    fireEvent.click(screen.getByRole('button', { name: 'Theme: dark' }))
    expect(document.documentElement.dataset.theme).toBeUndefined()
  })
})
