import { cp, mkdtemp, readFile, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { sql } from 'kysely'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createDatabase, createPool } from '../../src/server/db/database.js'
import { refreshImbalanceScores } from '../../src/server/gbfs/gbfs.repository.js'
import { startPolling, type PollResult } from '../../src/server/gbfs/poller.js'
import { silentLogger } from '../../src/server/logger.js'
import { createFeedService } from '../../src/server/gbfs/gbfs.service.js'
import { JOBS_LOCK } from '../../src/server/jobs/leader.js'
import { waitUntil } from '../helpers/cli.js'
import { closeFeedServers, fixture, serveFeed } from '../helpers/gbfs.js'
import { freePort } from '../helpers/ports.js'
import { liveSource, openPoll, pollNow, tableCounts } from '../helpers/gbfs-db.js'
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.js'

let test: TestDatabase

beforeAll(async () => {
  test = await createTestDatabase()
})
afterAll(async () => {
  await closeFeedServers()
  await test.drop()
})

function feedService(now: Date = new Date()) {
  return createFeedService({
    db: test.db,
    feedUrls: () => [],
    lockName: JOBS_LOCK,
    isLeader: () => false,
    now: () => now,
  })
}

async function copyOf(folder: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'balancer-feed-'))
  await cp(fixture(folder), dir, { recursive: true })
  return dir
}

async function editJson(
  path: string,
  edit: (json: { data: { stations: Record<string, unknown>[] } }) => void,
) {
  const json = JSON.parse(await readFile(path, 'utf8')) as {
    data: { stations: Record<string, unknown>[] }
  }
  edit(json)
  await writeFile(path, JSON.stringify(json))
}

