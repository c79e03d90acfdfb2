import { randomUUID } from 'node:crypto'
import express, { type Express } from 'express'
import helmet from 'helmet'
import { pinoHttp } from 'pino-http'
import type { Logger } from '../logger.js'
import type { Services } from '../services.js'
import { errorHandler, notFound } from './errors.js'
import { systemRoutes } from './system.routes.js'

export interface AppDeps {
  services: Services
  logger: Logger
}

/** The HTTP API, built without listening so tests drive it in-process. */
export function createApp({ services, logger }: AppDeps): Express {
  const app = express()
  app.disable('x-powered-by')
  // Crews reach us through one depot router; trust only the loopback proxy hop by default.
  app.set('trust proxy', 'loopback')
  app.use(
    pinoHttp({
      logger,
      genReqId: (req, res) => {
        const given = req.headers['x-request-id']
        const id = typeof given === 'string' && /^[\w.-]{1,64}$/.test(given) ? given : randomUUID()
        res.setHeader('X-Request-Id', id)
        return id
      },
      customLogLevel: (_req, res, error) =>
        error || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'info',
    }),
  )
  app.use(
    helmet({
      // The API is plain HTTP on the depot LAN: HSTS and upgrading requests would lock browsers
      // out of the console it serves.
      hsts: false,
      contentSecurityPolicy: { directives: { upgradeInsecureRequests: null } },
    }),
  )
  app.use(express.json({ limit: '64kb' }))

  app.use(systemRoutes(services.status))

  app.use(notFound)
  app.use(errorHandler)
  return app
}
