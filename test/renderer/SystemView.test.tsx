import { act, cleanup, fireEvent, render, screen } from '@testing-library/react'
import { afterEach, describe, expect, it, vi } from 'vitest'
import type { AppStatus, ConsoleEvents } from '../../src/shared/contract'
import type { ConsoleClient } from '../../src/renderer/src/api/client'
import { SystemView } from '../../src/renderer/src/status/SystemView'
import { useAppStatus } from '../../src/renderer/src/status/useAppStatus'
import { appStatus, UNREACHABLE_DETAIL as DETAIL } from '../helpers/app-status'

/** As the renderer would receive it now. */
const status = (reachable: boolean, database: Parameters<typeof appStatus>[1] = {}) =>
  appStatus(reachable, database, { checkedAt: new Date().toISOString() })

afterEach(cleanup)

/** The System view as the frame gives it: the connection status the top bar also reads. */
function App({ client }: { client: ConsoleClient }) {
  return <SystemView status={useAppStatus(client)} />
}

/** A client answering each `app:status` with the next of `answers` (the last one repeats). */
function fakeClient(...answers: (AppStatus | Error | Promise<AppStatus>)[]) {
  const listeners = new Set<(payload: AppStatus) => void>()
  let calls = 0
  const invoke = vi.fn(() => {
    const answer = answers[Math.min(calls++, answers.length - 1)]
    if (answer instanceof Error) return Promise.reject(answer)
    return Promise.resolve(answer)
  })
  const client = {
    invoke,
    on: (_event: keyof ConsoleEvents, listener: (payload: AppStatus) => void) => {
      listeners.add(listener)
      return () => {
        listeners.delete(listener)
      }
    },
  } as ConsoleClient
  const push = (payload: AppStatus) =>
    act(() => {
      for (const listener of listeners) listener(payload)
    })
  return { client, invoke, push, listeners }
}

function fact(label: string): string | null | undefined {
  return screen.getByText(label, { selector: 'dt' }).nextElementSibling?.textContent
}

