import pg from 'pg'
import { connectionConfig, noAnswerError, REQUEST_LIMITS } from '../db/work-limits.js'
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
  /**
   * How often the idle LISTEN connection is asked `select 1`, and how long the answer may take:
   * a server that vanished without closing the socket is otherwise noticed only by TCP keepalive
   * after 10 + 9 x 75 s on Linux, during which every change would be missed without a resync.
   */
  pingMs?: number
  pingTimeoutMs?: number
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
  // 5 s: after an outage of any length the consoles hear of it (resync) within 5 s of the
  // database answering again; one connection attempt every 5 s costs the server nothing.
  const maxRetryMs = options.maxRetryMs ?? 5_000
  const pingMs = options.pingMs ?? 30_000
  const pingTimeoutMs = options.pingTimeoutMs ?? 10_000
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
    const next = new pg.Client(
      connectionConfig(options.url, 'bay-wheels-balancer listen', REQUEST_LIMITS),
    )
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
    if (everConnected) {
      options.logger.info('change notifications: listening again; consoles reload (resync)')
      emit({ channel: RESYNC, payload: '{}' })
    }
    everConnected = true
  }

  /** A ping that gets no answer drops the connection; its `end` schedules the reconnect. */
  function ping(): void {
    const current = client
    if (!current) return
    const timer = setTimeout(() => {
      options.logger.warn('change notifications: the database stopped answering; reconnecting')
      current.connection.stream.destroy(noAnswerError(pingTimeoutMs))
    }, pingTimeoutMs)
    current.query('select 1').then(
      () => clearTimeout(timer),
      () => clearTimeout(timer),
    )
  }

  void connect()
  const pinger = setInterval(ping, pingMs)
  pinger.unref()

  return {
    subscribe(listener) {
      listeners.add(listener)
      return () => listeners.delete(listener)
    },
    async close() {
      if (closed) return
      closed = true
      clearTimeout(timer)
      clearInterval(pinger)
      emit({ channel: CLOSING, payload: '{}' })
      listeners.clear()
      const current = client
      client = null
      await current?.end().catch(() => undefined)
    },
  }
}
