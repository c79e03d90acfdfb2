import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Database } from '../../src/server/db/database.js'
import { rebuildFlows } from '../../src/server/flows/flows.repository.js'
import { SYSTEM, seedStations } from '../helpers/fixtures.js'
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.js'

let test: TestDatabase
let db: Database

beforeAll(async () => {
  test = await createTestDatabase()
  db = test.db
  await seedStations(db, [
    // Real Bay Wheels positions: Market & 10th, Civic Center BART, Townsend & 7th, Oakland.
    { station_id: 'empty', capacity: 19, lat: 37.776619, lon: -122.417385 },
    { station_id: 'full', capacity: 15, lat: 37.781074, lon: -122.411738 },
    { station_id: 'both', capacity: 3, lat: 37.771058, lon: -122.402717 },
    { station_id: 'fine', capacity: 20, lat: 37.80477, lon: -122.27176 },
    { station_id: 'retired', capacity: 10, is_active: false },
  ])
})
afterAll(async () => {
  await test.drop()
})

function latest(station_id: string, bikes: number, docks: number) {
  return {
    system_id: SYSTEM,
    station_id,
    ts: new Date('2023-07-19T19:06:56Z'),
    last_reported: new Date('2023-07-19T19:05:00Z'),
    num_bikes_available: bikes,
    num_docks_available: docks,
    is_installed: true,
    is_renting: true,
    is_returning: true,
  }
}

describe('imbalance_scores', () => {
  it('scores the latest status with the seed formula: bikes <= 2 -> 70, docks <= 2 -> 30', async () => {
    await db
      .insertInto('station_status_latest')
      .values([
        latest('empty', 2, 17),
        latest('full', 14, 1),
        latest('both', 1, 2),
        latest('fine', 3, 3),
        latest('retired', 0, 10),
      ])
      .execute()
    await sql`refresh materialized view concurrently imbalance_scores`.execute(db)
    const rows = await db
      .selectFrom('imbalance_scores')
      .select(['station_id', 'bikes', 'docks', 'score'])
      .orderBy('station_id')
      .execute()
    expect(rows).toEqual([
      { station_id: 'both', bikes: 1, docks: 2, score: 100 },
      { station_id: 'empty', bikes: 2, docks: 17, score: 70 },
      { station_id: 'fine', bikes: 3, docks: 3, score: 0 },
      { station_id: 'full', bikes: 14, docks: 1, score: 30 },
    ])
  })

  it('follows a new status on the next refresh', async () => {
    await db
      .updateTable('station_status_latest')
      .set({ num_bikes_available: 9, num_docks_available: 10 })
      .where('station_id', '=', 'empty')
      .execute()
    await sql`refresh materialized view concurrently imbalance_scores`.execute(db)
    const row = await db
      .selectFrom('imbalance_scores')
      .select('score')
      .where('station_id', '=', 'empty')
      .executeTakeFirstOrThrow()
    expect(row.score).toBe(0)
  })
})

