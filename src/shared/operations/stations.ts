import { z } from 'zod'
import {
  MAX_HISTORY_POINTS,
  nearbyStationSchema,
  stationHistoryHttpQuerySchema,
  stationHistoryRequestSchema,
  stationHistorySchema,
  stationNearbyHttpQuerySchema,
  stationNearbyRequestSchema,
} from '../stations.js'
import { csvFormat } from './flows.js'
import { operation } from './operation.js'
import { DATA_READERS } from './roles.js'

/** A station's own page: its history and its neighbours. */

const stationParams = z.object({ station_id: z.string().min(1).max(128) }).strict()
type StationParams = z.output<typeof stationParams>

/** `?format=csv`: the history as CSV, gaps as rows with empty figures. */
const historyQuery = stationHistoryHttpQuerySchema.extend({ format: csvFormat }).strict()

export const stationHistory = operation({
  name: 'stations:history',
  summary: 'Bikes and docks at a station over time, from the status history',
  description: `Each state holds until the next point (the history keeps a row only when something changed); the state in force at from is the first point. Longer histories are sampled at regular instants, each point with the fewest and most bikes until the next: at most ${MAX_HISTORY_POINTS} points. from/to: local dates or times of the system, or instants; default the last 24 hours.`,
  roles: DATA_READERS,
  input: stationHistoryRequestSchema,
  output: stationHistorySchema,
  route: {
    method: 'get',
    path: '/stations/{station_id}/history',
    tag: 'stations',
    params: stationParams,
    query: historyQuery,
    alsoProduces: ['text/csv'],
    fromHttp: ({
      params,
      query,
    }: {
      params: StationParams
      query: z.output<typeof historyQuery>
    }) => ({
      stationId: params.station_id,
      systemId: query.system,
      from: query.from,
      to: query.to,
    }),
    toHttp: ({ stationId, systemId, ...range }) => ({
      params: { station_id: stationId },
      query: { ...range, system: systemId },
    }),
  },
  example: { stationId: '74', from: '2025-01-28', to: '2025-01-29T12:00' },
})

export const nearbyStations = operation({
  name: 'stations:nearby',
  summary: 'The nearest stations of the same system, nearest first, with their live numbers',
  roles: DATA_READERS,
  input: stationNearbyRequestSchema,
  output: z.array(nearbyStationSchema),
  route: {
    method: 'get',
    path: '/stations/{station_id}/nearby',
    tag: 'stations',
    params: stationParams,
    query: stationNearbyHttpQuerySchema,
    fromHttp: ({
      params,
      query,
    }: {
      params: StationParams
      query: z.output<typeof stationNearbyHttpQuerySchema>
    }) => ({ stationId: params.station_id, systemId: query.system, limit: query.limit }),
    toHttp: ({ stationId, systemId, limit }) => ({
      params: { station_id: stationId },
      query: { system: systemId, limit },
    }),
  },
  example: { stationId: '74', systemId: 'divvy', limit: 5 },
})

export const STATIONS = [stationHistory, nearbyStations] as const
