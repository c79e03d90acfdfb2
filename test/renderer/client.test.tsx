import { afterEach, describe, expect, it, vi } from 'vitest'
import type { AppStatus, DatabaseStatus, DesktopBridge } from '../../src/shared/contract'
import {
  ApiError,
  createClient,
  createHttpClient,
  fitsQtyOf,
  parseEventStream,
  POLL_MS,
} from '../../src/renderer/src/api/client'

const ORIGIN = 'http://127.0.0.1:8000'

const database: DatabaseStatus = {
  mode: 'embedded',
  location: '127.0.0.1:54321/balancer',
  reachable: true,
  serverVersion: '17.6',
  postgis: false,
  detail: null,
}

function answer(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json' },
  })
}

afterEach(() => {
  vi.useRealTimers()
})

describe('the browser client, over HTTP', () => {
  it('reads GET /health on its own origin as the app status', async () => {
    const fetch = vi.fn(() =>
      Promise.resolve(answer(200, { status: 'ok', database, version: '0.1.0' })),
    )
    const client = createHttpClient(ORIGIN, { fetch })

    const status = await client.invoke('app:status')

    expect(fetch).toHaveBeenCalledWith(`${ORIGIN}/health`, expect.anything())
    expect(status).toMatchObject({ version: '0.1.0', database, apiUrl: ORIGIN })
    expect(Number.isNaN(Date.parse(status.checkedAt))).toBe(false)
  })

  it('takes a 503 with a body as an unreachable database, not as a failure', async () => {
    const down = { ...database, reachable: false, serverVersion: null, detail: 'timeout' }
    const fetch = () =>
      Promise.resolve(
        answer(503, { status: 'unavailable', detail: 'timeout', database: down, version: '0.1.0' }),
      )

    await expect(createHttpClient(ORIGIN, { fetch }).invoke('app:status')).resolves.toMatchObject({
      database: { reachable: false, detail: 'timeout' },
    })
  })

  it('fails in words when the server does not answer or answers something else', async () => {
    const offline = () => Promise.reject(new TypeError('Failed to fetch'))
    await expect(createHttpClient(ORIGIN, { fetch: offline }).invoke('app:status')).rejects.toThrow(
      `the dispatch server at ${ORIGIN} did not answer: Failed to fetch`,
    )

    const html = () => Promise.resolve(new Response('<html></html>', { status: 404 }))
    await expect(createHttpClient(ORIGIN, { fetch: html }).invoke('app:status')).rejects.toThrow(
      `${ORIGIN}/health answered 404 without a status`,
    )
  })

  it('polls for status events, marks a lost server unreachable, and stops on unsubscribe', async () => {
    vi.useFakeTimers()
    const fetch = vi
      .fn<() => Promise<Response>>()
      .mockResolvedValueOnce(answer(200, { status: 'ok', database, version: '0.1.0' }))
      .mockRejectedValue(new TypeError('Failed to fetch'))
    const client = createHttpClient(ORIGIN, { fetch })
    const seen: AppStatus[] = []
    const unsubscribe = client.on('app:status', (status) => seen.push(status))

    await vi.advanceTimersByTimeAsync(POLL_MS)
    expect(seen.map((status) => status.database.reachable)).toEqual([true])

    await vi.advanceTimersByTimeAsync(POLL_MS)
    expect(seen.map((status) => status.database.reachable)).toEqual([true, false])
    expect(seen[1]?.database.detail).toBe(
      `the dispatch server at ${ORIGIN} did not answer: Failed to fetch`,
    )

    unsubscribe()
    const asked = fetch.mock.calls.length
    await vi.advanceTimersByTimeAsync(POLL_MS * 3)
    expect(fetch).toHaveBeenCalledTimes(asked)
  })
})

/** A text/event-stream the test writes to, chunk by chunk, and may end. */
function eventStream() {
  let controller!: ReadableStreamDefaultController<Uint8Array>
  const body = new ReadableStream<Uint8Array>({ start: (given) => void (controller = given) })
  const encoder = new TextEncoder()
  return {
    response: new Response(body, { headers: { 'content-type': 'text/event-stream' } }),
    write: (text: string) => controller.enqueue(encoder.encode(text)),
    end: () => controller.close(),
  }
}

