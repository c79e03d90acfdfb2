import { z } from 'zod'
import { crewAccessSchema } from '../../shared/crew-access.js'
import { feedHealthSchema } from '../../shared/feeds.js'
import { READERS } from '../../shared/operations/roles.js'
import { runningSettingSchema } from '../../shared/settings.js'
import { APP_VERSION, SERVICE_MESSAGE } from '../../shared/version.js'
import type { FeedService } from '../gbfs/gbfs.service.js'
import type { Metrics } from '../metrics.js'
import type { StatusService } from '../status/status.service.js'
import { ApiRouter } from './api-router.js'
import { CONSOLE_PATH } from './console.routes.js'

const databaseSchema = z.object({
  mode: z.enum(['embedded', 'configured']),
  location: z.string(),
  reachable: z.boolean(),
  serverVersion: z.string().nullable(),
  postgis: z.boolean(),
  detail: z.string().nullable(),
})

/** What /health says of each feed: enough to see that the numbers on screen are not live. */
const feedSummarySchema = feedHealthSchema.pick({
  feedId: true,
  url: true,
  systemId: true,
  stale: true,
  staleDetail: true,
  dataAgeSeconds: true,
  feedLastUpdated: true,
  lastSuccessAt: true,
  lastError: true,
  consecutiveFailures: true,
  stationsStale: true,
})

const feedsSummarySchema = z.object({
  /** Any feed stale. The server itself is still healthy (200): a feed is someone else's. */
  stale: z.boolean(),
  /** The console polling the feeds now. */
  leader: z.string().nullable(),
  items: z.array(feedSummarySchema),
})

/** GET / (the seed's greeting), GET /health (what crews and load balancers poll), /metrics. */
export function systemRoutes(
  status: StatusService,
  metrics: Metrics | null,
  feeds?: FeedService,
): ApiRouter {
  const api = new ApiRouter()

  api.publicEndpoint(
    {
      method: 'get',
      path: '/',
      tag: 'system',
      summary: "The service's name (the seed's health check)",
      description: `A browser (Accept: text/html) is sent on to the console at ${CONSOLE_PATH}.`,
      access: 'public',
      response: z.object({ message: z.string() }),
    },
    ({ req, res }) => {
      // Crews and scripts send */* or application/json and keep the seed's answer.
      if (req.accepts(['json', 'html']) === 'html') {
        res.redirect(302, CONSOLE_PATH)
        return undefined
      }
      return { message: SERVICE_MESSAGE }
    },
  )

  api.publicEndpoint(
    {
      method: 'get',
      path: '/health',
      channel: 'app:status',
      tag: 'system',
      summary: 'Whether the server and its database are up',
      description:
        "Without a token: status and version only. With a dispatcher or analyst token: the database, the feeds, their errors and the console polling them, and `crew`: the address phones are given, whether it listens on loopback only, and TLS with its certificate's SHA-256 fingerprint; `running`: the values the server runs with now and where each came from (flag, environment, settings file, default).",
      access: 'public',
      response: z.object({
        status: z.enum(['ok', 'unavailable']),
        detail: z.string().optional(),
        database: databaseSchema.optional(),
        feeds: feedsSummarySchema.optional(),
        crew: crewAccessSchema.optional(),
        running: z.array(runningSettingSchema).optional(),
        version: z.string(),
      }),
      errors: [503],
    },
    async ({ res, actor }) => {
      const { database, crew, running } = await status.getAppStatus()
      res.setHeader('Cache-Control', 'no-store')
      // Where the database is, the feeds' URLs and errors, the leader's host and pid: a map for
      // a stranger on the LAN. Crews and load balancers need only the status.
      const detailed = actor !== null && READERS.includes(actor.role)
      if (database.reachable) {
        if (!detailed) return { status: 'ok', version: APP_VERSION }
        const health = feeds ? await feeds.health().catch(() => null) : null
        return {
          status: 'ok',
          database,
          ...(health
            ? {
                feeds: {
                  stale: health.stale,
                  leader: health.leader,
                  items: health.feeds.map((feed) => feedSummarySchema.parse(feed)),
                },
              }
            : {}),
          ...(crew ? { crew } : {}),
          ...(running ? { running } : {}),
          version: APP_VERSION,
        }
      }
      res.setHeader('Retry-After', '5')
      res.status(503).json(
        detailed
          ? { status: 'unavailable', detail: database.detail, database, version: APP_VERSION }
          : {
              status: 'unavailable',
              detail: 'the database is unavailable; try again shortly',
              version: APP_VERSION,
            },
      )
      return undefined
    },
  )

  if (metrics) {
    api.endpoint(
      {
        method: 'get',
        path: '/metrics',
        tag: 'system',
        summary: 'Prometheus metrics: request rate and latency, tasks, database pool',
        access: READERS,
        response: null,
        responseDescription: 'Prometheus text exposition format',
      },
      async ({ res }) => {
        res.setHeader('Content-Type', metrics.registry.contentType)
        res.send(await metrics.registry.metrics())
        return undefined
      },
    )
  }

  return api
}
