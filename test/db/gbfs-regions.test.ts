import { cp, mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { StationLive } from '../../src/shared/feeds.js'
import { createFeedService } from '../../src/server/gbfs/gbfs.service.js'
import { JOBS_LOCK } from '../../src/server/jobs/leader.js'
import { closeFeedServers, fixture, serveFeed } from '../helpers/gbfs.js'
import { openPoll, pollNow } from '../helpers/gbfs-db.js'
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.js'

let test: TestDatabase

beforeAll(async () => {
  test = await createTestDatabase()
})
afterAll(async () => {
  await closeFeedServers()
  await test.drop()
})

function regionsFile(regions: { region_id: string; name: string }[]): string {
  return JSON.stringify({ last_updated: 1_700_000_000, ttl: 60, data: { regions } })
}

describe("system_regions.json: the region ids' names", () => {
  it('are stored with the system, shown on the stations, and follow the file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'balancer-regions-'))
    await cp(fixture('legacy-1.0'), dir, { recursive: true })
    await writeFile(
      join(dir, 'system_regions.json'),
      regionsFile([
        { region_id: '3', name: 'San Francisco' },
        { region_id: '12', name: 'Oakland' },
        { region_id: '99', name: 'Nowhere yet' },
      ]),
    )
    const server = await serveFeed(dir)
    const poll = await openPoll(test.db, { url: server.url, systemId: 'regions' })
    await pollNow(poll)
    const stored = () =>
      test.db
        .selectFrom('system_regions')
        .select(['region_id', 'name'])
        .where('system_id', '=', 'regions')
        .orderBy('region_id')
        .execute()
    expect(await stored()).toEqual([
      { region_id: '12', name: 'Oakland' },
      { region_id: '3', name: 'San Francisco' },
      { region_id: '99', name: 'Nowhere yet' },
    ])
    const feeds = createFeedService({
      db: test.db,
      feedUrls: () => [],
      lockName: JOBS_LOCK,
      isLeader: () => false,
    })
    const byRegion = (stations: StationLive[]): Record<string, string | null> =>
      Object.fromEntries(
        stations.flatMap((s) => (s.regionId ? [[s.regionId, s.regionName ?? null] as const] : [])),
      )
    expect(byRegion(await feeds.stations({ systemId: 'regions' }))).toEqual({
      '3': 'San Francisco',
      '12': 'Oakland',
    })

    // Renamed and dropped in the feed: the same in the database at the next poll.
    await writeFile(
      join(dir, 'system_regions.json'),
      regionsFile([{ region_id: '12', name: 'Oakland (East Bay)' }]),
    )
    await pollNow(poll)
    expect(await stored()).toEqual([{ region_id: '12', name: 'Oakland (East Bay)' }])
    expect(byRegion(await feeds.stations({ systemId: 'regions' }))).toEqual({
      '3': null,
      '12': 'Oakland (East Bay)',
    })
  })
})