describe('a poll of a GBFS 1.0 feed', () => {
  it('stores every station and its status, keyed by the system the feed names', async () => {
    const server = await serveFeed(fixture('legacy-1.0'))
    const result = await pollNow(await openPoll(test.db, { url: server.url }))
    expect(result).toMatchObject({
      outcome: 'ok',
      systemId: 'test_wheels',
      stationsListed: 3,
      stations: { added: 3, updated: 0, inactivated: 0 },
      statusesSeen: 4,
      statuses: { written: 3 },
    })
    const stations = await test.db
      .selectFrom('stations')
      .selectAll()
      .where('system_id', '=', 'test_wheels')
      .orderBy('station_id')
      .execute()
    expect(stations.map((s) => [s.station_id, s.legacy_id, s.short_name, s.capacity])).toEqual([
      ['0f6a3c2e-1b8d-4f0e-9c55-5a7d2f6e8b01', '74', 'SF-J21', 27],
      ['1835733187981824398', '1835733187981824398', 'SF-K28', null],
      ['5b2c7e9a-33d1-4c8e-a0f4-7e6b1d2c9f10', '205', 'OK-L5', 15],
    ])
    const system = await test.db
      .selectFrom('systems')
      .selectAll()
      .where('system_id', '=', 'test_wheels')
      .executeTakeFirstOrThrow()
    expect(system).toMatchObject({
      name: 'Test Wheels',
      timezone: 'America/Los_Angeles',
      language: 'en',
    })
    const latest = await test.db
      .selectFrom('station_status_latest')
      .selectAll()
      .where('system_id', '=', 'test_wheels')
      .orderBy('station_id')
      .execute()
    expect(
      latest.map((l) => [
        l.num_bikes_available,
        l.num_ebikes_available,
        l.num_docks_available,
        l.is_installed,
        l.last_reported?.toISOString() ?? null,
      ]),
    ).toEqual([
      [15, 4, 11, true, '2023-07-19T19:06:46.000Z'],
      [0, 0, 0, false, null],
      [9, 2, 8, true, '2023-07-19T19:05:55.000Z'],
    ])
  })

  it('records the poll and the feed health, with the warnings counted', async () => {
    const server = await serveFeed(fixture('legacy-1.0'))
    const { feedId, pollId } = await pollNow(
      await openPoll(test.db, { url: server.url, systemId: 'recorded' }),
    )
    const poll = await test.db
      .selectFrom('feed_polls')
      .selectAll()
      .where('poll_id', '=', pollId ?? -1)
      .executeTakeFirstOrThrow()
    expect(poll).toMatchObject({
      feed_id: feedId,
      outcome: 'ok',
      http_status: 200,
      // The file lists four statuses; one is for a station it does not describe.
      stations_seen: 4,
      status_rows_written: 3,
      stations_added: 3,
      polled_by: 'test-desk:1',
    })
    const feed = await test.db
      .selectFrom('feeds')
      .selectAll()
      .where('feed_id', '=', feedId)
      .executeTakeFirstOrThrow()
    expect(feed).toMatchObject({
      system_id: 'recorded',
      gbfs_version: null,
      ttl_seconds: 5,
      consecutive_failures: 0,
      last_error: null,
      station_count: 3,
    })
    expect(feed.feed_last_updated?.toISOString()).toBe('2023-07-19T19:06:56.000Z')
    const codes = (feed.warnings as { code: string }[]).map((w) => w.code)
    expect(codes).toEqual(
      expect.arrayContaining(['capacity_zero', 'fake_last_reported', 'over_capacity']),
    )
  })

  it('asks again with validators, and an unchanged feed writes nothing but the poll log', async () => {
    const server = await serveFeed(fixture('legacy-1.0'))
    const poll = await openPoll(test.db, { url: server.url, systemId: 'unchanged' })
    await pollNow(poll)
    const before = await tableCounts(test.db)
    const again = await pollNow(poll)
    expect(again).toMatchObject({ outcome: 'not_modified', statuses: { written: 0 } })
    expect(await tableCounts(test.db)).toEqual(before)
    const log = await test.db
      .selectFrom('feed_polls')
      .select(['outcome', 'http_status'])
      .where('feed_id', '=', again.feedId)
      .orderBy('poll_id')
      .execute()
    expect(log).toEqual([
      { outcome: 'ok', http_status: 200 },
      { outcome: 'not_modified', http_status: 304 },
    ])
  })

  it('does not write a station twice when a second poller reads the same feed', async () => {
    const server = await serveFeed(fixture('legacy-1.0'))
    const config = { url: server.url, systemId: 'twice' }
    const [first, second] = await Promise.all([
      pollNow(await openPoll(test.db, config)),
      pollNow(await openPoll(test.db, config, { polledBy: 'other-desk:2' })),
    ])
    expect(first.statuses.written + second.statuses.written).toBe(3)
    const rows = await test.db
      .selectFrom('station_status')
      .select('station_id')
      .where('system_id', '=', 'twice')
      .execute()
    expect(rows).toHaveLength(3)
  })

  it('tells listening consoles on station_status once the poll is written', async () => {
    const server = await serveFeed(fixture('legacy-1.0'))
    const listener = new pg.Client({ connectionString: test.url })
    await listener.connect()
    try {
      const notices: unknown[] = []
      listener.on('notification', (message) => notices.push(JSON.parse(message.payload ?? 'null')))
      await listener.query('listen station_status')
      const result = await pollNow(
        await openPoll(test.db, { url: server.url, systemId: 'notified' }),
      )
      await new Promise((resolve) => setTimeout(resolve, 200))
      expect(notices).toContainEqual({
        feedId: result.feedId,
        pollId: result.pollId,
        systemId: 'notified',
        outcome: 'ok',
        statusRowsWritten: 3,
        at: result.finishedAt.toISOString(),
      })
    } finally {
      await listener.end()
    }
  })
})

describe('a 3.0 feed beside a 1.0 feed', () => {
  it('lands in the same rows', async () => {
    const legacy = await serveFeed(fixture('legacy-1.0'))
    const v3 = await serveFeed(fixture('v3.0'))
    await pollNow(await openPoll(test.db, { url: legacy.url, systemId: 'shape-legacy' }))
    await pollNow(await openPoll(test.db, { url: v3.url, systemId: 'shape-v3' }))
    const rows = async (system: string) => {
      const { rows } = await sql<Record<string, unknown>>`
        select s.station_id, s.name, s.short_name, s.external_id, s.capacity, s.lat, s.lon,
               l.last_reported, l.num_bikes_available, l.num_ebikes_available,
               l.num_docks_available, l.num_bikes_disabled, l.num_docks_disabled,
               l.is_installed, l.is_renting, l.is_returning
          from stations s join station_status_latest l using (system_id, station_id)
         where s.system_id = ${system} order by s.station_id`.execute(test.db)
      return rows
    }
    const fromV3 = await rows('shape-v3')
    expect(fromV3).toHaveLength(3)
    expect(fromV3).toEqual(await rows('shape-legacy'))
  })
})

