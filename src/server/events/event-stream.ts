import type { IncomingMessage, ServerResponse } from 'node:http'

/** A comment line every so often keeps proxies and the browser from closing an idle stream. */
const KEEPALIVE_MS = 15_000

export interface EventStream {
  /** One event; each line of `data` is a data line, so a newline cannot end the event. */
  send(event: string, data: string): void
  /** Ends the stream (and what `follow` started); later sends are dropped. */
  close(): void
}

/**
 * Answers with server-sent events (GET /events, GET /crew/events): the headers, a reconnect
 * delay, keepalive comments, and `follow`'s subscription ended when either side closes.
 */
export function serveEventStream(
  req: IncomingMessage,
  res: ServerResponse,
  follow: (stream: EventStream) => () => void,
): void {
  res.writeHead(200, {
    'Content-Type': 'text/event-stream; charset=utf-8',
    'Cache-Control': 'no-store',
    Connection: 'keep-alive',
    'X-Accel-Buffering': 'no',
  })
  res.write('retry: 3000\n\n')
  let open = true
  let stop: (() => void) | null = null
  const keepalive = setInterval(() => {
    if (open) res.write(': keepalive\n\n')
  }, KEEPALIVE_MS)
  const send = (event: string, data: string) => {
    if (!open) return
    const lines = data
      .split('\n')
      .map((line) => `data: ${line}`)
      .join('\n')
    res.write(`event: ${event}\n${lines}\n\n`)
  }
  const close = () => {
    if (!open) return
    open = false
    clearInterval(keepalive)
    stop?.()
    res.end()
  }
  stop = follow({ send, close })
  req.on('close', close)
}
