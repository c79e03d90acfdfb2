import type { FEEDS } from '../../shared/operations/feeds.js'
import { uncached, type Implementations } from '../operations/context.js'

/** src/shared/operations/feeds.ts, done. Live numbers are never cached. */
export const FEED_OPERATIONS: Implementations<(typeof FEEDS)[number]['name']> = {
  'feeds:health': {
    run: (_input, context) => uncached(context, context.services.feeds.health()),
  },
  'feeds:stations': {
    run: (query, context) => uncached(context, context.services.feeds.stations(query)),
  },
  'feeds:polls': {
    run: ({ feed_id, limit }, { services }) => services.feeds.polls(feed_id, limit),
  },
}