describe('a feed that changes', () => {
  it('adds new stations, updates renamed and resized ones, and marks vanished ones inactive', async () => {
    const dir = await copyOf('legacy-1.0')
    const server = await serveFeed(dir)
    const poll = await openPoll(test.db, { url: server.url, systemId: 'changing' })
    await pollNow(poll)
    await editJson(join(dir, 'station_information.json'), (json) => {
      const [laguna, , broadway] = json.data.stations
      if (!laguna || !broadway) throw new Error('fixture changed')
      laguna.name = 'Laguna St at Hayes St (moved)'
      laguna.lat = 37.7765
      broadway.capacity = 19
      json.data.stations.splice(1, 1)
      json.data.stations.push({
        station_id: '0042',
        name: 'New St',
        lat: 37.8,
        lon: -122.3,
        capacity: 11,
      })
    })
    const result = await pollNow(poll)
    expect(result.stations).toEqual({ added: 1, updated: 2, reactivated: 0, inactivated: 1 })
    const stations = await test.db
      .selectFrom('stations')
      .select(['station_id', 'name', 'capacity', 'lat', 'is_active'])
      .where('system_id', '=', 'changing')
      .orderBy('station_id')
      .execute()
    expect(stations).toEqual([
      { station_id: '0042', name: 'New St', capacity: 11, lat: 37.8, is_active: true },
      {
        station_id: '0f6a3c2e-1b8d-4f0e-9c55-5a7d2f6e8b01',
        name: 'Laguna St at Hayes St (moved)',
        capacity: 27,
        lat: 37.7765,
        is_active: true,
      },
      {
        station_id: '1835733187981824398',
        name: '*Howard St at Grace St',
        capacity: null,
        lat: 37.7901,
        is_active: false,
      },
      {
        station_id: '5b2c7e9a-33d1-4c8e-a0f4-7e6b1d2c9f10',
        name: 'Broadway at 14th St',
        capacity: 19,
        lat: 37.8044,
        is_active: true,
      },
    ])
    // The vanished station keeps its history.
    const history = await test.db
      .selectFrom('station_status')
      .select('station_id')
      .where('system_id', '=', 'changing')
      .where('station_id', '=', '1835733187981824398')
      .execute()
    expect(history).toHaveLength(1)
  })

  it('writes a status row only for stations whose counts, flags or last_reported changed', async () => {
    const dir = await copyOf('legacy-1.0')
    const server = await serveFeed(dir)
    const poll = await openPoll(test.db, { url: server.url, systemId: 'counting' })
    await pollNow(poll)
    await editJson(join(dir, 'station_status.json'), (json) => {
      const [laguna, howard, broadway] = json.data.stations
      if (!laguna || !howard || !broadway) throw new Error('fixture changed')
      // Counts move without last_reported moving, as Lyft's feeds do.
      laguna.num_bikes_available = 14
      laguna.num_docks_available = 12
      broadway.is_renting = 0
    })
    const result = await pollNow(poll)
    expect(result.statuses.written).toBe(2)
    const latest = await test.db
      .selectFrom('station_status_latest')
      .select(['station_id', 'num_bikes_available', 'is_renting'])
      .where('system_id', '=', 'counting')
      .orderBy('station_id')
      .execute()
    expect(latest.map((l) => [l.num_bikes_available, l.is_renting])).toEqual([
      [14, true],
      [0, false],
      [9, false],
    ])
  })

  it('marks a station the status file leaves out as missing, and live again when it returns', async () => {
    const dir = await copyOf('legacy-1.0')
    const server = await serveFeed(dir)
    const poll = await openPoll(test.db, { url: server.url, systemId: 'missing' })
    await pollNow(poll)
    const original = await readFile(join(dir, 'station_status.json'), 'utf8')
    await editJson(join(dir, 'station_status.json'), (json) => {
      json.data.stations.splice(0, 1)
    })
    expect((await pollNow(poll)).statuses.nowMissing).toBe(1)
    const feedTime = new Date('2023-07-19T19:07:00Z')
    const stale = await feedService(feedTime).stations({ systemId: 'missing' })
    expect(stale.map((s) => [s.name, s.staleReason])).toEqual([
      ['*Howard St at Grace St', 'never_reported'],
      ['Broadway at 14th St', null],
      ['Laguna St at Hayes St', 'missing_from_feed'],
    ])
    await writeFile(join(dir, 'station_status.json'), original)
    const back = await pollNow(poll)
    expect(back.statuses.written).toBe(1)
    const live = await feedService(feedTime).stations({ systemId: 'missing' })
    expect(live.find((s) => s.name === 'Laguna St at Hayes St')?.staleReason).toBeNull()

    // Each of the three polls read a status file: three snapshots, at the times the rows carry.
    const snapshots = await test.db
      .selectFrom('status_snapshots')
      .select(['observed_at', 'source', 'stations'])
      .where('system_id', '=', 'missing')
      .orderBy('observed_at')
      .execute()
    expect(snapshots.map((s) => [s.source, s.stations])).toEqual([
      ['poll', 3],
      ['poll', 2],
      ['poll', 3],
    ])
    // The spell the station was left out, from the poll that left it out to the one that listed it.
    const absences = await test.db
      .selectFrom('station_status_absences')
      .select(['station_id', 'since', 'until'])
      .where('system_id', '=', 'missing')
      .execute()
    expect(absences).toEqual([
      {
        station_id: expect.any(String),
        since: snapshots[1]?.observed_at,
        until: snapshots[2]?.observed_at,
      },
    ])
  })
})

