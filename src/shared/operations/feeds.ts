import { z } from 'zod'
import { idParams, idSchema } from '../dispatch.js'
import {
  feedPollSchema,
  feedsHealthSchema,
  pollsHttpQuerySchema,
  stationLiveSchema,
  stationsHttpQuerySchema,
  stationsQuerySchema,
} from '../feeds.js'
import { NONE, operation } from './operation.js'
import { DATA_READERS } from './roles.js'

/**
 * Feed health, station freshness and the poll log: what the console shows so that nobody takes
 * yesterday's numbers for live ones. Crews do not need them.
 */

export const feedsHealth = operation({
  name: 'feeds:health',
  summary: "Every configured GBFS feed's health: live or stale, and why",
  description:
    'A feed is stale when its data is older than the GBFS limit of 5 minutes (or twice its ttl, when that is longer), whether because polls fail or because the feed stopped moving.',
  roles: DATA_READERS,
  input: NONE,
  output: feedsHealthSchema,
  route: { method: 'get', path: '/feeds', tag: 'feeds' },
  example: undefined,
})

export const liveStations = operation({
  name: 'feeds:stations',
  summary: "Every active station's latest numbers, and whether they are live",
  roles: DATA_READERS,
  input: stationsQuerySchema,
  output: z.array(stationLiveSchema),
  route: {
    method: 'get',
    path: '/feeds/stations',
    tag: 'feeds',
    query: stationsHttpQuerySchema,
    fromHttp: ({ query }: { query: z.output<typeof stationsHttpQuerySchema> }) => ({
      systemId: query.system,
      staleOnly: query.stale,
      stationId: query.station,
    }),
    toHttp: ({ systemId, staleOnly, stationId }) => ({
      query: { system: systemId, stale: staleOnly, station: stationId },
    }),
  },
  example: { staleOnly: true },
})

export const feedPolls = operation({
  name: 'feeds:polls',
  summary: "A feed's latest polls, newest first (a gap in polling shows as a gap here)",
  roles: DATA_READERS,
  input: z.object({ feed_id: idSchema, limit: z.int().min(1).max(1000).optional() }).strict(),
  output: z.array(feedPollSchema),
  route: {
    method: 'get',
    path: '/feeds/{feed_id}/polls',
    tag: 'feeds',
    params: idParams('feed_id'),
    query: pollsHttpQuerySchema,
  },
  // The System page shows each feed's health; the poll log is for whoever investigates.
  desktop: false,
  example: { feed_id: 1, limit: 50 },
})

export const FEEDS = [feedsHealth, liveStations, feedPolls] as const
