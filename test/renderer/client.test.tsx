import { afterEach, describe, expect, it, vi } from 'vitest'
import type { AppStatus, ConsoleBridge, DatabaseStatus } from '../../src/shared/contract'
import { createClient, createHttpClient, POLL_MS } from '../../src/renderer/src/api/client'

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

describe('choosing a client', () => {
  it("uses the preload's bridge when there is one", () => {
    const bridge = { invoke: vi.fn(), on: vi.fn() } as unknown as ConsoleBridge
    expect(createClient({ balancer: bridge, location: window.location } as Window)).toBe(bridge)
  })

  it('falls back to HTTP on the page origin in a browser', async () => {
    const fetch = vi.fn(() =>
      Promise.resolve(answer(200, { status: 'ok', database, version: '0.1.0' })),
    )
    vi.stubGlobal('fetch', fetch)
    try {
      const client = createClient({ location: { origin: ORIGIN } } as Window)
      await client.invoke('app:status')
      expect(fetch).toHaveBeenCalledWith(`${ORIGIN}/health`, expect.anything())
    } finally {
      vi.unstubAllGlobals()
    }
  })
})
