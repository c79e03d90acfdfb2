import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { EVENT_CHANNELS } from '../../src/server/events/events.routes.js'
import { createNotifyHub, type ChangeEvent } from '../../src/server/events/notify-hub.js'
import { silentLogger } from '../../src/server/logger.js'
import type { FeedPoll, FeedsHealth, StationLive } from '../../src/shared/feeds.js'
import { startApi, type TestApi } from '../helpers/api.js'
import { waitUntil } from '../helpers/cli.js'
import { closeFeedServers, fixture, serveFeed } from '../helpers/gbfs.js'
import { liveSource, openPoll, pollNow } from '../helpers/gbfs-db.js'
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.js'

let database: TestDatabase
let api: TestApi
let dispatcher: string
let liveFeedId: number
let capturedFeedId: number

beforeAll(async () => {
  database = await createTestDatabase()
  api = await startApi(database)
  dispatcher = await api.token('dispatcher', 'desk')
  // A live feed, and a 2023 capture whose numbers are long stale.
  const live = await serveFeed(liveSource('live').source)
  liveFeedId = (await pollNow(await openPoll(database.db, { url: live.url }))).feedId
  const captured = await serveFeed(fixture('legacy-1.0'))
  const capturedPoll = await openPoll(database.db, { url: captured.url })
  capturedFeedId = (await pollNow(capturedPoll)).feedId
  await pollNow(capturedPoll)
})

afterAll(async () => {
  await closeFeedServers()
  await api.close()
  await database.drop()
})

describe('GET /feeds', () => {
  it("tells a dispatcher each feed's health, and which is stale and why", async () => {
    const { status, body } = await api.call('GET', '/feeds', { token: dispatcher })
    expect(status).toBe(200)
    const health = body as FeedsHealth
    expect(health.stale).toBe(true)
    const live = health.feeds.find((feed) => feed.feedId === liveFeedId)
    const captured = health.feeds.find((feed) => feed.feedId === capturedFeedId)
    expect(live).toMatchObject({
      systemId: 'live',
      stale: false,
      staleDetail: null,
      stationsStale: 0,
    })
    expect(captured).toMatchObject({ systemId: 'test_wheels', stale: true, stationsStale: 3 })
    expect(captured?.staleDetail).toMatch(/^the data is \d+ d old, more than the 5 min allowed$/)
    expect(captured?.warnings.map((w) => w.code)).toContain('over_capacity')
  })

  it('is not for crews, nor for callers without a token', async () => {
    const crew = await api.token('crew', 'Van 1')
    expect((await api.call('GET', '/feeds', { token: crew })).status).toBe(403)
    expect((await api.call('GET', '/feeds')).status).toBe(401)
  })
})

describe('GET /feeds/stations', () => {
  it('lists the stations whose numbers are not live, with the reason in words', async () => {
    const { status, body } = await api.call(
      'GET',
      '/feeds/stations?system=test_wheels&stale=true',
      {
        token: dispatcher,
      },
    )
    expect(status).toBe(200)
    const stations = body as StationLive[]
    expect(stations.map((s) => [s.name, s.staleReason])).toEqual([
      ['*Howard St at Grace St', 'feed_stale'],
      ['Broadway at 14th St', 'feed_stale'],
      ['Laguna St at Hayes St', 'feed_stale'],
    ])
    expect(stations[1]).toMatchObject({ bikes: 9, docks: 8, capacity: 15, isRenting: true })
  })

  it('shows live stations as live', async () => {
    const { body } = await api.call('GET', '/feeds/stations?system=live', { token: dispatcher })
    expect((body as StationLive[]).map((s) => [s.stationId, s.stale, s.bikes])).toEqual([
      ['A', false, 5],
      ['B', false, 0],
      ['C', false, 12],
    ])
  })

  it('names a bad query field', async () => {
    const { status, body } = await api.call('GET', '/feeds/stations?stale=maybe', {
      token: dispatcher,
    })
    expect(status).toBe(400)
    expect(body).toMatchObject({
      detail: expect.stringMatching(/^query\.stale: must be true or false/),
    })
  })
})

describe('GET /feeds/{feed_id}/polls', () => {
  it('gives the latest polls first, so a gap in polling can be seen', async () => {
    const { status, body } = await api.call('GET', `/feeds/${capturedFeedId}/polls?limit=5`, {
      token: dispatcher,
    })
    expect(status).toBe(200)
    expect((body as FeedPoll[]).map((p) => [p.outcome, p.statusRowsWritten])).toEqual([
      ['not_modified', 0],
      ['ok', 3],
    ])
  })
})

describe('GET /health', () => {
  it('stays 200 while saying which feed is stale', async () => {
    const { status, body } = await api.call('GET', '/health', { token: dispatcher })
    expect(status).toBe(200)
    const { feeds } = body as {
      feeds: { stale: boolean; items: { feedId: number; stale: boolean }[] }
    }
    expect(feeds.stale).toBe(true)
    expect(feeds.items.find((feed) => feed.feedId === liveFeedId)?.stale).toBe(false)
    expect(feeds.items.find((feed) => feed.feedId === capturedFeedId)?.stale).toBe(true)
  })
})

describe('live changes', () => {
  it('a poll reaches the consoles following /events as a station_status event', async () => {
    const hub = createNotifyHub({
      url: database.url,
      channels: EVENT_CHANNELS,
      logger: silentLogger(),
      retryMs: 50,
    })
    try {
      const heard: ChangeEvent[] = []
      const unsubscribe = hub.subscribe((event) => heard.push(event))
      const { source, state } = liveSource('notified')
      const server = await serveFeed(source)
      const poll = await openPoll(database.db, { url: server.url })
      // The hub connects in the background; poll until it hears one.
      expect(
        await waitUntil(async () => {
          state.stations = state.stations.map((s) => ({ ...s, bikes: s.bikes + 1 }))
          await pollNow(poll)
          return heard.some((event) => event.channel === 'station_status')
        }, 10_000),
      ).toBe(true)
      unsubscribe()
      const notice = JSON.parse(
        heard.find((event) => event.channel === 'station_status')?.payload ?? '{}',
      ) as { systemId: string; outcome: string; statusRowsWritten: number }
      expect(notice).toMatchObject({ systemId: 'notified', outcome: 'ok', statusRowsWritten: 3 })
    } finally {
      await hub.close()
    }
  })
})