describe('a feed that fails', () => {
  it('leaves the database as it was when a file is truncated, and says which file', async () => {
    const server = await serveFeed(fixture('truncated'))
    const before = await tableCounts(test.db)
    const result = await pollNow(await openPoll(test.db, { url: server.url }))
    expect(result.outcome).toBe('error')
    expect(result.error).toMatch(
      /^station_information\.json: not valid JSON \(.+; 700 bytes received\)$/,
    )
    expect(await tableCounts(test.db)).toEqual(before)
    const feed = await test.db
      .selectFrom('feeds')
      .selectAll()
      .where('feed_id', '=', result.feedId)
      .executeTakeFirstOrThrow()
    expect(feed).toMatchObject({
      consecutive_failures: 1,
      last_error: result.error,
      last_success_at: null,
    })
  })

  it('goes down, returns garbage, recovers: the last good data stays, goes stale, then resumes', async () => {
    const { source, state } = liveSource('flaky')
    const server = await serveFeed(source)
    const poll = await openPoll(test.db, { url: server.url })
    const good = await pollNow(poll)
    expect(good.outcome).toBe('ok')
    const systemId = good.systemId ?? ''
    expect(systemId).toBe('flaky')
    const service = feedService()
    const healthy = (await service.health()).feeds.find((f) => f.feedId === good.feedId)
    expect(healthy).toMatchObject({ stale: false, stationsStale: 0, consecutiveFailures: 0 })

    const before = await tableCounts(test.db)
    state.mode = 'down'
    const down = await pollNow(poll)
    expect(down.error).toMatch(/^station_(information|status)\.json: HTTP 500/)
    state.mode = 'garbage'
    const garbage = await pollNow(poll)
    expect(garbage.error).toMatch(/^station_status\.json: not valid JSON/)
    expect(garbage.consecutiveFailures).toBe(2)
    expect(await tableCounts(test.db)).toEqual(before)

    // Six minutes on, with no good poll since: the data on screen is no longer live.
    const later = new Date(Date.now() + 6 * 60_000)
    const stale = (await feedService(later).health()).feeds.find((f) => f.feedId === good.feedId)
    expect(stale).toMatchObject({ stale: true, consecutiveFailures: 2, stationsStale: 3 })
    expect(stale?.staleDetail).toMatch(
      /^the data is 6 min old, more than the 5 min allowed; the last 2 poll\(s\) failed: station_status\.json: not valid JSON/,
    )
    const stations = await feedService(later).stations({ systemId })
    expect(stations.map((s) => s.staleReason)).toEqual(['feed_stale', 'feed_stale', 'feed_stale'])

    state.mode = 'ok'
    state.stations = state.stations.map((s) => ({ ...s, bikes: s.bikes + 1 }))
    const back = await pollNow(poll)
    expect(back).toMatchObject({ outcome: 'ok', consecutiveFailures: 0, statuses: { written: 3 } })
    const recovered = (await feedService().health()).feeds.find((f) => f.feedId === good.feedId)
    expect(recovered).toMatchObject({ stale: false, consecutiveFailures: 0 })
    expect(recovered?.lastError).toMatch(/not valid JSON/)
    const log = await test.db
      .selectFrom('feed_polls')
      .select('outcome')
      .where('feed_id', '=', good.feedId)
      .orderBy('poll_id')
      .execute()
    expect(log.map((p) => p.outcome)).toEqual(['ok', 'error', 'error', 'ok'])
  })
})