describe('the signed-in browser: who am I, and live events', () => {
  it('asks GET /me with the token, and reports a refused token in words', async () => {
    const fetch = vi
      .fn<(url: RequestInfo | URL, init?: RequestInit) => Promise<Response>>()
      .mockResolvedValueOnce(
        answer(200, { name: 'desk 2', role: 'analyst', crew_id: null, token_id: 4 }),
      )
      .mockResolvedValueOnce(
        answer(401, {
          detail: 'Authorization: the token is unknown or revoked',
          code: 'unauthenticated',
        }),
      )
    const onUnauthorized = vi.fn()
    const client = createHttpClient(ORIGIN, { fetch, token: () => 'bwb_x', onUnauthorized })

    await expect(client.invoke('session:me')).resolves.toMatchObject({ role: 'analyst' })
    expect(fetch.mock.calls[0]?.[0]).toBe(`${ORIGIN}/me`)
    expect(fetch.mock.calls[0]?.[1]?.headers).toMatchObject({ authorization: 'Bearer bwb_x' })

    const refused = await client.invoke('session:me').catch((error: unknown) => error)
    expect(refused).toBeInstanceOf(ApiError)
    expect(refused).toMatchObject({ status: 401, code: 'unauthenticated' })
    expect(onUnauthorized).toHaveBeenCalledWith('Authorization: the token is unknown or revoked')
  })

  it('reads server-sent events however the network cuts them, skipping keepalives', () => {
    const first = parseEventStream('retry: 3000\n\n: keepalive\n\nevent: tasks\ndata: [{"id":1,')
    expect(first.events).toEqual([])
    const second = parseEventStream(
      `${first.rest}"status":"ready"}]\r\n\r\nevent: resync\ndata: {}\n\n`,
    )
    expect(second.events).toEqual([
      { event: 'tasks', data: '[{"id":1,"status":"ready"}]' },
      { event: 'resync', data: '{}' },
    ])
    expect(second.rest).toBe('')
  })

  it('follows GET /events with the token, reconnects with backoff and then says resync', async () => {
    const streams = [eventStream(), eventStream()]
    const fetch = vi.fn<(url: RequestInfo | URL, init?: RequestInit) => Promise<Response>>()
    for (const stream of streams) fetch.mockResolvedValueOnce(stream.response)
    fetch.mockRejectedValue(new TypeError('Failed to fetch'))
    const client = createHttpClient(ORIGIN, { fetch, token: () => 'bwb_d', retryMs: 20 })
    const heard: unknown[] = []
    const offTasks = client.on('tasks:changed', (changes) => heard.push(changes))
    const offResync = client.on('app:resync', () => heard.push('resync'))

    await vi.waitFor(() => expect(fetch).toHaveBeenCalledTimes(1))
    expect(fetch.mock.calls[0]?.[0]).toBe(`${ORIGIN}/events`)
    expect(fetch.mock.calls[0]?.[1]?.headers).toMatchObject({ authorization: 'Bearer bwb_d' })
    streams[0]?.write('event: tasks\ndata: [{"id":7,"status":"assigned"}]\n\n')
    await vi.waitFor(() => expect(heard).toEqual([[{ id: 7, status: 'assigned' }]]))

    streams[0]?.end()
    await vi.waitFor(() => expect(fetch).toHaveBeenCalledTimes(2))
    await vi.waitFor(() => expect(heard).toContain('resync'))
    streams[1]?.write('event: resync\ndata: {}\n\n')
    await vi.waitFor(() => expect(heard.filter((item) => item === 'resync')).toHaveLength(2))

    offTasks()
    offResync()
    const asked = fetch.mock.calls.length
    await new Promise((resolve) => setTimeout(resolve, 100))
    expect(fetch).toHaveBeenCalledTimes(asked)
    expect(fetch.mock.calls[1]?.[1]?.signal?.aborted).toBe(true)
  })
})

describe('choosing a client', () => {
  it("uses the preload's bridge when there is one, and throws its refusals with their fields", async () => {
    const refusal = { code: 'move_does_not_fit', detail: 'B has 3 bikes', fits_qty: 3 }
    const invoke = vi.fn((channel: string) =>
      Promise.resolve(
        channel === 'tasks:approve' ? { ok: false, error: refusal } : { ok: true, value: [] },
      ),
    )
    const off = () => undefined
    const on = vi.fn(() => off)
    const bridge = { invoke, on } as unknown as DesktopBridge
    const client = createClient({ balancer: bridge, location: window.location } as Window)
    await expect(client.invoke('suggestions:list', {})).resolves.toEqual([])
    const error: unknown = await client
      .invoke('tasks:approve', { suggestion_id: 1 })
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ApiError)
    expect(error).toMatchObject({ message: 'B has 3 bikes', code: 'move_does_not_fit' })
    expect(fitsQtyOf(error)).toBe(3)
    expect(client.on('tasks:changed', () => undefined)).toBe(off)
  })

  it('keeps every field of an HTTP error body', async () => {
    const body = { detail: 'B has 3 bikes', code: 'move_does_not_fit', fits_qty: 3 }
    const fetch = vi.fn(() => Promise.resolve(answer(409, body)))
    const client = createHttpClient(ORIGIN, { fetch: fetch as unknown as typeof globalThis.fetch })
    const error: unknown = await client
      .invoke('tasks:approve', { suggestion_id: 1 })
      .catch((e: unknown) => e)
    expect(error).toMatchObject({ status: 409, code: 'move_does_not_fit', extra: body })
    expect(fitsQtyOf(error)).toBe(3)
  })

  it('falls back to HTTP on the page origin in a browser', async () => {
    const fetch = vi.fn(() =>
      Promise.resolve(answer(200, { status: 'ok', database, version: '0.1.0' })),
    )
    vi.stubGlobal('fetch', fetch)
    try {
      const storage = { getItem: (key: string) => (key === 'balancer.token' ? 'bwb_t' : null) }
      const client = createClient({ location: { origin: ORIGIN }, localStorage: storage } as Window)
      await client.invoke('app:status')
      // With the token: without one /health tells only whether the server is up.
      expect(fetch).toHaveBeenCalledWith(`${ORIGIN}/health`, {
        headers: { accept: 'application/json', authorization: 'Bearer bwb_t' },
        cache: 'no-store',
      })
    } finally {
      vi.unstubAllGlobals()
    }
  })
})
