/** When to poll a feed next: as the feed asks, within bounds, and backing off when it fails. */
export interface ScheduleLimits {
  /**
   * Never sooner than 10 s after a poll: Bay Wheels' legacy feed announced ttl 5 and Bicing
   * ttl 1, while the stations themselves report every minute or so (median age 55 s in a week
   * of Bay Wheels status); polling faster only burns the operator's bandwidth.
   */
  floorMs: number
  /** Never later than 5 minutes, the GBFS spec's limit on how old data may be. */
  ceilingMs: number
  /** First retry after a failure; doubled per consecutive failure. */
  backoffBaseMs: number
  /** A feed down for hours is retried hourly, not every few seconds. */
  backoffCeilingMs: number
}

export const DEFAULT_LIMITS: ScheduleLimits = {
  floorMs: 10_000,
  ceilingMs: 300_000,
  backoffBaseMs: 10_000,
  backoffCeilingMs: 3_600_000,
}

/**
 * After a poll that reached the feed: at the feed's `last_updated + ttl`, when it says its data
 * changes next, clamped to [floor, ceiling]. A feed whose data stopped moving (last_updated + ttl
 * long past) is asked again at the floor, so it is seen the moment it moves again.
 */
export function nextPollDelay(
  feed: { lastUpdated: Date | null; ttl: number | null },
  now: Date,
  limits: ScheduleLimits = DEFAULT_LIMITS,
): number {
  let delay: number
  if (feed.ttl === null) delay = 60_000
  else if (feed.lastUpdated === null) delay = feed.ttl * 1000
  else delay = feed.lastUpdated.getTime() + feed.ttl * 1000 - now.getTime()
  return Math.min(limits.ceilingMs, Math.max(limits.floorMs, delay))
}

/**
 * After the n-th consecutive failure: base * 2^(n-1), at most the ceiling, with "equal jitter"
 * (half fixed, half random), so that desks and feeds that failed together do not retry in step
 * while no retry comes sooner than half the backoff.
 */
export function backoffDelay(
  failures: number,
  random: () => number = Math.random,
  limits: ScheduleLimits = DEFAULT_LIMITS,
): number {
  const exponent = Math.min(Math.max(failures, 1) - 1, 30)
  const full = Math.min(limits.backoffCeilingMs, limits.backoffBaseMs * 2 ** exponent)
  return full / 2 + random() * (full / 2)
}
