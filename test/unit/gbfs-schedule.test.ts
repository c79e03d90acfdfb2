import { describe, expect, it } from 'vitest'
import { backoffDelay, DEFAULT_LIMITS, nextPollDelay } from '../../src/server/gbfs/schedule.js'

const now = new Date('2025-01-29T09:48:00Z')
const secondsAgo = (s: number) => new Date(now.getTime() - s * 1000)

describe('the next poll of a feed that answered', () => {
  it('comes when the feed says its data changes next: last_updated + ttl', () => {
    expect(nextPollDelay({ lastUpdated: secondsAgo(20), ttl: 60 }, now)).toBe(40_000)
  })

  it('is never sooner than 10 s, however short the ttl or late the feed', () => {
    expect(nextPollDelay({ lastUpdated: secondsAgo(1), ttl: 5 }, now)).toBe(10_000)
    expect(nextPollDelay({ lastUpdated: secondsAgo(3600), ttl: 60 }, now)).toBe(10_000)
  })

  it('is never later than 5 minutes, however long the ttl', () => {
    expect(nextPollDelay({ lastUpdated: secondsAgo(0), ttl: 3600 }, now)).toBe(300_000)
  })

  it('takes the ttl alone without a last_updated, and a minute without either', () => {
    expect(nextPollDelay({ lastUpdated: null, ttl: 30 }, now)).toBe(30_000)
    expect(nextPollDelay({ lastUpdated: null, ttl: null }, now)).toBe(60_000)
  })
})

describe('the retry after failures', () => {
  it('doubles from 10 s up to an hour, never below half of that', () => {
    const low = () => 0
    const high = () => 1
    expect([1, 2, 3, 4].map((n) => backoffDelay(n, high))).toEqual([10_000, 20_000, 40_000, 80_000])
    expect([1, 2, 3, 4].map((n) => backoffDelay(n, low))).toEqual([5_000, 10_000, 20_000, 40_000])
    expect(backoffDelay(12, high)).toBe(DEFAULT_LIMITS.backoffCeilingMs)
    expect(backoffDelay(500, low)).toBe(DEFAULT_LIMITS.backoffCeilingMs / 2)
  })

  it('spreads consoles that failed together', () => {
    const delays = new Set([0.1, 0.5, 0.9].map((r) => backoffDelay(3, () => r)))
    expect(delays.size).toBe(3)
  })
})
