import { z } from 'zod'
import { idParamSchema } from '../../shared/dispatch.js'
import {
  feedPollSchema,
  feedsHealthSchema,
  pollsHttpQuerySchema,
  stationLiveSchema,
  stationsHttpQuerySchema,
} from '../../shared/feeds.js'
import { ApiRouter } from '../http/api-router.js'
import type { FeedService } from './gbfs.service.js'

/**
 * Feed health, station freshness and the poll log: what the console shows so that nobody takes
 * yesterday's numbers for live ones. Dispatchers, analysts and engines read them; crews do not
 * need them.
 */
export function feedRoutes(feeds: FeedService): ApiRouter {
  const api = new ApiRouter()
  const readers = ['dispatcher', 'analyst', 'engine'] as const

  api.channelEndpoint(
    'feeds:health',
    feeds,
    {
      method: 'get',
      path: '/feeds',
      tag: 'feeds',
      summary: "Every configured GBFS feed's health: live or stale, and why",
      description:
        'A feed is stale when its data is older than the GBFS limit of 5 minutes (or twice its ttl, when that is longer), whether because polls fail or because the feed stopped moving.',
      access: readers,
      response: feedsHealthSchema,
    },
    (health, { res }) => {
      res.setHeader('Cache-Control', 'no-store')
      return health()
    },
  )

  api.channelEndpoint(
    'feeds:stations',
    feeds,
    {
      method: 'get',
      path: '/feeds/stations',
      tag: 'feeds',
      summary: "Every active station's latest numbers, and whether they are live",
      access: readers,
      query: stationsHttpQuerySchema,
      response: z.array(stationLiveSchema),
    },
    (stations, { query, res }) => {
      res.setHeader('Cache-Control', 'no-store')
      return stations({
        systemId: query.system,
        staleOnly: query.stale,
        stationId: query.station,
      })
    },
  )

  api.endpoint(
    {
      method: 'get',
      path: '/feeds/{feed_id}/polls',
      tag: 'feeds',
      summary: "A feed's latest polls, newest first (a gap in polling shows as a gap here)",
      access: readers,
      params: z.object({ feed_id: idParamSchema }).strict(),
      query: pollsHttpQuerySchema,
      response: z.array(feedPollSchema),
    },
    ({ params, query }) => feeds.polls(params.feed_id, query.limit),
  )

  return api
}
