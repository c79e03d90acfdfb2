import express, { type Express } from 'express'
import helmet from 'helmet'
import { crewEventRoutes } from '../crew/crew-events.routes.js'
import { eventRoutes } from '../events/events.routes.js'
import type { NotifyHub } from '../events/notify-hub.js'
import type { Logger } from '../logger.js'
import { MAX_UPLOAD_BYTES } from '../../shared/operations/trips.js'
import type { Metrics } from '../metrics.js'
import { operationRoutes } from '../operations/http.js'
import type { Services } from '../services.js'
import type { ApiRouter } from './api-router.js'
import { authenticate, rateLimiter, rejectFailedAuth, type RateLimits } from './auth.middleware.js'
import { rejectBadText } from './bad-bytes.middleware.js'
import { consoleRoutes } from './console.routes.js'
import { crewRoutes } from './crew.routes.js'
import { requestLogger } from './request-log.js'
import { failedAuthGuard, type FailedAuthGuard } from './failed-auth.guard.js'
import { errorHandler, notFound } from './errors.js'
import { docsRoutes, openApiDocument } from './openapi.js'
import { systemRoutes } from './system.routes.js'

export interface AppDeps {
  services: Services
  logger: Logger
  metrics?: Metrics | null
  /** `false` turns rate limiting off (benchmarks measure the claim, not the limiter). */
  rateLimits?: RateLimits | false
  /** Live changes for GET /events; without it the route is absent. */
  events?: NotifyHub | null
  /** The built renderer served at /console/; null (tests) answers there how to build it. */
  consoleDir?: string | null
  /** The built crew app served at /crew/; null (tests) answers there how to build it. */
  crewDir?: string | null
  /** The largest trip file POST /trips/imports takes (default MAX_UPLOAD_BYTES). */
  maxUploadBytes?: number
}

/** Generous for people and devices, tight for a runaway loop or someone guessing tokens. */
export const DEFAULT_RATE_LIMITS: RateLimits = { perToken: 6_000, perAddress: 300 }

/** Wrong tokens a minute from one address before the next unknown one is refused unasked. */
export const FAILED_AUTH_PER_ADDRESS = 30

/** POST /problems: a 2 MB photo as base64 (4/3 of it) and the rest of the report. */
export const PROBLEM_BODY_LIMIT = '3mb'

/** Every route of the API, by router (what the app mounts and OpenAPI describes). */
export function apiRouters({
  services,
  metrics = null,
  events = null,
  guard = null,
}: Pick<AppDeps, 'services' | 'metrics' | 'events'> & {
  guard?: FailedAuthGuard | null
}): ApiRouter[] {
  return [
    systemRoutes(services.status, metrics, services.feeds),
    // Every declared operation's route (src/shared/operations/).
    // The public pairing operation counts wrong codes in the failed-auth guard.
    operationRoutes(services, guard),
    ...(events ? [eventRoutes(events), crewEventRoutes(events, services.crewWork.db)] : []),
  ]
}

/** The HTTP API, built without listening so tests drive it in-process. */
export function createApp({
  services,
  logger,
  metrics = null,
  rateLimits = DEFAULT_RATE_LIMITS,
  events = null,
  consoleDir = null,
  crewDir = null,
  maxUploadBytes,
}: AppDeps): Express {
  const app = express()
  app.disable('x-powered-by')
  // Crews reach us through one depot router; trust only the loopback proxy hop by default.
  app.set('trust proxy', 'loopback')
  app.use(requestLogger(logger))
  if (metrics) app.use(metrics.httpMiddleware)
  app.use(
    helmet({
      // The API is plain HTTP on the depot LAN: HSTS and upgrading requests would lock browsers
      // out of the console it serves.
      hsts: false,
      contentSecurityPolicy: { directives: { upgradeInsecureRequests: null } },
    }),
  )
  // Static files need no token and must not spend the address's budget for token guesses.
  app.use(consoleRoutes(consoleDir))
  app.use(crewRoutes(crewDir))
  // One budget of wrong tokens and wrong pairing codes per address.
  const guard = rateLimits
    ? failedAuthGuard(rateLimits.failedAuthPerAddress ?? FAILED_AUTH_PER_ADDRESS)
    : null
  app.use(authenticate(services.auth, guard))
  if (rateLimits) app.use(rateLimiter(rateLimits))
  app.use(rejectFailedAuth)
  // A problem report may carry a 2 MB photo as base64: that route alone takes more.
  app.post('/problems', express.json({ limit: PROBLEM_BODY_LIMIT }))
  app.use(express.json({ limit: '64kb' }))

  // POST /trips/imports reads its limit here (src/server/trips/upload.ts).
  app.locals.maxUploadBytes = maxUploadBytes ?? MAX_UPLOAD_BYTES
  const routers = apiRouters({ services, metrics, events, guard })
  const endpoints = routers.flatMap((api) => api.endpoints)
  app.use(rejectBadText(endpoints.map((endpoint) => endpoint.path)))
  for (const api of routers) app.use(api.router)
  app.use(docsRoutes(() => openApiDocument(endpoints)))

  app.use(notFound)
  app.use(errorHandler)
  return app
}
