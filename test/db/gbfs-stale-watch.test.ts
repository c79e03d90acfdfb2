import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createFeedService } from '../../src/server/gbfs/gbfs.service.js'
import { pollingJob } from '../../src/server/gbfs/polling-job.js'
import { createStaleWatch, STALE_MARGIN_MS } from '../../src/server/gbfs/stale-watch.js'
import { JOBS_LOCK } from '../../src/server/jobs/leader.js'
import { silentLogger } from '../../src/server/logger.js'
import { liveEventOf } from '../../src/shared/live-events.js'
import { waitUntil } from '../helpers/cli.js'
import { closeFeedServers, serveFeed } from '../helpers/gbfs.js'
import { liveSource, openPoll, pollNow } from '../helpers/gbfs-db.js'
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.js'

let test: TestDatabase

beforeAll(async () => {
  test = await createTestDatabase()
})
afterAll(async () => {
  await closeFeedServers()
  await test.drop()
})

/** The product's rule for a feed announcing ttl 10 (the live source's): 5 minutes. */
const STALE_AFTER_S = 300

interface Notice {
  payload: Record<string, unknown>
  receivedAt: number
}

/** Every `station_status` notification, with when it arrived. */
async function listen(): Promise<{ notices: Notice[]; end: () => Promise<void> }> {
  const client = new pg.Client({ connectionString: test.url })
  await client.connect()
  const notices: Notice[] = []
  client.on('notification', (message) => {
    notices.push({
      payload: JSON.parse(message.payload ?? 'null') as Record<string, unknown>,
      receivedAt: Date.now(),
    })
  })
  await client.query('listen station_status')
  return { notices, end: () => client.end() }
}

/**
 * A feed polled once whose data (whole seconds, as GBFS gives it) turns stale 1-2 s from now
 * under the real 5-minute rule; returns the poll and the moment.
 */
async function feedAboutToGoStale(name: string) {
  const { source, state } = liveSource(name)
  const lastUpdated = Math.floor(Date.now() / 1000) - STALE_AFTER_S + 2
  state.lastUpdated = () => lastUpdated
  const server = await serveFeed(source)
  const poll = await openPoll(test.db, { url: server.url })
  const result = await pollNow(poll)
  expect(result.outcome).toBe('ok')
  return { poll, result, state, staleAt: (lastUpdated + STALE_AFTER_S) * 1000 }
}

const staleOf = (notices: Notice[], feedId: number) =>
  notices.filter((n) => n.payload.feedId === feedId && n.payload.outcome === 'stale')

