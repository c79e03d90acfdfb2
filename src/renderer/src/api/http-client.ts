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
  isDesktopOnly,
  isHttp,
  OPERATION_BY_NAME,
  splitInput,
  type HttpRoute,
  type OperationSpec,
} from '../../../shared/operations'
import { ApiError, extraOf } from '../../../shared/api-error'
import type { RunningSetting } from '../../../shared/settings'
import { createLiveStream } from './event-stream'
import { createUpload } from './upload'
import { isCrewAccess } from './crew-access'
import { inWords } from './error-words'

export { ApiError, fitsQtyOf } from '../../../shared/api-error'

/** How often the browser client asks for news the desktop app has pushed to it. */
export const POLL_MS = 5_000

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

type RequestArgs<C extends Channel> = ConsoleApi[C]['request'] extends undefined
  ? []
  : [ConsoleApi[C]['request']]

export function messageOf(error: unknown): string {
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

/** `?a=1&b=x` of the values given (undefined ones left out). */
export function queryString(params: object | undefined): string {
  const search = new URLSearchParams()
  for (const [key, value] of Object.entries(params ?? {})) {
    if (value !== undefined) search.set(key, String(value))
  }
  const text = search.toString()
  return text ? `?${text}` : ''
}

/** The route's path with its parameters filled in (each one URL-encoded). */
function fillPath(name: string, route: HttpRoute, params: object | undefined): string {
  return route.path.replace(/\{(\w+)\}/g, (_, key: string) => {
    const value = (params as Record<string, string | number | undefined> | undefined)?.[key]
    if (value === undefined) throw new Error(`${name}: ${key} is required`)
    return encodeURIComponent(String(value))
  })
}

/** The pieces of the client that every request shares. */
export interface Transport {
  origin: string
  headersFor(extra?: Record<string, string>): Record<string, string>
  send(method: string, path: string, init: RequestInit): Promise<Response>
  failure(response: Response, method: string, path: string): Promise<ApiError>
}

/**
 * Talks to the dispatch server the page was loaded from. Every operation is sent as its
 * declaration says (src/shared/operations/): method and path, the path's parameters, the rest as
 * the query of a GET or the JSON body. GET /health answers 503 with the same body when the
 * database is down, so any status code with a well-formed body is a status.
 */
export function createHttpClient(origin: string, options: HttpClientOptions = {}): ConsoleBridge {
  const fetchImpl = options.fetch ?? globalThis.fetch.bind(globalThis)
  const pollMs = options.pollMs ?? POLL_MS
  let last: AppStatus | null = null

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
      inWords(detail),
      response.status,
      isRecord(answer) && typeof answer.code === 'string' ? answer.code : null,
      isRecord(answer) ? extraOf(answer) : {},
    )
  }

  const transport: Transport = { origin, headersFor, send, failure }

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
      ...(Array.isArray(body.running) ? { running: body.running as RunningSetting[] } : {}),
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

  /** One operation's route, with the request split as its declaration says. */
  async function call(op: OperationSpec, route: HttpRoute, request: unknown): Promise<unknown> {
    const method = route.method.toUpperCase()
    const parts = route.toHttp ? route.toHttp(request) : splitInput(route, request)
    const path = fillPath(op.name, route, parts.params) + queryString(parts.query)
    const init: RequestInit = { headers: headersFor() }
    if (route.method !== 'get' && parts.body !== undefined) {
      init.headers = headersFor({ 'content-type': 'application/json' })
      init.body = JSON.stringify(parts.body)
    }
    const response = await send(method, path, init)
    if (!response.ok) throw await failure(response, method, path)
    return response.json().catch(() => null)
  }

  const upload = createUpload(transport)

  function request(name: string, payload: unknown): Promise<unknown> {
    const op = OPERATION_BY_NAME.get(name)
    if (!op || op.desktop === false) return Promise.reject(new Error(`unknown channel '${name}'`))
    if (name === 'app:status') return fetchStatus()
    if (name === 'trips:upload')
      return upload.send(payload as ConsoleApi['trips:upload']['request'])
    if (isHttp(op.route)) return call(op, op.route, payload)
    const words = isDesktopOnly(op.route) ? op.route.desktopOnly : `${name} is not served here`
    return Promise.reject(new ApiError(words, 0, 'desktop_only'))
  }

  const live = createLiveStream({
    origin,
    fetch: fetchImpl,
    token: options.token ?? (() => null),
    onUnauthorized: options.onUnauthorized,
    retryMs: options.retryMs ?? 1_000,
    maxRetryMs: options.maxRetryMs ?? 30_000,
  })

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
    'trips:import-progress': (listener) => upload.onProgress(listener),
    'tasks:changed': (listener) => live.listen('tasks:changed', listener),
    'stations:changed': (listener) => live.listen('stations:changed', listener),
    'problems:changed': (listener) => live.listen('problems:changed', listener),
    'suggestions:changed': (listener) => live.listen('suggestions:changed', listener),
    'app:resync': (listener) => live.listen('app:resync', listener),
  }

  return {
    invoke<C extends Channel>(channel: C, ...args: RequestArgs<C>) {
      return request(channel, args[0]) as Promise<ConsoleApi[C]['response']>
    },
    on<E extends EventName>(event: E, listener: (payload: ConsoleEvents[E]) => void) {
      if (!Object.hasOwn(subscriptions, event)) throw new Error(`unknown event '${event}'`)
      return subscriptions[event](listener)
    },
  } satisfies ConsoleBridge
}
