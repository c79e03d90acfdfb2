import { z } from 'zod'
import { limitParam, nonEmptyText } from './schema-parts.js'

/**
 * The GBFS feeds' health and the stations' freshness, one zod schema each: the HTTP edge
 * documents its answers with them, the IPC edge checks the renderer's requests with them, and the
 * renderer compiles against the types inferred from them. Times are ISO-8601 UTC.
 */

const isoTime = z.string().describe('ISO-8601 time')

const idText = nonEmptyText(200)

/** A deviation or implausibility in a feed, grouped and counted. */
export const feedWarningSchema = z.object({
  /** The GBFS file it is about, e.g. "station_status". */
  file: z.string(),
  code: z.string(),
  message: z.string(),
  count: z.int(),
  /** A few station ids or JSON paths where it happened. */
  examples: z.array(z.string()),
})
export type FeedWarningInfo = z.infer<typeof feedWarningSchema>

/** One GBFS feed's health: is what the console shows from it live, and if not, why. */
export const feedHealthSchema = z.object({
  feedId: z.int(),
  url: z.string(),
  systemId: z.string().nullable(),
  systemName: z.string().nullable(),
  /** IANA zone from system_information, for times in the system's own clock. */
  timezone: z.string().nullable(),
  gbfsVersion: z.string().nullable(),
  ttlSeconds: z.int().nullable(),
  /** The feed's own last_updated of the data we hold. */
  feedLastUpdated: isoTime.nullable(),
  /** now - feedLastUpdated; null before the first successful poll. */
  dataAgeSeconds: z.number().nullable(),
  /** The spec's 5 minutes, or 2 x ttl when the feed announces a longer ttl. */
  staleAfterSeconds: z.int(),
  stale: z.boolean(),
  /** Why the numbers are not live, in words; null when they are. */
  staleDetail: z.string().nullable(),
  lastAttemptAt: isoTime.nullable(),
  lastSuccessAt: isoTime.nullable(),
  lastErrorAt: isoTime.nullable(),
  lastError: z.string().nullable(),
  consecutiveFailures: z.int(),
  nextPollAt: isoTime.nullable(),
  /** The console that polled it last ("host:pid"). */
  polledBy: z.string().nullable(),
  stationCount: z.int().nullable(),
  stationsStale: z.int(),
  warnings: z.array(feedWarningSchema),
})
export type FeedHealth = z.infer<typeof feedHealthSchema>

export const feedsHealthSchema = z.object({
  /** The console that polls the feeds and runs the scheduled jobs now; null when none does. */
  leader: z.string().nullable(),
  /** Whether that is this console. */
  pollingHere: z.boolean(),
  feeds: z.array(feedHealthSchema),
  /** True when any feed is stale. */
  stale: z.boolean(),
  checkedAt: isoTime,
})
export type FeedsHealth = z.infer<typeof feedsHealthSchema>

export const STATION_STALE_REASONS = [
  'no_status',
  'feed_stale',
  'missing_from_feed',
  'never_reported',
  'report_old',
] as const
export type StationStaleReason = (typeof STATION_STALE_REASONS)[number]

/** A station's latest numbers as the feed gave them, and whether they are live. */
export const stationLiveSchema = z.object({
  systemId: z.string(),
  stationId: z.string(),
  name: z.string(),
  shortName: z.string().nullable(),
  capacity: z.int().nullable(),
  lat: z.number(),
  lon: z.number(),
  bikes: z.int().nullable(),
  ebikes: z.int().nullable(),
  docks: z.int().nullable(),
  isInstalled: z.boolean().nullable(),
  isRenting: z.boolean().nullable(),
  isReturning: z.boolean().nullable(),
  lastReported: isoTime.nullable(),
  /** When the poller first saw these numbers. */
  observedAt: isoTime.nullable(),
  stale: z.boolean(),
  staleReason: z.enum(STATION_STALE_REASONS).nullable(),
  /** The reason in words, e.g. "last reported 3 d ago". */
  staleDetail: z.string().nullable(),
  /** Bikes and docks the feed reports out of service (null when it does not say). */
  bikesDisabled: z.int().nullable(),
  docksDisabled: z.int().nullable(),
  /** The seed's urgency (imbalance_scores): bikes <= 2 -> 70, docks <= 2 -> 30; null without numbers. */
  score: z.int().nullable(),
  /** station_information's region_id, when the feed groups its stations. */
  regionId: z.string().nullable(),
  /** Its name from system_regions.json, when the feed publishes one. */
  regionName: z.string().nullable().optional(),
  /**
   * The engine's expected failed rentals plus returns over the next
   * `expectedFailuresHorizonMinutes` at the station's latest count (its demand model, from the
   * last run within 2 h); null when the system has no model or no recent run.
   */
  expectedFailures: z.number().nullable().optional(),
  expectedFailuresHorizonMinutes: z.int().nullable().optional(),
  systemName: z.string(),
  /** The system's IANA zone, for its times on its own clock. */
  timeZone: z.string(),
})
export type StationLive = z.infer<typeof stationLiveSchema>

export const stationsQuerySchema = z
  .object({
    systemId: idText.optional(),
    /** Only the stations whose numbers are not live. */
    staleOnly: z.boolean().optional(),
    /** One station of the system (a station's own page). */
    stationId: idText.optional(),
  })
  .strict()
export type StationsQuery = z.infer<typeof stationsQuerySchema>

/** One poll as the poll log keeps it: gaps in polling show as gaps in this list. */
export const feedPollSchema = z.object({
  pollId: z.int(),
  startedAt: isoTime,
  finishedAt: isoTime,
  outcome: z.enum(['ok', 'not_modified', 'error']),
  httpStatus: z.int().nullable(),
  feedLastUpdated: isoTime.nullable(),
  stationsSeen: z.int().nullable(),
  statusRowsWritten: z.int().nullable(),
  stationsAdded: z.int().nullable(),
  stationsInactivated: z.int().nullable(),
  error: z.string().nullable(),
  polledBy: z.string().nullable(),
})
export type FeedPoll = z.infer<typeof feedPollSchema>

/** GET /feeds/stations?system=lyft_bay&stale=true */
export const stationsHttpQuerySchema = z
  .object({
    system: idText.optional(),
    stale: z
      .enum(['true', 'false'], { error: 'must be true or false' })
      .transform((value) => value === 'true')
      .optional(),
    station: idText.optional(),
  })
  .strict()

/** GET /feeds/{feed_id}/polls?limit=50 */
export const pollsHttpQuerySchema = z
  .object({
    limit: limitParam(4, 1000).optional(),
  })
  .strict()
