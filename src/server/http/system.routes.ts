import { Router } from 'express'
import { APP_VERSION, SERVICE_MESSAGE } from '../../shared/version.js'
import type { StatusService } from '../status/status.service.js'

/** GET / (the seed's greeting) and GET /health (what load balancers and crews poll). */
export function systemRoutes(status: StatusService): Router {
  const router = Router()

  router.get('/', (_req, res) => {
    res.json({ message: SERVICE_MESSAGE })
  })

  router.get('/health', async (_req, res) => {
    const { database } = await status.getAppStatus()
    res.setHeader('Cache-Control', 'no-store')
    if (database.reachable) {
      res.json({ status: 'ok', database, version: APP_VERSION })
    } else {
      res.status(503).json({
        status: 'unavailable',
        detail: database.detail,
        database,
        version: APP_VERSION,
      })
    }
  })

  return router
}
