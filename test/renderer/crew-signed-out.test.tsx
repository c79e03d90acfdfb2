import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { calls, NetworkError } from '../../src/crew/api'
import { App } from '../../src/crew/App'
import { Outbox } from '../../src/crew/outbox'
import { CrewSession } from '../../src/crew/session'
import { KEYS, memoryStore } from '../../src/crew/storage'

/** What the crew's server saw: each request's path, token and Idempotency-Key. */
interface Seen {
  method: string
  path: string
  token: string | null
  key: string | null
}

/**
 * A server where the phone's old token is revoked (401 on everything) and a pairing code gives a
 * new token for `pairedCrew`; everything the new token sends is accepted.
 */
function server(pairedCrew: { crew_id: string; crew_name: string }) {
  const seen: Seen[] = []
  const json = (status: number, body: unknown) =>
    new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } })
  const fetch = vi.fn((input: string, init?: RequestInit) => {
    const headers = new Headers(init?.headers)
    const token = headers.get('authorization')?.replace('Bearer ', '') ?? null
    const path = input
    seen.push({ method: init?.method ?? 'GET', path, token, key: headers.get('idempotency-key') })
    if (path === '/crew/pair') {
      return Promise.resolve(json(201, { token: 'new-token', ...pairedCrew, device_id: 'd2' }))
    }
    if (token !== 'new-token') {
      return Promise.resolve(
        json(401, { detail: 'invalid or revoked token', code: 'unauthorized' }),
      )
    }
    if (path === '/crew/me') return Promise.resolve(json(200, { ...pairedCrew, shift: null }))
    if (path === '/crew/task') return Promise.resolve(json(200, { task: null }))
    if (path === '/crew/events') return new Promise<Response>(() => undefined)
    return Promise.resolve(json(200, { id: 41 }))
  })
  return { seen, fetch }
}

/** A phone paired as Van 3 that queued three changes in a dead spot: its store as IndexedDB kept it. */
async function phoneWithThreeWaiting(): Promise<{ saved: Map<string, unknown>; keys: string[] }> {
  const saved = new Map<string, unknown>()
  const store = memoryStore(saved)
  await store.set(KEYS.token, 'old-token')
  await store.set(KEYS.me, {
    crew_id: 'van-3',
    crew_name: 'Van 3',
    device_id: 'd1',
    van_capacity: 12,
  })
  const offline = new Outbox(store, {
    send: () => Promise.reject(new NetworkError('offline')),
    setTimer: () => undefined,
    clearTimer: () => undefined,
  })
  await offline.load()
  await offline.add('pickup', calls.pickup(41, 4), 'Picked up: 4 bikes', 41)
  await offline.add('complete', calls.complete(41, 4), 'Complete: 4 bikes', 41)
  await offline.add('problem', calls.problem({ station_id: 'a', kind: 'other' }), 'Problem', null)
  const keys = offline.list().map((item) => item.key)
  return { saved, keys }
}

async function open(saved: Map<string, unknown>): Promise<CrewSession> {
  const session = new CrewSession(memoryStore(saved))
  render(<App session={session} />)
  await session.start()
  return session
}

async function pair(): Promise<void> {
  fireEvent.change(screen.getByLabelText('Pairing code'), { target: { value: 'ABCD-2345' } })
  fireEvent.click(screen.getByRole('button', { name: 'Pair' }))
  await screen.findByRole('heading', { name: 'Start shift' })
}

afterEach(() => {
  cleanup()
  vi.unstubAllGlobals()
})

describe('the crew phone signed out with changes waiting', () => {
  it('keeps them, says how many, and sends them with their keys after pairing again for the same crew', async () => {
    const { saved, keys } = await phoneWithThreeWaiting()
    const api = server({ crew_id: 'van-3', crew_name: 'Van 3' })
    vi.stubGlobal('fetch', api.fetch)

    await open(saved)
    await screen.findByRole('heading', { name: 'Pair this phone' })
    await screen.findByText('3 changes not sent: pair this phone again to send them')
    expect((await memoryStore(saved).get<unknown[]>(KEYS.outbox))?.length).toBe(3)
    expect(await memoryStore(saved).get(KEYS.token)).toBeUndefined()

    // A reload while signed out: still there, still said.
    cleanup()
    await open(saved)
    await screen.findByText('3 changes not sent: pair this phone again to send them')

    await pair()
    await waitFor(() => expect(screen.queryByText(/not sent/)).toBeNull())
    const sent = api.seen.filter((call) => call.token === 'new-token' && call.key !== null)
    expect(sent.map((call) => call.path)).toEqual([
      '/task/41/pickup',
      '/task/41/complete',
      '/problems',
    ])
    expect(sent.map((call) => call.key)).toEqual(keys)
    expect(await memoryStore(saved).get(KEYS.outbox)).toEqual([])
    expect(await memoryStore(saved).get(KEYS.unsentFor)).toBeUndefined()
  })

  it('paired for another crew, sends nothing of them and drops them only when asked', async () => {
    const { saved } = await phoneWithThreeWaiting()
    const api = server({ crew_id: 'van-5', crew_name: 'Van 5' })
    vi.stubGlobal('fetch', api.fetch)

    await open(saved)
    await screen.findByText('3 changes not sent: pair this phone again to send them')
    await pair()
    await screen.findByText('3 changes not sent, made as Van 3')
    screen.getByText(
      'This phone is now paired as Van 5. Pair it as Van 3 again to send them, or drop them.',
    )
    await new Promise((done) => setTimeout(done, 50))
    expect(api.seen.filter((call) => call.token === 'new-token' && call.key !== null)).toEqual([])
    expect((await memoryStore(saved).get<unknown[]>(KEYS.outbox))?.length).toBe(3)

    fireEvent.click(screen.getByRole('button', { name: 'Drop them' }))
    await waitFor(() => expect(screen.queryByText(/not sent/)).toBeNull())
    expect(await memoryStore(saved).get(KEYS.outbox)).toBeUndefined()
    expect(await memoryStore(saved).get(KEYS.unsentFor)).toBeUndefined()
    expect(api.seen.filter((call) => call.token === 'new-token' && call.key !== null)).toEqual([])
  })
})