describe('the connection panel', () => {
  it('shows a reachable database: mode, location, versions and the API URL crews use', async () => {
    const { client } = fakeClient(status(true, { postgis: true }))
    render(<App client={client} />)

    expect(await screen.findByText('Connected')).toBeTruthy()
    expect(screen.getByRole('heading', { level: 1 }).textContent).toBe('System')
    expect(fact('Database')).toBe('Embedded PostgreSQL')
    expect(fact('Location')).toBe('127.0.0.1:54321/balancer')
    expect(fact('PostgreSQL version')).toBe('17.6')
    expect(fact('PostGIS')).toBe('Yes')
    expect(screen.getByRole('link', { name: 'http://127.0.0.1:8000' })).toBeTruthy()
    expect(screen.queryByRole('button', { name: 'Retry' })).toBeNull()
  })

  it('says where the log files are when the console keeps them', async () => {
    const { client } = fakeClient({
      ...status(true),
      logDir: '/home/depot/.local/share/bay-wheels-balancer/logs',
    })
    render(<App client={client} />)
    expect(await screen.findByText('Connected')).toBeTruthy()
    expect(fact('Log files')).toMatch(/^\/home\/depot\/.local\/share\/bay-wheels-balancer\/logs /)
  })

  it('shows the last backup of the embedded database, its size, or that there is none yet', async () => {
    const takenAt = new Date()
    takenAt.setHours(5, 15, 2)
    const backup = { takenAt: takenAt.toISOString(), bytes: 50_541_363 }
    const { client, push } = fakeClient({ ...status(true), lastBackup: backup })
    render(<App client={client} />)

    await screen.findByText('Connected')
    expect(fact('Last backup')).toMatch(/^5:15:02\s?AM · 48\.2 MB$/)
    push({ ...status(true), lastBackup: null })
    expect(fact('Last backup')).toMatch(/^None yet: the embedded database is backed up daily/)
    // A configured database (or a browser) does not say: no line at all.
    push(status(true))
    expect(screen.queryByText('Last backup')).toBeNull()
  })

  it('shows the time of the check in local time', async () => {
    const checkedAt = new Date()
    checkedAt.setHours(9, 5, 7)
    const { client } = fakeClient({ ...status(true), checkedAt: checkedAt.toISOString() })
    render(<App client={client} />)

    await screen.findByText('Connected')
    const time = screen.getByText(
      checkedAt.toLocaleTimeString(undefined, {
        hour: 'numeric',
        minute: '2-digit',
        second: '2-digit',
      }),
    )
    expect(time.getAttribute('datetime')).toBe(checkedAt.toISOString())
  })

  it('shows why the database is unreachable, and Retry asks again', async () => {
    const { client, invoke } = fakeClient(status(false), status(true))
    render(<App client={client} />)

    expect(await screen.findByText('Unreachable')).toBeTruthy()
    expect(screen.getByText(DETAIL)).toBeTruthy()
    expect(fact('PostgreSQL version')).toBe('Unknown')
    expect(invoke).toHaveBeenCalledTimes(1)

    fireEvent.click(screen.getByRole('button', { name: 'Retry' }))

    expect(invoke).toHaveBeenCalledTimes(2)
    expect(await screen.findByText('Connected')).toBeTruthy()
    expect(screen.queryByText(DETAIL)).toBeNull()
  })

  it('says it is checking until the first answer arrives', () => {
    const { client } = fakeClient(new Promise<AppStatus>(() => undefined))
    render(<App client={client} />)

    expect(screen.getByText('Loading the connection status…')).toBeTruthy()
  })

  it('shows an error when the status cannot be had, and recovers on Retry', async () => {
    const { client, invoke } = fakeClient(
      new Error('the dispatch server at http://127.0.0.1:8000 did not answer: Failed to fetch'),
      status(true),
    )
    render(<App client={client} />)

    const alert = await screen.findByRole('alert')
    expect(alert.textContent).toContain('Connection status unavailable')
    expect(alert.textContent).toContain('did not answer: Failed to fetch')

    fireEvent.click(screen.getByRole('button', { name: 'Retry' }))
    expect(await screen.findByText('Connected')).toBeTruthy()
    expect(invoke).toHaveBeenCalledTimes(2)
  })

  it('follows pushed statuses, and stops listening when it goes away', async () => {
    const { client, push, listeners } = fakeClient(status(true))
    const { unmount } = render(<App client={client} />)
    await screen.findByText('Connected')

    push(status(false))
    expect(screen.getByText('Unreachable')).toBeTruthy()
    expect(screen.getByText(DETAIL)).toBeTruthy()

    unmount()
    expect(listeners.size).toBe(0)
  })

  it('never shows credentials, even if a location carried them', async () => {
    const { client } = fakeClient(
      status(true, { mode: 'configured', location: 'dispatch:s3cret@db.depot.lan:5432/balancer' }),
    )
    render(<App client={client} />)

    await screen.findByText('Connected')
    expect(fact('Database')).toBe('Configured server')
    expect(fact('Location')).toBe('db.depot.lan:5432/balancer')
    expect(document.body.textContent).not.toContain('s3cret')
  })
})

describe('running now', () => {
  it('shows the values the server runs with and where each came from, and the crews’ own address', async () => {
    const { client } = fakeClient({
      ...status(true),
      apiUrl: 'http://127.0.0.1:8711',
      crew: {
        url: 'http://192.168.1.20:8711',
        reachable_from_lan: true,
        loopback_only: false,
        tls: { enabled: false, fingerprint_sha256: null },
        warning: null,
      },
      running: [
        { field: 'port', label: 'API port', value: '8711', source: 'flag', by: '--port' },
        {
          field: 'feeds',
          label: 'Feeds',
          value: 'http://127.0.0.1:9000/gbfs.json',
          source: 'environment',
          by: 'GBFS_URL',
        },
        {
          field: 'leaseMinutes',
          label: 'Task lease',
          value: '60 minutes',
          source: 'default',
          by: 'default',
        },
      ],
    })
    render(<App client={client} />)
    expect(await screen.findByText('Connected')).toBeTruthy()
    const row = (field: string) =>
      [...document.querySelectorAll(`tr[data-field="${field}"] > *`)].map(
        (cell) => cell.textContent,
      )
    expect(row('port')).toEqual(['API port', '8711', 'command line (--port)'])
    expect(row('feeds')).toEqual([
      'Feeds',
      'http://127.0.0.1:9000/gbfs.json',
      'environment (GBFS_URL)',
    ])
    expect(row('leaseMinutes')).toEqual(['Task lease', '60 minutes', 'default'])
    // A phone is given the LAN address, never this page's loopback one.
    expect(fact('API URL for crews')).toBe('http://192.168.1.20:8711')
    expect(fact("This console's address")).toBe('http://127.0.0.1:8711')
  })
})
