import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { refreshImbalanceScores } from '../../src/server/gbfs/gbfs.repository.js'
import type { Suggestion } from '../../src/shared/dispatch.js'
import type { StationLive } from '../../src/shared/feeds.js'
import type { NearbyStation, StationHistory } from '../../src/shared/stations.js'
import { startApi, type TestApi } from '../helpers/api.js'
import { seedStations, SYSTEM } from '../helpers/fixtures.js'
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.js'

let database: TestDatabase
let api: TestApi
let analyst: string

const T0 = Date.parse('2025-01-29T08:00:00Z')
const at = (minutes: number) => new Date(T0 + minutes * 60_000)

/** One status row: the history keeps a row only when something changed. */
async function status(
  stationId: string,
  minutes: number,
  bikes: number,
  docks: number,
  systemId = SYSTEM,
): Promise<void> {
  await database.db
    .insertInto('station_status')
    .values({
      system_id: systemId,
      station_id: stationId,
      ts: at(minutes),
      last_reported: at(minutes),
      num_bikes_available: bikes,
      num_ebikes_available: 1,
      num_docks_available: docks,
      num_bikes_disabled: 1,
      num_docks_disabled: 2,
      is_installed: true,
      is_renting: true,
      is_returning: true,
    })
    .execute()
}

beforeAll(async () => {
  database = await createTestDatabase()
  // A row of stations going east from the Ferry Building, 0.001° of longitude (~88 m) apart, the
  // last one far off; one inactive neighbour that must never be offered; another system on top.
  await seedStations(database.db, [
    { station_id: 'FERRY', name: 'Ferry Building', lat: 37.7955, lon: -122.3937 },
    { station_id: 'E3', lat: 37.7955, lon: -122.3907 },
    { station_id: 'E1', lat: 37.7955, lon: -122.3927 },
    { station_id: 'E2', lat: 37.7955, lon: -122.3917 },
    { station_id: 'GONE', lat: 37.7955, lon: -122.3936, is_active: false },
    { station_id: 'FAR', lat: 37.8716, lon: -122.2727 },
  ])
  await seedStations(
    database.db,
    [{ station_id: 'OTHER', lat: 37.7955, lon: -122.3938 }],
    'other_system',
  )
  await sql`select ensure_station_status_partitions(${at(-60 * 24 * 40)}, ${at(60 * 24)})`.execute(
    database.db,
  )
  // FERRY: 10 bikes from a month ago, then 4 at 08:00, 0 at 08:30, 7 at 09:00.
  await status('FERRY', -60 * 24 * 30, 10, 5)
  await status('FERRY', 0, 4, 11)
  await status('FERRY', 30, 0, 15)
  await status('FERRY', 60, 7, 8)
  await database.db
    .insertInto('station_status_latest')
    .values({
      system_id: SYSTEM,
      station_id: 'E1',
      ts: at(0),
      last_reported: at(0),
      num_bikes_available: 1,
      num_ebikes_available: 0,
      num_docks_available: 18,
      num_bikes_disabled: 2,
      num_docks_disabled: 1,
      is_installed: true,
      is_renting: true,
      is_returning: true,
    })
    .execute()
  await database.db
    .updateTable('stations')
    .set({ region_id: '3' })
    .where('station_id', '=', 'E1')
    .execute()
  await refreshImbalanceScores(database.db)
  api = await startApi(database)
  analyst = await api.token('analyst', 'analyst desk')
})

afterAll(async () => {
  await api.close()
  await database.drop()
})

async function history(query: string): Promise<StationHistory> {
  const { status: code, body } = await api.call('GET', `/stations/FERRY/history?${query}`, {
    token: analyst,
  })
  expect(code, JSON.stringify(body)).toBe(200)
  return body as StationHistory
}

