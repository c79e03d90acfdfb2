import type {
  AppStatus,
  Channel,
  ConsoleApi,
  ConsoleBridge,
  ConsoleEvents,
  DatabaseStatus,
  EventName,
  Unsubscribe,
} from '../../../shared/contract'
import {
  CHANNEL_ROUTES,
  routePath,
  type RouteParams,
  type RoutedChannel,
} from '../../../shared/channel-routes'
import { liveEventOf, type LiveEvent } from '../../../shared/live-events'
import { isCrewAccess } from './crew-access'
import type { TripImportProgress, TripImportReport, TripUploadRequest } from '../../../shared/trips'

/**
 * What the console's views program against: the preload's bridge inside Electron, or HTTP when a
 * browser opens the console from the embedded server. Views never know which.
 */
export type ConsoleClient = ConsoleBridge

/** How often the browser client asks for news the desktop app has pushed to it. */
export const POLL_MS = 5_000

/** Where a browser keeps the dispatcher's or analyst's API token between visits. */
export const TOKEN_KEY = 'balancer.token'

/** Where the browser client reads its token and says that the server refused it. */
export interface TokenSource {
  get(): string | null
  reject(detail: string): void
}

export function createClient(win: Window = window, tokens?: TokenSource): ConsoleClient {
  return (
    win.balancer ??
    createHttpClient(win.location.origin, {
      token: () => (tokens ? tokens.get() : win.localStorage.getItem(TOKEN_KEY)),
      onUnauthorized: (detail) => tokens?.reject(detail),
    })
  )
}

export interface HttpClientOptions {
  fetch?: typeof fetch
  pollMs?: number
  /** The bearer token for the API's protected routes, read at each request. */
  token?: () => string | null
  /** Told when the server refuses the token (unknown or revoked), so the page can sign out. */
  onUnauthorized?: (detail: string) => void
  /** First and longest wait before the live event stream reconnects. */
  retryMs?: number
  maxRetryMs?: number
}

/** An API answer that was not a success: its words, its HTTP status and its machine code. */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly code: string | null,
  ) {
    super(message)
    this.name = 'ApiError'
  }
}

/** One server-sent event as read off the stream. */
interface StreamEvent {
  event: string
  data: string
}

/**
 * Splits a text/event-stream into events. Returns the events complete so far and what is left
 * of the text (an event cut by a network chunk); comment lines (keepalives) and retry lines are
 * skipped.
 */
export function parseEventStream(text: string): { events: StreamEvent[]; rest: string } {
  const events: StreamEvent[] = []
  const normalised = text.replace(/\r\n?/g, '\n')
  const blocks = normalised.split('\n\n')
  const rest = blocks.pop() ?? ''
  for (const block of blocks) {
    let event = 'message'
    const data: string[] = []
    for (const line of block.split('\n')) {
      if (line === '' || line.startsWith(':')) continue
      const colon = line.indexOf(':')
      const field = colon === -1 ? line : line.slice(0, colon)
      const value = colon === -1 ? '' : line.slice(colon + 1).replace(/^ /, '')
      if (field === 'event') event = value
      else if (field === 'data') data.push(value)
    }
    if (data.length > 0) events.push({ event, data: data.join('\n') })
  }
  return { events, rest }
}

type RequestArgs<C extends Channel> = ConsoleApi[C]['request'] extends undefined
  ? []
  : [ConsoleApi[C]['request']]

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null
}

function isDatabaseStatus(value: unknown): value is DatabaseStatus {
  return (
    isRecord(value) &&
    (value.mode === 'embedded' || value.mode === 'configured') &&
    typeof value.location === 'string' &&
    typeof value.reachable === 'boolean' &&
    (value.serverVersion === null || typeof value.serverVersion === 'string') &&
    typeof value.postgis === 'boolean' &&
    (value.detail === null || typeof value.detail === 'string')
  )
}

/**
 * Talks to the dispatch server the page was loaded from. GET /health answers 503 with the same
 * body when the database is down, so any status code with a well-formed body is a status.
 */