describe('the stale-feed watch', () => {
  it('announces on station_status when the data turns stale, and not before', async () => {
    const listener = await listen()
    const watch = createStaleWatch({ db: test.db, logger: silentLogger() })
    try {
      const { result, staleAt } = await feedAboutToGoStale('goes-stale')
      await watch.observe(result.feedId)
      expect(
        await waitUntil(() => staleOf(listener.notices, result.feedId).length > 0, 6_000),
      ).toBe(true)
      const [notice] = staleOf(listener.notices, result.feedId)
      expect(notice?.receivedAt).toBeGreaterThanOrEqual(staleAt + STALE_MARGIN_MS)
      expect(notice?.receivedAt).toBeLessThan(staleAt + STALE_MARGIN_MS + 1_500)
      expect(notice?.payload).toEqual({
        feedId: result.feedId,
        pollId: result.pollId,
        systemId: 'goes-stale',
        outcome: 'stale',
        statusRowsWritten: 0,
        at: expect.any(String) as string,
      })
      // The console reads it as a station change like any poll's...
      expect(liveEventOf('station_status', JSON.stringify(notice?.payload))?.event).toBe(
        'stations:changed',
      )
      // ...and the server, judging freshness when it reads, now says stale, at the `at` announced.
      const at = new Date(notice?.payload.at as string)
      const service = createFeedService({
        db: test.db,
        feedUrls: () => [],
        lockName: JOBS_LOCK,
        isLeader: () => false,
        now: () => at,
      })
      const stations = await service.stations({ systemId: 'goes-stale' })
      expect(stations.map((station) => station.staleReason)).toEqual([
        'feed_stale',
        'feed_stale',
        'feed_stale',
      ])
      // Once only: nothing re-arms until another poll.
      await new Promise((resolve) => setTimeout(resolve, 300))
      expect(staleOf(listener.notices, result.feedId)).toHaveLength(1)
    } finally {
      await watch.stop()
      await listener.end()
    }
  })

  it('says nothing when newer data arrived before the moment, re-armed or not', async () => {
    const listener = await listen()
    const watch = createStaleWatch({ db: test.db, logger: silentLogger() })
    try {
      const first = await feedAboutToGoStale('refreshed')
      const second = await feedAboutToGoStale('refreshed-by-hand')
      await watch.observe(first.result.feedId)
      await watch.observe(second.result.feedId)
      // Both feeds move on: the first through the leader's poller (which observes again),
      // the second through a `poll-once` by hand beside it (which the watch never hears of).
      first.state.lastUpdated = () => Math.floor(Date.now() / 1000)
      second.state.lastUpdated = () => Math.floor(Date.now() / 1000)
      expect((await pollNow(first.poll)).outcome).toBe('ok')
      await watch.observe(first.result.feedId)
      expect((await pollNow(second.poll)).outcome).toBe('ok')
      await new Promise((resolve) =>
        setTimeout(
          resolve,
          Math.max(first.staleAt, second.staleAt) + STALE_MARGIN_MS + 800 - Date.now(),
        ),
      )
      expect(staleOf(listener.notices, first.result.feedId)).toEqual([])
      expect(staleOf(listener.notices, second.result.feedId)).toEqual([])
    } finally {
      await watch.stop()
      await listener.end()
    }
  })

  it('arms nothing for data already stale: the poll itself was announced', async () => {
    const listener = await listen()
    const watch = createStaleWatch({ db: test.db, logger: silentLogger(), marginMs: 0 })
    try {
      const { source, state } = liveSource('long-stale')
      state.lastUpdated = () => Math.floor(Date.now() / 1000) - 3_600
      const server = await serveFeed(source)
      const result = await pollNow(await openPoll(test.db, { url: server.url }))
      await watch.observe(result.feedId)
      await new Promise((resolve) => setTimeout(resolve, 300))
      expect(listener.notices.map((n) => n.payload.outcome)).toEqual(['ok'])
    } finally {
      await watch.stop()
      await listener.end()
    }
  })

  it('clears its timers on stop', async () => {
    const listener = await listen()
    const watch = createStaleWatch({ db: test.db, logger: silentLogger() })
    try {
      const { result, staleAt } = await feedAboutToGoStale('stopped-watch')
      await watch.observe(result.feedId)
      await watch.stop()
      // Observing after stop (a poll finishing as leadership goes) arms nothing either.
      await watch.observe(result.feedId)
      await new Promise((resolve) =>
        setTimeout(resolve, staleAt + STALE_MARGIN_MS + 800 - Date.now()),
      )
      expect(staleOf(listener.notices, result.feedId)).toEqual([])
    } finally {
      await listener.end()
    }
  })
})

describe('the polling job', () => {
  it('announces a feed gone quiet when its data turns stale, long before its next poll', async () => {
    const listener = await listen()
    const { source, state } = liveSource('job-goes-stale')
    const lastUpdated = Math.floor(Date.now() / 1000) - STALE_AFTER_S + 2
    state.lastUpdated = () => lastUpdated
    const server = await serveFeed(source)
    const job = pollingJob({
      db: test.db,
      logger: silentLogger(),
      identity: 'test-desk:1',
      feeds: [{ url: server.url }],
    })
    const stop = await job.start()
    try {
      // The first poll, then the feed stops answering: the next try is 10 s away at the soonest.
      expect(await waitUntil(() => listener.notices.length > 0, 5_000)).toBe(true)
      state.mode = 'down'
      expect(listener.notices[0]?.payload.outcome).toBe('ok')
      const feedId = listener.notices[0]?.payload.feedId as number
      expect(await waitUntil(() => staleOf(listener.notices, feedId).length > 0, 6_000)).toBe(true)
      const [notice] = staleOf(listener.notices, feedId)
      expect(notice?.receivedAt).toBeGreaterThanOrEqual(
        (lastUpdated + STALE_AFTER_S) * 1000 + STALE_MARGIN_MS,
      )
      expect(notice?.payload).toMatchObject({ systemId: 'job-goes-stale', outcome: 'stale' })
      expect(listener.notices.map((n) => n.payload.outcome)).toEqual(['ok', 'stale'])
    } finally {
      await stop()
      await listener.end()
    }
  })
})
