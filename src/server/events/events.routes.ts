import { z } from 'zod'
import { READERS } from '../../shared/operations/roles.js'
import { DEVICE_CHANNEL } from '../crew-access/device-events.js'
import { ApiRouter } from '../http/api-router.js'
import { CLOSING, RESYNC, type NotifyHub } from './notify-hub.js'

/**
 * What a browser console may follow: task changes, feeds' polls, problems reported/resolved,
 * suggestions changed (migration 0014's trigger).
 */
export const EVENT_CHANNELS = ['tasks', 'station_status', 'problems', 'suggestions'] as const

/** What the process listens to: the console's channels, and revoked devices (crew streams). */
export const HUB_CHANNELS = [...EVENT_CHANNELS, DEVICE_CHANNEL] as const

/** A comment line every so often keeps proxies and the browser from closing an idle stream. */
const KEEPALIVE_MS = 15_000

/**
 * GET /events: server-sent events for the console in a browser, fed by PostgreSQL LISTEN/NOTIFY,
 * so a change made on any console or by any crew on the same database shows up everywhere.
 */
export function eventRoutes(hub: NotifyHub): ApiRouter {
  const api = new ApiRouter()
  api.endpoint(
    {
      method: 'get',
      path: '/events',
      tag: 'system',
      summary: 'Live changes as server-sent events (text/event-stream)',
      description: `Event names are the channels (${EVENT_CHANNELS.join(', ')}), plus "${RESYNC}" when changes may have been missed (reload then). Each data line is the change as JSON. A station_status event follows every GBFS poll (outcome ok, not_modified or error) and the moment a feed's data turns stale with no newer poll (outcome stale).`,
      access: READERS,
      query: z.object({}).strict(),
      response: null,
      responseDescription: 'text/event-stream',
    },
    ({ req, res }) => {
      res.writeHead(200, {
        'Content-Type': 'text/event-stream; charset=utf-8',
        'Cache-Control': 'no-store',
        Connection: 'keep-alive',
        'X-Accel-Buffering': 'no',
      })
      res.write('retry: 3000\n\n')
      const unsubscribe = hub.subscribe((event) => {
        if (event.channel === CLOSING) {
          res.end()
          return
        }
        if (
          event.channel !== RESYNC &&
          !(EVENT_CHANNELS as readonly string[]).includes(event.channel)
        ) {
          return
        }
        // NOTIFY payloads are single-line JSON; split anyway so a newline cannot end the event.
        const data = event.payload
          .split('\n')
          .map((line) => `data: ${line}`)
          .join('\n')
        res.write(`event: ${event.channel}\n${data}\n\n`)
      })
      const keepalive = setInterval(() => res.write(': keepalive\n\n'), KEEPALIVE_MS)
      req.on('close', () => {
        clearInterval(keepalive)
        unsubscribe()
      })
      return undefined
    },
  )
  return api
}