export function createHttpClient(origin: string, options: HttpClientOptions = {}): ConsoleClient {
  const fetchImpl = options.fetch ?? globalThis.fetch.bind(globalThis)
  const pollMs = options.pollMs ?? POLL_MS
  let last: AppStatus | null = null

  async function fetchStatus(): Promise<AppStatus> {
    let response: Response
    // The token: without one /health says only whether the server is up, not where its database
    // is.
    const headers = headersFor()
    try {
      response = await fetchImpl(`${origin}/health`, { headers, cache: 'no-store' })
    } catch (error) {
      throw new Error(`the dispatch server at ${origin} did not answer: ${messageOf(error)}`, {
        cause: error,
      })
    }
    const body: unknown = await response.json().catch(() => null)
    if (!isRecord(body) || !isDatabaseStatus(body.database) || typeof body.version !== 'string') {
      throw new Error(`${origin}/health answered ${response.status} without a status`)
    }
    last = {
      version: body.version,
      database: body.database,
      apiUrl: origin,
      checkedAt: new Date().toISOString(),
      ...(isCrewAccess(body.crew) ? { crew: body.crew } : {}),
    }
    return last
  }

  /** The last status, marked unreachable: the page must not keep showing "connected". */
  function lost(error: unknown): AppStatus | null {
    if (!last) return null
    return {
      ...last,
      database: {
        ...last.database,
        reachable: false,
        serverVersion: null,
        postgis: false,
        detail: messageOf(error),
      },
      checkedAt: new Date().toISOString(),
    }
  }

  function query(params: Record<string, string | number | boolean | undefined>): string {
    const search = new URLSearchParams()
    for (const [key, value] of Object.entries(params)) {
      if (value !== undefined) search.set(key, String(value))
    }
    const text = search.toString()
    return text ? `?${text}` : ''
  }

  function headersFor(extra: Record<string, string> = {}): Record<string, string> {
    const headers: Record<string, string> = { accept: 'application/json', ...extra }
    const token = options.token?.()
    if (token) headers.authorization = `Bearer ${token}`
    return headers
  }

  async function send(method: string, path: string, init: RequestInit): Promise<Response> {
    try {
      return await fetchImpl(`${origin}${path}`, { method, cache: 'no-store', ...init })
    } catch (error) {
      throw new Error(`the dispatch server at ${origin} did not answer: ${messageOf(error)}`, {
        cause: error,
      })
    }
  }

  async function failure(response: Response, method: string, path: string): Promise<ApiError> {
    const answer: unknown = await response.json().catch(() => null)
    const detail =
      isRecord(answer) && typeof answer.detail === 'string'
        ? answer.detail
        : `${method} ${path} answered ${response.status}`
    if (response.status === 401) options.onUnauthorized?.(detail)
    return new ApiError(
      detail,
      response.status,
      isRecord(answer) && typeof answer.code === 'string' ? answer.code : null,
    )
  }

  /**
   * One channel's route (method and path from CHANNEL_ROUTES, the table the server's routes are
   * checked against): a GET sends `payload` as the query, a POST as the JSON body.
   */
  async function call<C extends RoutedChannel>(
    channel: C,
    params: RouteParams<C>,
    payload?: Record<string, string | number | boolean | undefined> | object,
  ): Promise<ConsoleApi[C]['response']> {
    const route = CHANNEL_ROUTES[channel]
    const method = route.method.toUpperCase()
    let path = routePath(channel, params)
    const init: RequestInit = { headers: headersFor() }
    if (route.method === 'get') {
      path += query((payload ?? {}) as Record<string, string | number | boolean | undefined>)
    } else if (payload !== undefined) {
      init.headers = headersFor({ 'content-type': 'application/json' })
      init.body = JSON.stringify(payload)
    }
    const response = await send(method, path, init)
    if (!response.ok) throw await failure(response, method, path)
    return (await response.json().catch(() => null)) as ConsoleApi[C]['response']
  }

  function refuse(channel: keyof typeof CHANNEL_ROUTES): Promise<never> {
    const route = CHANNEL_ROUTES[channel]
    return Promise.reject(
      new ApiError(
        'desktopOnly' in route ? route.desktopOnly : `${channel} is not served here`,
        0,
        'desktop_only',
      ),
    )
  }

  /** Listeners of `trips:import-progress`: in a browser only its own upload's progress. */
  const progressListeners = new Set<(progress: TripImportProgress) => void>()

  /**
   * POST /trips/imports with the file as the body, reading the answer as JSON lines: progress
   * while the server reads the file, then the report.
   */
  async function upload({ file, fileName, ...rest }: TripUploadRequest): Promise<TripImportReport> {
    const path =
      routePath('trips:upload', {}) +
      query({
        name: fileName,
        system: rest.systemId,
        tz: rest.timeZone,
        match_by: rest.stationKey,
        max_rejected: rest.maxRejected,
      })
    const response = await send('POST', path, {
      headers: headersFor({
        accept: 'application/x-ndjson',
        'content-type': file.type || 'application/octet-stream',
      }),
      body: file,
    })
    if (!response.ok) throw await failure(response, 'POST', path)
    if (!response.body || !response.headers.get('content-type')?.includes('ndjson')) {
      return (await response.json()) as TripImportReport
    }
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader()
    let buffer = ''
    for (;;) {
      const { value, done } = await reader.read()
      if (value) buffer += value
      const lines = buffer.split('\n')
      buffer = done ? '' : (lines.pop() ?? '')
      for (const text of lines) {
        if (!text.trim()) continue
        const message = JSON.parse(text) as {
          progress?: TripImportProgress
          report?: TripImportReport
          error?: { detail: string; code: string }
        }
        if (message.progress) for (const listener of progressListeners) listener(message.progress)
        if (message.report) return message.report
        if (message.error) throw new ApiError(message.error.detail, 200, message.error.code)
      }
      if (done) throw new Error(`POST ${path} ended without a report`)
    }
  }

  const live = createLiveStream({
    origin,
    fetch: fetchImpl,
    token: options.token ?? (() => null),
    onUnauthorized: options.onUnauthorized,
    retryMs: options.retryMs ?? 1_000,
    maxRetryMs: options.maxRetryMs ?? 30_000,
  })

  // Every channel is one route of the HTTP API (CHANNEL_ROUTES), with the same request and answer.
  const requests: {
    [C in Channel]: (...request: RequestArgs<C>) => Promise<ConsoleApi[C]['response']>
  } = {
    'app:status': fetchStatus,
    'session:me': () => call('session:me', {}),
    'suggestions:list': (filter) => call('suggestions:list', {}, filter),
    'suggestions:reject': ({ suggestion_id, ...body }) =>
      call('suggestions:reject', { suggestion_id }, body),
    'suggestions:run': (body) => call('suggestions:run', {}, body),
    'tasks:approve': (body) => call('tasks:approve', {}, body),
    'tasks:approveBatch': (body) => call('tasks:approveBatch', {}, body),
    'tasks:list': (filter) => call('tasks:list', {}, filter),
    'tasks:cancel': ({ task_id, ...body }) => call('tasks:cancel', { task_id }, body),
    'tasks:summary': () => call('tasks:summary', {}),
    'crews:list': () => call('crews:list', {}),
    'tokens:list': ({ include_revoked }) => call('tokens:list', {}, { all: include_revoked }),
    'tokens:create': (body) => call('tokens:create', {}, body),
    'tokens:revoke': ({ token_id }) => call('tokens:revoke', { token_id }, {}),
    'feeds:health': () => call('feeds:health', {}),
    'feeds:stations': ({ systemId, staleOnly, stationId }) =>
      call('feeds:stations', {}, { system: systemId, stale: staleOnly, station: stationId }),
    'flows:station': ({ stationId, systemId, ...range }) =>
      call('flows:station', { station_id: stationId }, { ...range, system: systemId }),
    'flows:system': ({ systemId, ...range }) =>
      call('flows:system', {}, { ...range, system: systemId }),
    'flows:profile': ({ stationId, systemId, ...range }) =>
      call('flows:profile', { station_id: stationId }, { ...range, system: systemId }),
    'stations:history': ({ stationId, systemId, ...range }) =>
      call('stations:history', { station_id: stationId }, { ...range, system: systemId }),
    'stations:nearby': ({ stationId, systemId, limit }) =>
      call('stations:nearby', { station_id: stationId }, { system: systemId, limit }),
    'service:summary': (range) => call('service:summary', {}, range),
    'service:stations': (range) => call('service:stations', {}, range),
    'service:clusters': (range) => call('service:clusters', {}, range),
    'service:crews': (range) => call('service:crews', {}, range),
    'service:taskEffects': (range) => call('service:taskEffects', {}, range),
    'service:report': (request) => call('service:report', {}, request),
    'service:refresh': (request) => call('service:refresh', {}, request),
    'trips:import': () => refuse('trips:import'),
    'trips:chooseFiles': () => refuse('trips:chooseFiles'),
    'trips:upload': upload,
    'settings:get': () => call('settings:get', {}),
    'settings:testDatabase': () => refuse('settings:testDatabase'),
    'settings:save': () => refuse('settings:save'),
  }

  const subscriptions: {
    [E in EventName]: (listener: (payload: ConsoleEvents[E]) => void) => Unsubscribe
  } = {
    'app:status': (listener) => {
      let timer: ReturnType<typeof setTimeout> | undefined
      let stopped = false
      // A chain of timeouts rather than an interval, so a slow answer never overlaps the next.
      const poll = async () => {
        const status = await fetchStatus().catch(lost)
        if (stopped) return
        if (status) listener(status)
        timer = setTimeout(() => void poll(), pollMs)
      }
      timer = setTimeout(() => void poll(), pollMs)
      return () => {
        stopped = true
        clearTimeout(timer)
      }
    },
    // A browser hears the progress of its own upload, read off the upload's answer.
    'trips:import-progress': (listener) => {
      progressListeners.add(listener)
      return () => void progressListeners.delete(listener)
    },
    'tasks:changed': (listener) => live.listen('tasks:changed', listener),
    'stations:changed': (listener) => live.listen('stations:changed', listener),
    'app:resync': (listener) => live.listen('app:resync', listener),
  }

  return {
    invoke<C extends Channel>(channel: C, ...request: RequestArgs<C>) {
      if (!Object.hasOwn(requests, channel)) {
        return Promise.reject(new Error(`unknown channel '${channel}'`))
      }
      const send: (...args: RequestArgs<C>) => Promise<ConsoleApi[C]['response']> =
        requests[channel]
      return send(...request)
    },
    on<E extends EventName>(event: E, listener: (payload: ConsoleEvents[E]) => void) {
      if (!Object.hasOwn(subscriptions, event)) throw new Error(`unknown event '${event}'`)
      return subscriptions[event](listener)
    },
  } satisfies ConsoleClient
}

