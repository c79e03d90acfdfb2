import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { replaySource } from '../../src/server/gbfs/feed-server.js'
import { loadHistory, type StatusHistory } from '../../src/server/gbfs/history.js'
import { createFeedService } from '../../src/server/gbfs/gbfs.service.js'
import { JOBS_LOCK } from '../../src/server/jobs/leader.js'
import { readFile } from 'node:fs/promises'
import { closeFeedServers, fixture, serveFeed } from '../helpers/gbfs.js'
import { openPoll, pollNow } from '../helpers/gbfs-db.js'
import { hasSharedData, NEEDS_SHARED_DATA, sharedData } from '../helpers/shared-data.js'
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.js'

let test: TestDatabase

beforeAll(async () => {
  test = await createTestDatabase()
})
afterAll(async () => {
  await closeFeedServers()
  await test.drop()
})

/** A replay whose clock the test moves. */
async function replay(history: StatusHistory, information: string, speed: number) {
  let clock = Date.now()
  const source = replaySource(history, {
    speed,
    name: 'replay',
    stationInformation: { body: await readFile(information, 'utf8'), lastModified: new Date(0) },
    now: () => clock,
  })
  const server = await serveFeed(source)
  return {
    url: server.url,
    /** Moves the replay on by this much recorded time. */
    advance(recordedMs: number) {
      clock += recordedMs / speed
    },
  }
}

async function latest(systemId: string) {
  return test.db
    .selectFrom('station_status_latest')
    .select(['station_id', 'num_bikes_available', 'is_renting', 'last_reported'])
    .where('system_id', '=', systemId)
    .orderBy('station_id')
    .execute()
}

describe('a replayed history', () => {
  it('moves the latest status as the recorded polls come due, and reads as live', async () => {
    const history = await loadHistory(fixture('history', 'station_status.csv'))
    expect(history.snapshots).toHaveLength(3)
    const feed = await replay(history, fixture('history', 'station_information_first.json'), 60)
    const poll = await openPoll(test.db, { url: feed.url, systemId: 'replayed' })

    const first = await pollNow(poll)
    expect(first.statuses.written).toBe(3)
    expect((await latest('replayed')).map((row) => row.num_bikes_available)).toEqual([15, 0, 9])

    const gap = (index: number) =>
      (history.snapshots[index]?.pollTime ?? 0) - (history.snapshots[index - 1]?.pollTime ?? 0)
    feed.advance(gap(1))
    const second = await pollNow(poll)
    expect(second.statuses.written).toBe(1)
    expect((await latest('replayed')).map((row) => row.num_bikes_available)).toEqual([12, 0, 9])

    feed.advance(gap(2))
    const third = await pollNow(poll)
    // One station's counts changed; another only reported again (last_reported moved).
    expect(third.statuses.written).toBe(2)
    const rows = await latest('replayed')
    expect(rows.map((row) => [row.num_bikes_available, row.is_renting])).toEqual([
      [12, true],
      [0, false],
      [7, false],
    ])
    // The sentinel stays a sentinel; recorded times are shifted to now, so the feed is live.
    expect(rows[1]?.last_reported).toBeNull()
    const health = await createFeedService({
      db: test.db,
      feedUrls: () => [feed.url],
      lockName: JOBS_LOCK,
      isLeader: () => false,
    }).health()
    expect(health.feeds[0]).toMatchObject({ stale: false, systemId: 'replayed' })
    expect(health.feeds[0]?.ttlSeconds).toBeGreaterThanOrEqual(1)
  })

  it.skipIf(!hasSharedData)(
    `replays the recorded week of Bay Wheels status${NEEDS_SHARED_DATA}`,
    async () => {
      const dir = sharedData('status-history', 'baywheels-2023-07-10_16')
      const history = await loadHistory(`${dir}/station_status.csv.gz`)
      expect(history.snapshots).toHaveLength(879)
      expect(history.stationIds).toHaveLength(517)
      const feed = await replay(history, `${dir}/station_information_first.json`, 600)
      const poll = await openPoll(test.db, { url: feed.url, systemId: 'week' })
      const first = await pollNow(poll)
      expect(first).toMatchObject({ outcome: 'ok', stationsListed: 517, statusesSeen: 517 })
      const before = new Map((await latest('week')).map((row) => [row.station_id, row]))
      feed.advance(60 * 60_000)
      const later = await pollNow(poll)
      expect(later.outcome).toBe('ok')
      expect(later.statuses.written).toBeGreaterThan(50)
      const after = await latest('week')
      const moved = after.filter(
        (row) => before.get(row.station_id)?.num_bikes_available !== row.num_bikes_available,
      )
      expect(moved.length).toBeGreaterThan(20)
    },
    60_000,
  )
})
