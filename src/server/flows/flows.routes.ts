import type { Response } from 'express'
import { z } from 'zod'
import {
  FLOW_BINS,
  FLOW_TIME_PATTERN,
  flowSeriesSchema,
  PROFILE_BINS,
  stationProfileSchema,
  type FlowSeries,
  type StationProfile,
} from '../../shared/flows.js'
import type { Role } from '../../shared/dispatch.js'
import { csvFileName } from '../../shared/csv.js'
import { ApiRouter } from '../http/api-router.js'
import { sendCsv, wantsCsv } from '../http/csv.js'
import type { FlowsService } from './flows.service.js'

/** Analysts study flows; dispatchers look at them; an external engine forecasts from them. */
const READERS: readonly Role[] = ['analyst', 'dispatcher', 'engine']

const time = z
  .string()
  .regex(
    FLOW_TIME_PATTERN,
    'must be a date (2018-02-01) or date and time (2018-02-01T08:15, 2018-02-01T16:15Z)',
  )
const date = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date (2018-02-01)')
const system = z.string().trim().min(1).max(128).optional().meta({
  description: 'The system (default: the only one in the database)',
})
const format = z
  .enum(['json', 'csv'])
  .optional()
  .meta({ description: 'csv: the same as "Accept: text/csv"' })

const seriesQuery = z
  .object({
    from: time.meta({
      description: 'Local date or time of the system ("2018-02-01"), or an instant with offset',
    }),
    to: time.meta({ description: 'Exclusive; as from' }),
    bin: z.enum(FLOW_BINS).optional().meta({ description: 'Default 15min' }),
    system,
    format,
  })
  .strict()

const profileQuery = z
  .object({
    from: date.optional().meta({ description: 'Default: the first day of imported trips' }),
    to: date.optional().meta({ description: 'Exclusive; default: after the last day' }),
    bin: z.enum(PROFILE_BINS).optional().meta({ description: 'Default hour' }),
    system,
    format,
  })
  .strict()

const stationParams = z.object({ station_id: z.string().min(1).max(128) }).strict()

function seriesCsv(res: Response, series: FlowSeries): void {
  const name = `flows-${series.systemId}-${series.stationId ?? 'all'}-${series.bin}-${series.from.slice(0, 10)}`
  sendCsv(res, csvFileName(name), [
    ['system_id', 'station_id', 'bin_start_utc', 'bin_start_local', 'outflow', 'inflow'],
    ...series.points.map((p) => [
      series.systemId,
      series.stationId,
      p.start,
      p.local,
      p.outflow,
      p.inflow,
    ]),
  ])
}

function profileCsv(res: Response, profile: StationProfile): void {
  sendCsv(res, csvFileName(`profile-${profile.systemId}-${profile.stationId}-${profile.bin}`), [
    ['system_id', 'station_id', 'day_of_week', 'minute_of_day', 'outflow', 'inflow'],
    ...profile.cells.map((c) => [
      profile.systemId,
      profile.stationId,
      c.dayOfWeek,
      c.minuteOfDay,
      c.outflow,
      c.inflow,
    ]),
  ])
}

const SERIES_DESCRIPTION =
  'Trips leaving (outflow) and arriving (inflow) per bin, every bin of [from, to) present (zeros where none), cut on the system’s clock: hours at the local hour (the hour repeated when daylight time ends is two bins), days at local midnight. At most 100,000 bins per request.'

/** GET /stations/{id}/flows, GET /flows and GET /stations/{id}/profile, as JSON or CSV. */
export function flowsRoutes(flows: FlowsService): ApiRouter {
  const api = new ApiRouter()

  api.channelEndpoint(
    'flows:station',
    flows,
    {
      method: 'get',
      path: '/stations/{station_id}/flows',
      tag: 'flows',
      summary: 'Flows of one station over a time range, at 15 min, hour or day resolution',
      description: SERIES_DESCRIPTION,
      access: READERS,
      params: stationParams,
      query: seriesQuery,
      response: flowSeriesSchema,
      alsoProduces: ['text/csv'],
      errors: [404],
    },
    async (stationFlows, { params, query, req, res }) => {
      const series = await stationFlows({
        systemId: query.system,
        stationId: params.station_id,
        from: query.from,
        to: query.to,
        bin: query.bin,
      })
      if (!wantsCsv(req, query.format)) return series
      seriesCsv(res, series)
      return undefined
    },
  )

  api.channelEndpoint(
    'flows:system',
    flows,
    {
      method: 'get',
      path: '/flows',
      tag: 'flows',
      summary: 'Flows of the whole system (every station summed) over a time range',
      description: SERIES_DESCRIPTION,
      access: READERS,
      query: seriesQuery,
      response: flowSeriesSchema,
      alsoProduces: ['text/csv'],
      errors: [404],
    },
    async (systemFlows, { query, req, res }) => {
      const series = await systemFlows({
        systemId: query.system,
        from: query.from,
        to: query.to,
        bin: query.bin,
      })
      if (!wantsCsv(req, query.format)) return series
      seriesCsv(res, series)
      return undefined
    },
  )

  api.channelEndpoint(
    'flows:profile',
    flows,
    {
      method: 'get',
      path: '/stations/{station_id}/profile',
      tag: 'flows',
      summary: 'Mean flows of a station by day of week and time of day (the forecasting input)',
      description:
        'Each cell is the mean number of trips per day in that slot, over every day of that weekday in the range (days without trips count as zero), on the system’s clock.',
      access: READERS,
      params: stationParams,
      query: profileQuery,
      response: stationProfileSchema,
      alsoProduces: ['text/csv'],
      errors: [404],
    },
    async (stationProfile, { params, query, req, res }) => {
      const profile = await stationProfile({
        systemId: query.system,
        stationId: params.station_id,
        from: query.from,
        to: query.to,
        bin: query.bin,
      })
      if (!wantsCsv(req, query.format)) return profile
      profileCsv(res, profile)
      return undefined
    },
  )

  return api
}
