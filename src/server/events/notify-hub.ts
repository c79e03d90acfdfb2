import pg from 'pg'
import type { Logger } from '../logger.js'

/** A change announced by any console or crew on the shared database. */
export interface ChangeEvent {
  channel: string
  /** The NOTIFY payload, as sent (JSON by convention). */
  payload: string
}

export type ChangeListener = (event: ChangeEvent) => void

export interface NotifyHub {
  /** Every notification on the hub's channels, plus `resync` after a lost connection. */
  subscribe(listener: ChangeListener): () => void
  close(): Promise<void>
}

/** Sent to listeners when the connection came back: events may have been missed meanwhile. */
export const RESYNC = 'resync'
/** Sent to listeners last, when the hub closes: streams end so the server can stop. */
export const CLOSING = 'closing'

export interface NotifyHubOptions {
  url: string
  channels: readonly string[]
  logger: Logger
  /** First and longest wait before reconnecting after the connection is lost. */
  retryMs?: number
  maxRetryMs?: number
}

/**
 * One LISTEN connection per process, shared by every subscriber (the desktop window, browser event
 * streams). PostgreSQL delivers a NOTIFY only on commit, so a listener never hears of a change
 * that was rolled back. A lost connection is retried with backoff; on return listeners get a
 * `resync`, since notifications sent while nobody listened are gone.
 */
export function createNotifyHub(options: NotifyHubOptions): NotifyHub {
  const listeners = new Set<ChangeListener>()
  const retryMs = options.retryMs ?? 1_000
  const maxRetryMs = options.maxRetryMs ?? 30_000
  let client: pg.Client | null = null
  let closed = false
  let wait = retryMs
  let timer: ReturnType<typeof setTimeout> | undefined
  let everConnected = false
  const isClosed = () => closed

  const emit = (event: ChangeEvent) => {
    for (const listener of listeners) {
      try {
        listener(event)
      } catch (error) {
        options.logger.warn({ err: error, channel: event.channel }, 'a change listener failed')
      }
    }
  }

  function scheduleReconnect(): void {
    if (closed) return
    clearTimeout(timer)
    timer = setTimeout(() => void connect(), wait)
    timer.unref()
    wait = Math.min(wait * 2, maxRetryMs)
  }

  async function connect(): Promise<void> {
    if (closed) return
    const next = new pg.Client({
      connectionString: options.url,
      application_name: 'bay-wheels-balancer listen',
    })
    next.on('notification', (message) => {
      emit({ channel: message.channel, payload: message.payload ?? '' })
    })
    next.on('error', (error) => {
      options.logger.warn({ err: error }, 'change notifications: connection lost')
    })
    next.on('end', () => {
      if (client === next) client = null
      scheduleReconnect()
    })
    try {
      await next.connect()
      for (const channel of options.channels) {
        await next.query(`LISTEN ${next.escapeIdentifier(channel)}`)
      }
    } catch (error) {
      options.logger.warn({ err: error }, 'change notifications: cannot listen yet; retrying')
      await next.end().catch(() => undefined)
      scheduleReconnect()
      return
    }
    // close() may have run while this connection was being made.
    if (isClosed()) {
      await next.end().catch(() => undefined)
      return
    }
    client = next
    wait = retryMs
    if (everConnected) emit({ channel: RESYNC, payload: '{}' })
    everConnected = true
  }

  void connect()

  return {
    subscribe(listener) {
      listeners.add(listener)
      return () => listeners.delete(listener)
    },
    async close() {
      if (closed) return
      closed = true
      clearTimeout(timer)
      emit({ channel: CLOSING, payload: '{}' })
      listeners.clear()
      const current = client
      client = null
      await current?.end().catch(() => undefined)
    },
  }
}