describe('GET /stations/{id}/history', () => {
  it('starts with the state held at from and repeats the last one at the end', async () => {
    const answer = await history(
      `system=${SYSTEM}&from=2025-01-29T07:00:00Z&to=2025-01-29T10:00:00Z`,
    )
    expect(answer.bucketSeconds).toBeNull()
    expect(answer.changes).toBe(4)
    expect(answer.points.map((p) => [p.at, p.bikes])).toEqual([
      // The state from a month before, held until 08:00.
      ['2025-01-29T07:00:00.000Z', 10],
      ['2025-01-29T08:00:00.000Z', 4],
      ['2025-01-29T08:30:00.000Z', 0],
      ['2025-01-29T09:00:00.000Z', 7],
      ['2025-01-29T10:00:00.000Z', 7],
    ])
    expect(answer.points[2]).toMatchObject({ docks: 15, ebikes: 1, minBikes: 0, maxBikes: 0 })
  })

  it('names the stretches with no status reading as gaps, never as the last state held', async () => {
    // Polls every 5 minutes from 07:00 to 09:00, none until 09:40, then every 5 minutes to 10:00.
    const polls = [...Array.from({ length: 25 }, (_, i) => 5 * i), 160, 165, 170, 175, 180]
    await database.db
      .insertInto('status_snapshots')
      .values(
        polls.map((minutes) => ({
          system_id: SYSTEM,
          observed_at: at(minutes - 60),
          source: 'poll',
          stations: 6,
        })),
      )
      .execute()
    const answer = await history(
      `system=${SYSTEM}&from=2025-01-29T07:00:00Z&to=2025-01-29T11:00:00Z`,
    )
    // 40 minutes without a poll is more than twice the 5-minute median (and the 15-minute
    // floor); the hour after the last poll is unknown too.
    expect(answer.gaps).toEqual([
      { from: '2025-01-29T09:00:00.000Z', to: '2025-01-29T09:40:00.000Z' },
      { from: '2025-01-29T10:00:00.000Z', to: '2025-01-29T11:00:00.000Z' },
    ])
    expect(answer.lastDataAt).toBe('2025-01-29T10:00:00.000Z')
    // As CSV: the state runs up to the gap, which is a row without figures.
    const csv = await fetch(
      `${api.url}/stations/FERRY/history?system=${SYSTEM}&from=2025-01-29T07:00:00Z&to=2025-01-29T11:00:00Z&format=csv`,
      { headers: { authorization: `Bearer ${analyst}` } },
    )
    expect(csv.headers.get('content-type')).toBe('text/csv; charset=utf-8')
    const lines = (await csv.text()).trim().split('\r\n')
    expect(lines[0]).toBe(
      'system_id,station_id,from_utc,bikes,ebikes,docks,min_bikes,max_bikes,is_renting',
    )
    expect(lines.slice(4, 7)).toEqual([
      `${SYSTEM},FERRY,2025-01-29T09:00:00.000Z,7,1,8,7,7,true`,
      `${SYSTEM},FERRY,2025-01-29T09:00:00.000Z,,,,,,`,
      `${SYSTEM},FERRY,2025-01-29T09:40:00.000Z,7,1,8,7,7,true`,
    ])
    expect(lines.at(-1)).toBe(`${SYSTEM},FERRY,2025-01-29T10:00:00.000Z,,,,,,`)
    // Before the first poll nothing was read at all.
    const earlier = await history(
      `system=${SYSTEM}&from=2025-01-29T06:00:00Z&to=2025-01-29T07:30:00Z`,
    )
    expect(earlier.gaps).toEqual([
      { from: '2025-01-29T06:00:00.000Z', to: '2025-01-29T07:00:00.000Z' },
    ])
    const none = await api.call(
      'GET',
      `/stations/OTHER/history?system=other_system&from=2025-01-29T07:00:00Z&to=2025-01-29T08:00:00Z`,
      { token: analyst },
    )
    expect((none.body as StationHistory).gaps).toEqual([
      { from: '2025-01-29T07:00:00.000Z', to: '2025-01-29T08:00:00.000Z' },
    ])
    expect((none.body as StationHistory).lastDataAt).toBeNull()
  })

  it("reads local times on the system's clock", async () => {
    // 00:15 to 00:45 in San Francisco is 08:15 to 08:45 UTC.
    const answer = await history(`system=${SYSTEM}&from=2025-01-29T00:15&to=2025-01-29T00:45`)
    expect(answer.from).toBe('2025-01-29T08:15:00.000Z')
    expect(answer.points.map((p) => [p.at, p.bikes])).toEqual([
      ['2025-01-29T08:15:00.000Z', 4],
      ['2025-01-29T08:30:00.000Z', 0],
      ['2025-01-29T08:45:00.000Z', 0],
    ])
  })

  it('samples a long history to at most 2,000 points, keeping an empty spell in the band', async () => {
    // A change every minute for two days: 2,880 changes, with one minute at zero bikes.
    const rows = Array.from({ length: 2_880 }, (_, i) => ({
      system_id: SYSTEM,
      station_id: 'E2',
      ts: at(24 * 60 + i),
      last_reported: at(24 * 60 + i),
      num_bikes_available: i === 1_000 ? 0 : 5 + (i % 2),
      num_ebikes_available: 0,
      num_docks_available: 10,
      is_installed: true,
      is_renting: true,
      is_returning: true,
    }))
    await sql`select ensure_station_status_partitions(${at(0)}, ${at(60 * 24 * 3)})`.execute(
      database.db,
    )
    await database.db.insertInto('station_status').values(rows).execute()
    const { body } = await api.call(
      'GET',
      `/stations/E2/history?system=${SYSTEM}&from=2025-01-30T08:00:00Z&to=2025-02-01T08:00:00Z`,
      { token: analyst },
    )
    const answer = body as StationHistory
    expect(answer.changes).toBe(2_880)
    expect(answer.points.length).toBeLessThanOrEqual(2_000)
    expect(answer.points.length).toBeGreaterThan(1_900)
    expect(answer.bucketSeconds).toBeCloseTo((2 * 86_400) / 1_999, 3)
    expect(Math.min(...answer.points.map((p) => p.minBikes))).toBe(0)
    expect(Math.max(...answer.points.map((p) => p.maxBikes))).toBe(6)
    const times = answer.points.map((p) => Date.parse(p.at))
    expect(times).toEqual([...times].sort((a, b) => a - b))
  })

  it('refuses a range that ends before it starts, or an unknown station, in words', async () => {
    const backwards = await api.call(
      'GET',
      `/stations/FERRY/history?system=${SYSTEM}&from=2025-01-29&to=2025-01-28`,
      { token: analyst },
    )
    expect(backwards.status).toBe(400)
    expect(backwards.body).toMatchObject({ detail: expect.stringMatching(/must be after from/) })
    const bad = await api.call('GET', `/stations/FERRY/history?system=${SYSTEM}&from=yesterday`, {
      token: analyst,
    })
    expect(bad.status).toBe(400)
    expect(bad.body).toMatchObject({
      detail: expect.stringMatching(/^query\.from: must be a date/),
    })
    const unknown = await api.call('GET', `/stations/NOPE/history?system=${SYSTEM}`, {
      token: analyst,
    })
    expect(unknown.status).toBe(404)
  })

  it('is empty for a station that never reported', async () => {
    const { body } = await api.call('GET', `/stations/FAR/history?system=${SYSTEM}`, {
      token: analyst,
    })
    expect(body).toMatchObject({ changes: 0, points: [] })
  })
})

