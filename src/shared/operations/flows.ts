import { z } from 'zod'
import {
  FLOW_BINS,
  FLOW_TIME_PATTERN,
  flowRangeSchema,
  flowSeriesSchema,
  PROFILE_BINS,
  stationFlowsRequestSchema,
  stationProfileRequestSchema,
  stationProfileSchema,
} from '../flows.js'
import { operation, type HttpParts } from './operation.js'
import { DATA_READERS } from './roles.js'

/** Trips leaving and arriving: a station's or the system's, over time or by weekday and hour. */

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

/** `?format=csv`: the answer as CSV (routes with `alsoProduces: ['text/csv']`). */
export const csvFormat = z
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
    format: csvFormat,
  })
  .strict()
type SeriesQuery = z.output<typeof seriesQuery>

const profileQuery = z
  .object({
    from: date.optional().meta({ description: 'Default: the first day of imported trips' }),
    to: date.optional().meta({ description: 'Exclusive; default: after the last day' }),
    bin: z.enum(PROFILE_BINS).optional().meta({ description: 'Default hour' }),
    system,
    format: csvFormat,
  })
  .strict()
type ProfileQuery = z.output<typeof profileQuery>

const stationParams = z.object({ station_id: z.string().min(1).max(128) }).strict()
type StationParams = z.output<typeof stationParams>

/** A station's range from its HTTP parts: `?system=` is the input's `systemId`. */
function stationRange<Q extends { system?: string; from?: string; to?: string; bin?: string }>(
  params: StationParams,
  query: Q,
): { systemId: Q['system']; stationId: string; from: Q['from']; to: Q['to']; bin: Q['bin'] } {
  const { system, from, to, bin } = query
  return { systemId: system, stationId: params.station_id, from, to, bin }
}

/** The parts of a station's range: its id in the path, the rest in the query. */
function stationRangeParts({
  stationId,
  systemId,
  ...range
}: {
  stationId: string
  systemId?: string
}): HttpParts {
  return { params: { station_id: stationId }, query: { ...range, system: systemId } }
}

const SERIES_DESCRIPTION =
  'Trips leaving (outflow) and arriving (inflow) per bin, every bin of [from, to) present (zeros where none), cut on the system’s clock: hours at the local hour (the hour repeated when daylight time ends is two bins), days at local midnight. At most 100,000 bins per request.'

export const stationFlows = operation({
  name: 'flows:station',
  summary: 'Flows of one station over a time range, at 15 min, hour or day resolution',
  description: SERIES_DESCRIPTION,
  roles: DATA_READERS,
  input: stationFlowsRequestSchema,
  output: flowSeriesSchema,
  route: {
    method: 'get',
    path: '/stations/{station_id}/flows',
    tag: 'flows',
    params: stationParams,
    query: seriesQuery,
    alsoProduces: ['text/csv'],
    errors: [404],
    fromHttp: ({ params, query }: { params: StationParams; query: SeriesQuery }) =>
      stationRange(params, query),
    toHttp: stationRangeParts,
  },
  example: { stationId: '5065.10', from: '2018-02-01', to: '2018-02-02', bin: 'hour' },
})

export const systemFlows = operation({
  name: 'flows:system',
  summary: 'Flows of the whole system (every station summed) over a time range',
  description: SERIES_DESCRIPTION,
  roles: DATA_READERS,
  input: flowRangeSchema,
  output: flowSeriesSchema,
  route: {
    method: 'get',
    path: '/flows',
    tag: 'flows',
    query: seriesQuery,
    alsoProduces: ['text/csv'],
    errors: [404],
    fromHttp: ({ query }: { query: SeriesQuery }) => ({
      systemId: query.system,
      from: query.from,
      to: query.to,
      bin: query.bin,
    }),
    toHttp: ({ systemId, ...range }) => ({ query: { ...range, system: systemId } }),
  },
  example: { from: '2018-02-01', to: '2018-02-02' },
})

export const stationProfile = operation({
  name: 'flows:profile',
  summary: 'Mean flows of a station by day of week and time of day (the forecasting input)',
  description:
    'Each cell is the mean number of trips per day in that slot, over every day of that weekday in the range (days without trips count as zero), on the system’s clock.',
  roles: DATA_READERS,
  input: stationProfileRequestSchema,
  output: stationProfileSchema,
  route: {
    method: 'get',
    path: '/stations/{station_id}/profile',
    tag: 'flows',
    params: stationParams,
    query: profileQuery,
    alsoProduces: ['text/csv'],
    errors: [404],
    fromHttp: ({ params, query }: { params: StationParams; query: ProfileQuery }) =>
      stationRange(params, query),
    toHttp: stationRangeParts,
  },
  example: { stationId: '74', bin: '15min' },
})

export const FLOWS = [stationFlows, systemFlows, stationProfile] as const
