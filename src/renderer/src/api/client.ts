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

/**
 * What the console's views program against: the preload's bridge inside Electron, or HTTP when a
 * browser opens the console from the embedded server. Views never know which.
 */
export type ConsoleClient = ConsoleBridge

/** How often the browser client asks for news the desktop app has pushed to it. */
export const POLL_MS = 5_000

export function createClient(win: Window = window): ConsoleClient {
  return win.balancer ?? createHttpClient(win.location.origin)
}

export interface HttpClientOptions {
  fetch?: typeof fetch
  pollMs?: number
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
    try {
      response = await fetchImpl(`${origin}/health`, {
        headers: { accept: 'application/json' },
        cache: 'no-store',
      })
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

  /** A GET of the same API crews use; an error answer's `detail` becomes the error's message. */
  async function getJson<T>(path: string): Promise<T> {
    let response: Response
    try {
      response = await fetchImpl(`${origin}${path}`, {
        headers: { accept: 'application/json' },
        cache: 'no-store',
      })
    } catch (error) {
      throw new Error(`the dispatch server at ${origin} did not answer: ${messageOf(error)}`, {
        cause: error,
      })
    }
    const body: unknown = await response.json().catch(() => null)
    if (!response.ok) {
      throw new Error(
        isRecord(body) && typeof body.detail === 'string'
          ? body.detail
          : `${origin}${path} answered ${response.status}`,
      )
    }
    return body as T
  }

  const requests: {
    [C in Channel]: (...request: RequestArgs<C>) => Promise<ConsoleApi[C]['response']>
  } = {
    'app:status': fetchStatus,
    'feeds:health': () => getJson('/feeds'),
    'feeds:stations': (query) => {
      const search = new URLSearchParams()
      if (query.systemId) search.set('system', query.systemId)
      if (query.staleOnly) search.set('stale', 'true')
      const text = search.toString()
      return getJson(`/feeds/stations${text ? `?${text}` : ''}`)
    },
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
