import type { ConsoleEvents, Unsubscribe } from '../../../shared/contract'
import { liveEventOf, type LiveEvent } from '../../../shared/live-events'

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

type LiveName = LiveEvent['event']
type LiveListener<E extends LiveName> = (payload: ConsoleEvents[E]) => void

export interface LiveStreamOptions {
  origin: string
  fetch: typeof fetch
  token: () => string | null
  onUnauthorized?: (detail: string) => void
  retryMs: number
  maxRetryMs: number
}

export interface LiveStream {
  listen<E extends LiveName>(event: E, listener: LiveListener<E>): Unsubscribe
}

function detailOf(answer: unknown): string | null {
  return typeof answer === 'object' &&
    answer !== null &&
    'detail' in answer &&
    typeof answer.detail === 'string'
    ? answer.detail
    : null
}

/**
 * GET /events for every live event the page follows: one stream, opened while anyone listens.
 * fetch rather than EventSource, which cannot send the Authorization header. A lost stream is
 * reopened with backoff, and listeners then hear `app:resync`: changes made meanwhile are gone.
 */
export function createLiveStream(options: LiveStreamOptions): LiveStream {
  const listeners: { [E in LiveName]: Set<LiveListener<E>> } = {
    'tasks:changed': new Set(),
    'stations:changed': new Set(),
    'problems:changed': new Set(),
    'suggestions:changed': new Set(),
    'app:resync': new Set(),
  }
  let controller: AbortController | null = null
  let timer: ReturnType<typeof setTimeout> | undefined
  let wait = options.retryMs
  let connectedBefore = false

  const listening = () => Object.values(listeners).some((set) => set.size > 0)

  function deliver<E extends LiveName>(event: E, payload: ConsoleEvents[E]): void {
    for (const listener of listeners[event] as Set<LiveListener<E>>) listener(payload)
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
            options.onUnauthorized?.(detailOf(answer) ?? 'the token is unknown or revoked')
          }
          throw new Error(`GET /events answered ${response.status}`)
        }
        wait = options.retryMs
        if (connectedBefore) {
          deliver('app:resync', { at: new Date().toISOString() })
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
            if (live) deliver(live.event, live.payload)
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
