import { z } from 'zod'
import type { Channel, ConsoleApi } from '../shared/contract.js'
import { stationsQuerySchema } from '../shared/feeds.js'
import {
  approveBatchRequestSchema,
  approveRequestSchema,
  cancelRequestSchema,
  createTokenRequestSchema,
  idSchema,
  rejectRequestSchema,
  suggestionListQuerySchema,
  taskListFilterSchema,
} from '../shared/dispatch.js'
import {
  flowRangeSchema,
  stationFlowsRequestSchema,
  stationProfileRequestSchema,
} from '../shared/flows.js'
import { STATION_KEYS, tripImportRequestSchema, type TripUploadRequest } from '../shared/trips.js'
import {
  databaseTestRequestSchema,
  settingsInputSchema,
} from '../server/settings/settings.service.js'
import { stationHistoryRequestSchema, stationNearbyRequestSchema } from '../shared/stations.js'
import { engineRunRequestSchema } from '../shared/engine.js'
import {
  serviceDayRequestSchema,
  serviceRangeSchema,
  serviceRefreshRequestSchema,
} from '../shared/service-levels.js'

/**
 * What each channel accepts from the renderer. The renderer is our own code, but a compromised
 * page must not be able to hand a service something the contract does not allow. The dispatch
 * channels take the same schemas as the HTTP routes.
 */
export const REQUESTS: { [C in Channel]: z.ZodType<ConsoleApi[C]['request']> } = {
  'app:status': z.undefined(),
  'session:me': z.undefined(),
  'feeds:health': z.undefined(),
  'feeds:stations': stationsQuerySchema,
  'suggestions:list': suggestionListQuerySchema,
  'suggestions:reject': rejectRequestSchema.extend({ suggestion_id: idSchema }),
  'suggestions:run': engineRunRequestSchema,
  'tasks:approve': approveRequestSchema,
  'tasks:approveBatch': approveBatchRequestSchema,
  'tasks:list': taskListFilterSchema,
  'tasks:cancel': cancelRequestSchema.extend({ task_id: idSchema }),
  'tasks:summary': z.undefined(),
  'crews:list': z.undefined(),
  'tokens:list': z.object({ include_revoked: z.boolean().optional() }).strict(),
  'tokens:create': createTokenRequestSchema,
  'tokens:revoke': z.object({ token_id: idSchema }).strict(),
  'flows:station': stationFlowsRequestSchema,
  'flows:system': flowRangeSchema,
  'flows:profile': stationProfileRequestSchema,
  'stations:history': stationHistoryRequestSchema,
  'stations:nearby': stationNearbyRequestSchema,
  'service:summary': serviceRangeSchema,
  'service:stations': serviceRangeSchema,
  'service:clusters': serviceRangeSchema,
  'service:crews': serviceRangeSchema,
  'service:taskEffects': serviceRangeSchema,
  'service:report': serviceDayRequestSchema,
  'service:refresh': serviceRefreshRequestSchema,
  'trips:import': tripImportRequestSchema,
  'trips:chooseFiles': z.undefined(),
  'trips:upload': z
    .object({
      file: z.custom<Blob>((value) => value instanceof Blob, 'must be a file'),
      fileName: z.string().max(255),
      systemId: z.string().optional(),
      timeZone: z.string().optional(),
      stationKey: z.enum(STATION_KEYS).optional(),
      maxRejected: z.string().optional(),
    })
    .strict() satisfies z.ZodType<TripUploadRequest>,
  'settings:get': z.undefined(),
  'settings:testDatabase': databaseTestRequestSchema,
  'settings:save': settingsInputSchema,
}