describe('station_flows', () => {
  it('counts trips leaving and arriving per station and 15-minute bin', async () => {
    const trip = (
      start: string | null,
      end: string | null,
      startedAt: string,
      endedAt: string,
    ) => ({
      system_id: SYSTEM,
      start_station_id: start,
      end_station_id: end,
      start_station_raw: start,
      end_station_raw: end,
      started_at: new Date(startedAt),
      ended_at: new Date(endedAt),
    })
    await db
      .insertInto('trips')
      .values([
        trip('empty', 'full', '2018-02-01T08:00:05Z', '2018-02-01T08:09:00Z'),
        trip('empty', 'full', '2018-02-01T08:14:59Z', '2018-02-01T08:15:00Z'),
        trip('empty', 'both', '2018-02-01T08:15:00Z', '2018-02-01T08:29:59Z'),
        trip('full', 'empty', '2018-02-01T08:01:00Z', '2018-02-01T08:40:00Z'),
        // A dockless trip: no start station, so it only counts where it ended.
        trip(null, 'full', '2018-02-01T08:02:00Z', '2018-02-01T08:05:00Z'),
      ])
      .execute()
    // Imports keep station_flows current; trips written by hand are counted by a rebuild.
    await rebuildFlows(db, SYSTEM)
    const rows = await db
      .selectFrom('station_flows')
      .select(['station_id', 'time_bin', 'outflow', 'inflow'])
      .orderBy('station_id')
      .orderBy('time_bin')
      .execute()
    const shown = rows.map((r) => [r.station_id, r.time_bin.toISOString(), r.outflow, r.inflow])
    expect(shown).toEqual([
      ['both', '2018-02-01T08:15:00.000Z', 0, 1],
      ['empty', '2018-02-01T08:00:00.000Z', 2, 0],
      ['empty', '2018-02-01T08:15:00.000Z', 1, 0],
      ['empty', '2018-02-01T08:30:00.000Z', 0, 1],
      ['full', '2018-02-01T08:00:00.000Z', 1, 2],
      ['full', '2018-02-01T08:15:00.000Z', 0, 1],
    ])
  })

  it('equals a direct count over the trips', async () => {
    const { rows } = await sql<{ flows: number; trips: number }>`
      select (select sum(outflow) + sum(inflow) from station_flows) as flows,
             (select count(start_station_id) + count(end_station_id) from trips) as trips`.execute(
      db,
    )
    expect(rows[0]?.flows).toBe(rows[0]?.trips)
  })
})

describe('station_status partitions', () => {
  const old = {
    ...latest('empty', 4, 15),
    ts: new Date('2018-02-14T12:00:00Z'),
  }

  it('refuse a row for a month that has no partition yet', async () => {
    await expect(db.insertInto('station_status').values(old).execute()).rejects.toThrow(
      /no partition/,
    )
  })

  it('are created on demand for a past range, once, even when asked twice', async () => {
    const create = () =>
      sql<{ created: number }>`select ensure_station_status_partitions(
        '2018-01-20T00:00:00Z', '2018-03-02T00:00:00Z') as created`.execute(db)
    const [first, second] = await Promise.all([create(), create()])
    expect((first.rows[0]?.created ?? 0) + (second.rows[0]?.created ?? 0)).toBe(3)
    await db.insertInto('station_status').values(old).execute()
    const { rows } = await sql<{ name: string }>`
      select c.relname as name from pg_inherits i join pg_class c on c.oid = i.inhrelid
       where i.inhparent = 'station_status'::regclass and c.relname like 'station_status_2018%'
       order by 1`.execute(db)
    expect(rows.map((r) => r.name)).toEqual([
      'station_status_2018_01',
      'station_status_2018_02',
      'station_status_2018_03',
    ])
  })

  it('cut months in UTC whatever the session time zone', async () => {
    await sql`set time zone 'America/Los_Angeles'`.execute(db)
    try {
      await sql`select ensure_station_status_partitions('2019-05-31T23:30:00-07', '2019-05-31T23:30:00-07')`.execute(
        db,
      )
      // 2019-05-31 23:30 in California is June 1st in UTC.
      const { rows } = await sql<{ found: string | null }>`
        select to_regclass('station_status_2019_06')::text as found`.execute(db)
      expect(rows[0]?.found).toBe('station_status_2019_06')
    } finally {
      await sql`reset time zone`.execute(db)
    }
  })
})

describe('nearest stations', () => {
  it('come from cube + earthdistance, in metres', async () => {
    const { rows } = await sql<{ station_id: string; metres: number }>`
      select station_id,
             earth_distance(ll_to_earth(lat, lon), ll_to_earth(37.776619, -122.417385)) as metres
        from stations
       where system_id = ${SYSTEM} and station_id <> 'empty' and is_active
       order by ll_to_earth(lat, lon) <-> ll_to_earth(37.776619, -122.417385)
       limit 2`.execute(db)
    expect(rows.map((r) => r.station_id)).toEqual(['full', 'both'])
    // Market & 10th to Civic Center: about 700 m.
    expect(rows[0]?.metres).toBeGreaterThan(600)
    expect(rows[0]?.metres).toBeLessThan(800)
  })
})