describe('GET /stations/{id}/nearby', () => {
  it("lists the system's active stations nearest first, with distances and live numbers", async () => {
    const { status: code, body } = await api.call(
      'GET',
      `/stations/FERRY/nearby?system=${SYSTEM}&limit=4`,
      { token: analyst },
    )
    expect(code).toBe(200)
    const nearby = body as NearbyStation[]
    expect(nearby.map((s) => s.stationId)).toEqual(['E1', 'E2', 'E3', 'FAR'])
    const distances = nearby.map((s) => s.distanceMeters)
    expect(distances[0]).toBeGreaterThan(80)
    expect(distances[0]).toBeLessThan(95)
    expect(distances[1]).toBeGreaterThan(170)
    expect(distances[3]).toBeGreaterThan(10_000)
    expect(nearby[0]).toMatchObject({ bikes: 1, docks: 18, score: 70, regionId: '3' })
  })

  it('uses the earthdistance index', async () => {
    await sql`set enable_seqscan = off`.execute(database.db)
    const { rows } = await sql<{ 'QUERY PLAN': string }>`
      explain select station_id from stations
       order by ll_to_earth(lat, lon) <-> ll_to_earth(37.79, -122.39) limit 5`.execute(database.db)
    expect(rows.map((r) => r['QUERY PLAN']).join('\n')).toMatch(/stations_earth_idx/)
  })

  it('refuses a limit out of range', async () => {
    const { status: code, body } = await api.call(
      'GET',
      `/stations/FERRY/nearby?system=${SYSTEM}&limit=500`,
      { token: analyst },
    )
    expect(code).toBe(400)
    expect(body).toMatchObject({ detail: 'query.limit: must be at most 50' })
  })
})

describe('GET /feeds/stations', () => {
  it("carries disabled counts, the seed's score, the region and the system's zone", async () => {
    const { body } = await api.call('GET', `/feeds/stations?system=${SYSTEM}`, { token: analyst })
    const e1 = (body as StationLive[]).find((s) => s.stationId === 'E1')
    expect(e1).toMatchObject({
      bikesDisabled: 2,
      docksDisabled: 1,
      score: 70,
      regionId: '3',
      systemName: `System ${SYSTEM}`,
      timeZone: 'America/Los_Angeles',
    })
    const far = (body as StationLive[]).find((s) => s.stationId === 'FAR')
    expect(far).toMatchObject({ score: null, bikesDisabled: null, regionId: null })
  })
})

describe('GET /suggestions?station=', () => {
  it('lists the suggestions from or to one station', async () => {
    const engine = { name: 'engine', role: 'engine', crewId: null, tokenId: null } as const
    await api.services.dispatch.createSuggestion(
      { from_station_id: 'E1', to_station_id: 'FERRY', qty: 2, system_id: SYSTEM },
      engine,
    )
    await api.services.dispatch.createSuggestion(
      { from_station_id: 'FERRY', to_station_id: 'E2', qty: 3, system_id: SYSTEM },
      engine,
    )
    await api.services.dispatch.createSuggestion(
      { from_station_id: 'E2', to_station_id: 'E3', qty: 1, system_id: SYSTEM },
      engine,
    )
    const { body } = await api.call('GET', '/suggestions?station=FERRY', { token: analyst })
    expect((body as Suggestion[]).map((s) => [s.from_station_id, s.to_station_id])).toEqual([
      ['E1', 'FERRY'],
      ['FERRY', 'E2'],
    ])
  })
})
