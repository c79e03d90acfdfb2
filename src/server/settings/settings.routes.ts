import { z } from 'zod'
import { ApiRouter } from '../http/api-router.js'
import type { SettingsService } from './settings.service.js'

const settingsSchema = z.object({
  settingsFile: z.string(),
  databaseUrl: z
    .string()
    .nullable()
    .meta({ description: 'A configured PostgreSQL, its password masked; null: the embedded one' }),
  feeds: z.array(z.object({ url: z.string(), systemId: z.string().optional() })),
  host: z.string(),
  port: z.number(),
  leaseMinutes: z.number(),
  serviceHours: z.object({ start: z.string(), end: z.string() }),
  notifications: z.boolean(),
  overridden: z.array(z.object({ field: z.string(), by: z.string() })),
})

/**
 * GET /settings: what the server's settings file says, for a dispatcher's browser to read.
 * Changing them is the desktop app's (settings:save): a browser on the LAN never rewrites the
 * server's configuration.
 */
export function settingsRoutes(settings: SettingsService): ApiRouter {
  const api = new ApiRouter()
  api.channelEndpoint(
    'settings:get',
    settings,
    {
      method: 'get',
      path: '/settings',
      tag: 'system',
      summary: "The server's settings file (the database password masked)",
      description:
        'Read-only: settings are changed in the desktop app on the server, or in its settings.json. Database, address, port, feeds and lease take effect when the server starts again.',
      access: ['dispatcher'],
      response: settingsSchema,
      errors: [503],
    },
    (get, { res }) => {
      res.setHeader('Cache-Control', 'no-store')
      return get()
    },
  )
  return api
}
