import type { TaskEvent } from './api'

/**
 * GET /crew/events read with fetch, not EventSource: EventSource cannot send the Authorization
 * header, and the device token must not go in a URL (URLs reach logs and history). fetch streams
 * the same text/event-stream, parsed here; a 401 or a `signed_out` event signs the phone out, and
 * a dropped stream is opened again after 1, 2, 4 ... 30 s.
 */
export type CrewEvent =
  { type: 'task'; data: TaskEvent } | { type: 'signed_out' } | { type: 'resync' } | { type: 'open' }

export interface EventStreamOptions {
  token: string
  onEvent: (event: CrewEvent) => void
  onSignedOut: () => void
}

/** Splits an event stream's text into events; keeps an unfinished one for the next chunk. */
export function parseEvents(buffer: string): {
  events: { event: string; data: string }[]
  rest: string
} {
  const events: { event: string; data: string }[] = []
  const blocks = buffer.replace(/\r\n?/g, '\n').split('\n\n')
  const rest = blocks.pop() ?? ''
  for (const block of blocks) {
    let event = 'message'
    const data: string[] = []
    for (const line of block.split('\n')) {
      if (line.startsWith(':')) continue
      const colon = line.indexOf(':')
      const field = colon === -1 ? line : line.slice(0, colon)
      const value = colon === -1 ? '' : line.slice(colon + 1).replace(/^ /, '')
      if (field === 'event') event = value
      else if (field === 'data') data.push(value)
    }
    if (data.length > 0 || event !== 'message') events.push({ event, data: data.join('\n') })
  }
  return { events, rest }
}

function toCrewEvent(event: string, data: string): CrewEvent | null {
  if (event === 'signed_out') return { type: 'signed_out' }
  if (event === 'resync') return { type: 'resync' }
  if (event === 'task') {
    try {
      return { type: 'task', data: JSON.parse(data) as TaskEvent }
    } catch {
      return null
    }
  }
  return null
}

/** Keeps the stream open until the returned function is called. */
export function openEventStream({ token, onEvent, onSignedOut }: EventStreamOptions): () => void {
  const abort = new AbortController()
  let failures = 0
  // A function, not the property: the stream's awaits may abort it between two checks.
  const stopped = () => abort.signal.aborted

  const connect = async (): Promise<void> => {
    while (!stopped()) {
      try {
        const response = await fetch('/crew/events', {
          headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream' },
          signal: abort.signal,
          cache: 'no-store',
        })
        if (response.status === 401) {
          onSignedOut()
          return
        }
        if (response.ok && response.body) {
          failures = 0
          onEvent({ type: 'open' })
          const reader = response.body.pipeThrough(new TextDecoderStream()).getReader()
          let buffer = ''
          for (;;) {
            const { value, done } = await reader.read()
            if (done) break
            const parsed = parseEvents(buffer + value)
            buffer = parsed.rest
            for (const { event, data } of parsed.events) {
              const crewEvent = toCrewEvent(event, data)
              if (crewEvent?.type === 'signed_out') {
                onSignedOut()
                abort.abort()
                return
              }
              if (crewEvent) onEvent(crewEvent)
            }
          }
        }
      } catch {
        if (stopped()) return
      }
      failures += 1
      await new Promise((done) => setTimeout(done, Math.min(30_000, 1_000 * 2 ** (failures - 1))))
    }
  }
  void connect()
  return () => abort.abort()
}
