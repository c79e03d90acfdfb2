import type { FeedHealth, FeedsHealth, StationLive } from '../../src/shared/contract.js'
import type { FeedService } from '../../src/server/gbfs/gbfs.service.js'

/** One feed's health, live unless overridden. */
export function feedHealth(overrides: Partial<FeedHealth> = {}): FeedHealth {
  return {
    feedId: 1,
    url: 'https://gbfs.baywheels.com/gbfs/2.3/gbfs.json',
    systemId: 'lyft_bay',
    systemName: 'Bay Wheels',
    timezone: 'America/Los_Angeles',
    gbfsVersion: '2.3',
    ttlSeconds: 60,
    feedLastUpdated: '2025-06-03T14:03:00.000Z',
    dataAgeSeconds: 22,
    staleAfterSeconds: 300,
    stale: false,
    staleDetail: null,
    lastAttemptAt: '2025-06-03T14:03:05.000Z',
    lastSuccessAt: '2025-06-03T14:03:05.000Z',
    lastErrorAt: null,
    lastError: null,
    consecutiveFailures: 0,
    nextPollAt: '2025-06-03T14:04:00.000Z',
    polledBy: 'depot-desk-1:4242',
    stationCount: 518,
    stationsStale: 17,
    warnings: [],
    ...overrides,
  }
}

export function feedsHealth(feeds: FeedHealth[] = [feedHealth()]): FeedsHealth {
  return {
    leader: 'depot-desk-1:4242',
    pollingHere: true,
    feeds,
    stale: feeds.some((feed) => feed.stale),
    checkedAt: '2025-06-03T14:03:22.000Z',
  }
}

/** A feed service answering fixed values, for tests of the layers above it. */
export function fakeFeedService(
  health: FeedsHealth = feedsHealth(),
  stations: StationLive[] = [],
): FeedService {
  return {
    health: () => Promise.resolve(health),
    stations: () => Promise.resolve(stations),
    polls: () => Promise.resolve([]),
  }
}
