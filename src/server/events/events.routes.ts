import { z } from 'zod'
import { READERS } from '../../shared/operations/roles.js'
import { DEVICE_CHANNEL } from '../crew-access/device-events.js'
import { ApiRouter } from '../http/api-router.js'
import { serveEventStream } from './event-stream.js'
import { CLOSING, RESYNC, type NotifyHub } from './notify-hub.js'

/**
 * What a browser console may follow: task changes, feeds' polls, problems reported/resolved,
 * suggestions changed (migration 0014's trigger).
 */
export const EVENT_CHANNELS = ['tasks', 'station_status', 'problems', 'suggestions'] as const

/** What the process listens to: the console's channels, and revoked devices (crew streams). */
export const HUB_CHANNELS = [...EVENT_CHANNELS, DEVICE_CHANNEL] as const

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
      serveEventStream(req, res, (stream) =>
        hub.subscribe((event) => {
          if (event.channel === CLOSING) stream.close()
          else if (
            event.channel === RESYNC ||
            (EVENT_CHANNELS as readonly string[]).includes(event.channel)
          ) {
            // NOTIFY payloads are single-line JSON; the stream splits lines anyway.
            stream.send(event.channel, event.payload)
          }
        }),
      )
      return undefined
    },
  )
  return api
}
