import type { FeedHealth } from '../../src/shared/feeds'

/**
 * Bay Wheels' feed as `feeds:health` describes it at `now`: polled 30 s ago, its data 40 s old,
 * every station live; any field overridden.
 */
export function feedHealth(now: number, rest: Partial<FeedHealth> = {}): FeedHealth {
  const polled = new Date(now - 30_000).toISOString()
  return {
    feedId: 1,
    url: 'https://gbfs.baywheels.com/gbfs/2.3/gbfs.json',
    systemId: 'bay_wheels',
    systemName: 'Bay Wheels',
    timezone: 'America/Los_Angeles',
    gbfsVersion: '2.3',
    ttlSeconds: 60,
    feedLastUpdated: new Date(now - 40_000).toISOString(),
    dataAgeSeconds: 40,
    staleAfterSeconds: 300,
    stale: false,
    staleDetail: null,
    lastAttemptAt: polled,
    lastSuccessAt: polled,
    lastErrorAt: null,
    lastError: null,
    consecutiveFailures: 0,
    nextPollAt: null,
    polledBy: 'depot:1',
    stationCount: 517,
    stationsStale: 0,
    warnings: [],
    ...rest,
  }
}
