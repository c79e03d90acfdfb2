import { z } from 'zod'
import { stationIdText as stationId, systemIdText as systemId } from './schema-parts.js'
import type { TripRemapReport } from './trips.js'

/**
 * Station flows' shapes, one zod schema each: the HTTP routes validate and document with them,
 * the IPC edge checks the renderer's requests with them, the renderer compiles against the types.
 * Times: `from`/`to` are ISO dates or date-times, local to the system without an offset
 * ("2018-02-01" is its midnight), instants with one ("2018-02-01T08:00:00Z"). The bins are those
 * that start in [from, to), `from` rounded down to its bin.
 */

export const FLOW_BINS = ['15min', 'hour', 'day'] as const
export type FlowBin = (typeof FLOW_BINS)[number]

export const PROFILE_BINS = ['15min', 'hour'] as const
export type ProfileBin = (typeof PROFILE_BINS)[number]

/** A date, or a date and time with or without an offset, as `from` and `to` take them. */
export const FLOW_TIME_PATTERN =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,6})?)?(Z|[+-]\d{2}(?::?\d{2})?)?)?$/

export const flowTime = z
  .string()
  .regex(
    FLOW_TIME_PATTERN,
    'must be a date (2018-02-01) or date and time (2018-02-01T08:15, 2018-02-01T16:15Z)',
  )
const localDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date (2018-02-01)')

/** Which station an answer is about, and the clock its local times are on. */
export const stationHeader = {
  systemId: z.string(),
  stationId: z.string(),
  stationName: z.string(),
  timeZone: z.string(),
}

export const flowRangeSchema = z
  .object({
    systemId: systemId.optional(),
    from: flowTime,
    to: flowTime,
    bin: z.enum(FLOW_BINS).optional(),
  })
  .strict()
export type FlowRange = z.infer<typeof flowRangeSchema>

export const stationFlowsRequestSchema = flowRangeSchema.extend({ stationId }).strict()
export type StationFlowsRequest = z.infer<typeof stationFlowsRequestSchema>

export const stationProfileRequestSchema = z
  .object({
    systemId: systemId.optional(),
    stationId,
    from: localDate.optional(),
    to: localDate.optional(),
    bin: z.enum(PROFILE_BINS).optional(),
  })
  .strict()
export type StationProfileRequest = z.infer<typeof stationProfileRequestSchema>

export const flowPointSchema = z
  .object({
    start: z.string().meta({ description: 'The bin’s start as an instant (ISO 8601, UTC)' }),
    local: z
      .string()
      .meta({ description: 'The same start on the system’s clock', example: '2018-02-01 08:15' }),
    outflow: z.int().meta({ description: 'Trips that left the station (or system) in the bin' }),
    inflow: z.int().meta({ description: 'Trips that arrived in the bin' }),
  })
  .meta({ id: 'FlowPoint' })
export type FlowPoint = z.infer<typeof flowPointSchema>

export const flowSeriesSchema = z
  .object({
    systemId: z.string(),
    stationId: z.string().nullable().meta({ description: 'null for the whole system' }),
    stationName: z.string().nullable(),
    timeZone: z.string(),
    bin: z.enum(FLOW_BINS),
    from: z.string(),
    to: z.string(),
    points: z
      .array(flowPointSchema)
      .meta({ description: 'Every bin of the range, zeros included' }),
    totals: z.object({ outflow: z.int(), inflow: z.int() }),
  })
  .meta({ id: 'FlowSeries' })
export type FlowSeries = z.infer<typeof flowSeriesSchema>

export const profileCellSchema = z
  .object({
    dayOfWeek: z.int().min(1).max(7).meta({ description: 'ISO: 1 = Monday ... 7 = Sunday' }),
    minuteOfDay: z.int().meta({ description: 'Minutes after local midnight the slot starts' }),
    outflow: z.number().meta({ description: 'Mean trips leaving per day in this slot' }),
    inflow: z.number(),
  })
  .meta({ id: 'ProfileCell' })
export type ProfileCell = z.infer<typeof profileCellSchema>

/** The seed's forecasting input: mean flows by day of week and time of day, on the local clock. */
export const stationProfileSchema = z
  .object({
    ...stationHeader,
    bin: z.enum(PROFILE_BINS),
    from: z.string().meta({ description: 'Local date, inclusive' }),
    to: z.string().meta({ description: 'Local date, exclusive' }),
    days: z.array(z.int()).meta({ description: 'How many days of each weekday (Monday first)' }),
    cells: z.array(profileCellSchema),
  })
  .meta({ id: 'StationProfile' })
export type StationProfile = z.infer<typeof stationProfileSchema>

export interface FlowsRefreshReport {
  remapped: TripRemapReport[]
  /** station_flows rebuilt from all trips (only when asked). */
  rebuilt: { systemId: string; bins: number; seconds: number }[]
  imbalanceScoresSeconds: number
}
