import { z } from 'zod'
import { limitParam, stationIdText as stationId, systemIdText as systemId } from './schema-parts.js'
import { stationLiveSchema } from './feeds.js'
import { flowTime as time, stationHeader } from './flows.js'

/**
 * One station's own pages beyond its live numbers: the bikes it held over time (from the status
 * history, which keeps a row only when something changed) and its neighbours with their fill.
 * Times as in flows: local to the system without an offset, instants with one.
 */

/** A history covers at most this many days (a chart of more would say nothing). */
export const MAX_HISTORY_DAYS = 400

/** At most this many points in a history answer: a chart never draws more. */
export const MAX_HISTORY_POINTS = 2_000

export const stationHistoryRequestSchema = z
  .object({
    systemId: systemId.optional(),
    stationId,
    /** Default: a day before `to`. */
    from: time.optional(),
    /** Exclusive; default now. */
    to: time.optional(),
  })
  .strict()
export type StationHistoryRequest = z.infer<typeof stationHistoryRequestSchema>

export const historyPointSchema = z
  .object({
    at: z.string().meta({ description: 'From this instant on (ISO 8601, UTC)' }),
    bikes: z.int().meta({ description: 'Bikes available (the last state when downsampled)' }),
    ebikes: z.int().nullable(),
    docks: z.int(),
    minBikes: z.int().meta({ description: 'Fewest bikes from `at` until the next point' }),
    maxBikes: z.int().meta({ description: 'Most bikes from `at` until the next point' }),
    isRenting: z.boolean(),
  })
  .meta({ id: 'HistoryPoint' })
export type HistoryPoint = z.infer<typeof historyPointSchema>

export const historyGapSchema = z
  .object({
    from: z.string().meta({ description: 'ISO 8601, UTC' }),
    to: z.string().meta({ description: 'Exclusive' }),
  })
  .meta({ id: 'HistoryGap' })
export type HistoryGap = z.infer<typeof historyGapSchema>

export const stationHistorySchema = z
  .object({
    ...stationHeader,
    from: z.string(),
    to: z.string(),
    /** State changes recorded in the range (the state held at `from` included). */
    changes: z.int(),
    /** Null when every change is a point; else the width of the buckets the range was cut in. */
    bucketSeconds: z.number().nullable(),
    points: z.array(historyPointSchema).meta({
      description: `Each state holds until the next point; at most ${MAX_HISTORY_POINTS}, the last repeated at the range's end (or now)`,
    }),
    gaps: z.array(historyGapSchema).meta({
      description:
        'Stretches with no reading of the system’s status (polls further apart than twice their median spacing, at least 15 minutes, or none at all): a point there only repeats the last known state',
    }),
    lastDataAt: z
      .string()
      .nullable()
      .meta({ description: 'The system’s last status reading, whatever the range (null: none)' }),
  })
  .meta({ id: 'StationHistory' })
export type StationHistory = z.infer<typeof stationHistorySchema>

export const stationNearbyRequestSchema = z
  .object({
    systemId: systemId.optional(),
    stationId,
    limit: z.int().min(1, 'must be at least 1').max(50, 'must be at most 50').optional(),
  })
  .strict()
export type StationNearbyRequest = z.infer<typeof stationNearbyRequestSchema>

export const nearbyStationSchema = stationLiveSchema
  .extend({ distanceMeters: z.number() })
  .meta({ id: 'NearbyStation' })
export type NearbyStation = z.infer<typeof nearbyStationSchema>

/** GET /stations/{id}/history?system=&from=&to= */
export const stationHistoryHttpQuerySchema = z
  .object({
    system: systemId.optional(),
    from: time.optional(),
    to: time.optional(),
  })
  .strict()

/** GET /stations/{id}/nearby?system=&limit= */
export const stationNearbyHttpQuerySchema = z
  .object({
    system: systemId.optional(),
    limit: limitParam(3, 50).optional(),
  })
  .strict()
