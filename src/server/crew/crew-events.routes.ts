import { z } from 'zod'
import type { Database } from '../db/database.js'
import { serveEventStream } from '../events/event-stream.js'
import { CLOSING, RESYNC, type NotifyHub } from '../events/notify-hub.js'
import { ApiRouter } from '../http/api-router.js'
import { crewOf } from './crew-work.js'
import { DEVICE_CHANNEL } from '../crew-access/device-events.js'
import { crewTaskEvents, revokesToken, taskIdsOf } from './crew-events.js'

/**
 * GET /crew/events: one crew's server-sent events, fed by the same LISTEN connection as the
 * console's /events: its tasks' changes (a dispatcher's cancel with its reason), `signed_out`
 * when its device is revoked (then the stream ends), `resync` when changes may have been missed.
 */
export function crewEventRoutes(hub: NotifyHub, db: Database): ApiRouter {
  const api = new ApiRouter()
  api.endpoint(
    {
      method: 'get',
      path: '/crew/events',
      tag: 'crew',
      summary: "The crew's own live changes as server-sent events (text/event-stream)",
      description: `Events: "task" {id, status, change: canceled|changed|assigned, reason} for the crew's own tasks (reason: the dispatcher's, on a cancel); "signed_out" when this device is revoked (the stream then ends; the token no longer works); "${RESYNC}" when changes may have been missed (read GET /crew/task again). A comment line every 15 s keeps the connection open.`,
      access: ['crew'],
      query: z.object({}).strict(),
      response: null,
      responseDescription: 'text/event-stream',
    },
    ({ req, res, actor }) => {
      const crewId = crewOf(actor)
      serveEventStream(req, res, (stream) => {
        const send = (event: string, data: unknown) => stream.send(event, JSON.stringify(data))
        // Task look-ups in the order notifications came, so a stream never reorders a task's story.
        let queue = Promise.resolve()
        return hub.subscribe((event) => {
          if (event.channel === CLOSING) {
            stream.close()
          } else if (event.channel === RESYNC) {
            send(RESYNC, {})
          } else if (
            event.channel === DEVICE_CHANNEL &&
            revokesToken(event.payload, actor.tokenId)
          ) {
            send('signed_out', { reason: 'this device was revoked' })
            stream.close()
          } else if (event.channel === 'tasks') {
            const ids = taskIdsOf(event.payload)
            queue = queue
              .then(() => crewTaskEvents(db, crewId, ids))
              .then((changes) => changes.forEach((change) => send('task', change)))
              .catch(() => send(RESYNC, {}))
          }
        })
      })
      return undefined
    },
  )
  return api
}
