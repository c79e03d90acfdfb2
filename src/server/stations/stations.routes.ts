import { z } from 'zod'
import type { Role } from '../../shared/dispatch.js'
import {
  MAX_HISTORY_POINTS,
  nearbyStationSchema,
  stationHistoryHttpQuerySchema,
  stationHistorySchema,
  stationNearbyHttpQuerySchema,
} from '../../shared/stations.js'
import { ApiRouter } from '../http/api-router.js'
import type { StationsService } from './stations.service.js'

const READERS: readonly Role[] = ['analyst', 'dispatcher', 'engine']
const stationParams = z.object({ station_id: z.string().min(1).max(128) }).strict()

/** GET /stations/{id}/history and GET /stations/{id}/nearby: a station's own page. */
export function stationRoutes(stations: StationsService): ApiRouter {
  const api = new ApiRouter()

  api.channelEndpoint(
    'stations:history',
    stations,
    {
      method: 'get',
      path: '/stations/{station_id}/history',
      tag: 'stations',
      summary: 'Bikes and docks at a station over time, from the status history',
      description: `Each state holds until the next point (the history keeps a row only when something changed); the state in force at from is the first point. Longer histories are sampled at regular instants, each point with the fewest and most bikes until the next: at most ${MAX_HISTORY_POINTS} points. from/to: local dates or times of the system, or instants; default the last 24 hours.`,
      access: READERS,
      params: stationParams,
      query: stationHistoryHttpQuerySchema,
      response: stationHistorySchema,
    },
    (history, { params, query, res }) => {
      res.setHeader('Cache-Control', 'no-store')
      return history({
        stationId: params.station_id,
        systemId: query.system,
        from: query.from,
        to: query.to,
      })
    },
  )

  api.channelEndpoint(
    'stations:nearby',
    stations,
    {
      method: 'get',
      path: '/stations/{station_id}/nearby',
      tag: 'stations',
      summary: 'The nearest stations of the same system, nearest first, with their live numbers',
      access: READERS,
      params: stationParams,
      query: stationNearbyHttpQuerySchema,
      response: z.array(nearbyStationSchema),
    },
    (nearby, { params, query, res }) => {
      res.setHeader('Cache-Control', 'no-store')
      return nearby({
        stationId: params.station_id,
        systemId: query.system,
        limit: query.limit,
      })
    },
  )

  return api
}