describe('the poller, left running', () => {
  const limits = { floorMs: 30, ceilingMs: 200, backoffBaseMs: 40, backoffCeilingMs: 160 }

  it('backs off while the feed is down and resumes at its own pace when it returns', async () => {
    const { source, state } = liveSource('scheduled')
    const server = await serveFeed(source)
    state.mode = 'down'
    const results: PollResult[] = []
    const polling = startPolling({
      db: test.db,
      logger: silentLogger(),
      polledBy: 'test-desk:1',
      feeds: [{ url: server.url }],
      limits,
      onPolled: (result) => results.push(result),
    })
    try {
      expect(await waitUntil(() => results.length >= 4, 10_000)).toBe(true)
      state.mode = 'ok'
      expect(await waitUntil(() => results.at(-1)?.outcome === 'ok', 10_000)).toBe(true)
    } finally {
      await polling.stop()
    }
    const failures = results.filter((result) => result.outcome === 'error')
    expect(failures.map((result) => result.consecutiveFailures).slice(0, 4)).toEqual([1, 2, 3, 4])
    // base x 2^(n-1), capped, never less than half of it (the jitter).
    failures.slice(0, 4).forEach((result, index) => {
      const full = Math.min(limits.backoffCeilingMs, limits.backoffBaseMs * 2 ** index)
      const delay = result.nextPollAt.getTime() - result.finishedAt.getTime()
      expect(delay).toBeGreaterThanOrEqual(full / 2)
      expect(delay).toBeLessThanOrEqual(full)
    })
    expect(results.at(-1)).toMatchObject({ outcome: 'ok', consecutiveFailures: 0 })
    // Back to the feed's own schedule: last_updated + ttl 10 s, within the ceiling.
    const last = results.at(-1) as PollResult
    expect(last.nextPollAt.getTime() - last.startedAt.getTime()).toBe(limits.ceilingMs)
  })

  it('polls several feeds side by side, each into its own system', async () => {
    const east = await serveFeed(liveSource('depot-east').source)
    const west = await serveFeed(liveSource('depot-west').source)
    const results: PollResult[] = []
    const polling = startPolling({
      db: test.db,
      logger: silentLogger(),
      polledBy: 'test-desk:1',
      feeds: [{ url: east.url }, { url: west.url }],
      limits,
      onPolled: (result) => results.push(result),
    })
    try {
      expect(
        await waitUntil(
          () =>
            new Set(results.filter((r) => r.outcome === 'ok').map((r) => r.systemId)).size === 2,
          10_000,
        ),
      ).toBe(true)
    } finally {
      await polling.stop()
    }
    const stations = await test.db
      .selectFrom('stations')
      .select(['system_id', 'station_id'])
      .where('system_id', 'in', ['depot-east', 'depot-west'])
      .orderBy('system_id')
      .orderBy('station_id')
      .execute()
    expect(stations.map((s) => `${s.system_id}/${s.station_id}`)).toEqual([
      'depot-east/A',
      'depot-east/B',
      'depot-east/C',
      'depot-west/A',
      'depot-west/B',
      'depot-west/C',
    ])
  })

  it('keeps running, and stops on request, when the database cannot be reached', async () => {
    const port = await freePort()
    const db = createDatabase(
      createPool(`postgres://postgres:x@127.0.0.1:${port}/nowhere`, silentLogger(), { max: 1 }),
    )
    try {
      const polling = startPolling({
        db,
        logger: silentLogger(),
        polledBy: 'test-desk:1',
        feeds: [{ url: 'http://127.0.0.1:9/never/gbfs.json' }],
        limits,
      })
      await new Promise((resolve) => setTimeout(resolve, 300))
      const stopped = Date.now()
      await polling.stop()
      expect(Date.now() - stopped).toBeLessThan(1_000)
    } finally {
      await db.destroy()
    }
  })
})

describe('imbalance scores', () => {
  it('score the latest status once refreshed after a poll', async () => {
    const { source, state } = liveSource('scored')
    state.stations = [
      { id: 'A', bikes: 1, docks: 19 },
      { id: 'B', bikes: 10, docks: 2 },
      { id: 'C', bikes: 10, docks: 10 },
    ]
    const server = await serveFeed(source)
    await pollNow(await openPoll(test.db, { url: server.url }))
    await refreshImbalanceScores(test.db)
    const scores = await test.db
      .selectFrom('imbalance_scores')
      .select(['station_id', 'score'])
      .where('system_id', '=', 'scored')
      .orderBy('station_id')
      .execute()
    expect(scores).toEqual([
      { station_id: 'A', score: 70 },
      { station_id: 'B', score: 30 },
      { station_id: 'C', score: 0 },
    ])
  })
})