type LiveName = LiveEvent['event']
type LiveListener<E extends LiveName> = (payload: ConsoleEvents[E]) => void

interface LiveStreamOptions {
  origin: string
  fetch: typeof fetch
  token: () => string | null
  onUnauthorized?: (detail: string) => void
  retryMs: number
  maxRetryMs: number
}

/**
 * GET /events for every live event the page follows: one stream, opened while anyone listens.
 * fetch rather than EventSource, which cannot send the Authorization header. A lost stream is
 * reopened with backoff, and listeners then hear `app:resync`: changes made meanwhile are gone.
 */
function createLiveStream(options: LiveStreamOptions) {
  const listeners: { [E in LiveName]: Set<LiveListener<E>> } = {
    'tasks:changed': new Set(),
    'stations:changed': new Set(),
    'app:resync': new Set(),
  }
  let controller: AbortController | null = null
  let timer: ReturnType<typeof setTimeout> | undefined
  let wait = options.retryMs
  let connectedBefore = false

  const listening = () => Object.values(listeners).some((set) => set.size > 0)

  function deliver(live: LiveEvent): void {
    // Each branch keeps its event and payload together for the compiler.
    switch (live.event) {
      case 'tasks:changed':
        for (const listener of listeners[live.event]) listener(live.payload)
        break
      case 'stations:changed':
        for (const listener of listeners[live.event]) listener(live.payload)
        break
      case 'app:resync':
        for (const listener of listeners[live.event]) listener(live.payload)
        break
    }
  }

  function retry(): void {
    controller = null
    if (!listening()) return
    timer = setTimeout(open, wait)
    wait = Math.min(wait * 2, options.maxRetryMs)
  }

  function open(): void {
    timer = undefined
    const current = new AbortController()
    controller = current
    const headers: Record<string, string> = { accept: 'text/event-stream' }
    const token = options.token()
    if (token) headers.authorization = `Bearer ${token}`
    void (async () => {
      try {
        const response = await options.fetch(`${options.origin}/events`, {
          headers,
          cache: 'no-store',
          signal: current.signal,
        })
        if (!response.ok || !response.body) {
          const answer: unknown = await response.json().catch(() => null)
          if (response.status === 401) {
            options.onUnauthorized?.(
              isRecord(answer) && typeof answer.detail === 'string'
                ? answer.detail
                : 'the token is unknown or revoked',
            )
          }
          throw new Error(`GET /events answered ${response.status}`)
        }
        wait = options.retryMs
        if (connectedBefore) {
          deliver({ event: 'app:resync', payload: { at: new Date().toISOString() } })
        }
        connectedBefore = true
        const reader = response.body.getReader()
        const decoder = new TextDecoder()
        let buffer = ''
        for (;;) {
          const { value, done } = await reader.read()
          if (done) break
          const { events, rest } = parseEventStream(
            buffer + decoder.decode(value, { stream: true }),
          )
          buffer = rest
          for (const { event, data } of events) {
            const live = liveEventOf(event, data)
            if (live) deliver(live)
          }
        }
      } catch {
        // Lost, refused or aborted: an abort is ours (nobody listens), anything else retries.
      }
      if (controller === current && !current.signal.aborted) retry()
    })()
  }

  return {
    listen<E extends LiveName>(event: E, listener: LiveListener<E>): Unsubscribe {
      const set = listeners[event] as Set<LiveListener<E>>
      set.add(listener)
      if (!controller && timer === undefined) open()
      return () => {
        set.delete(listener)
        if (listening()) return
        clearTimeout(timer)
        timer = undefined
        controller?.abort()
        controller = null
        connectedBefore = false
        wait = options.retryMs
      }
    },
  }
}
