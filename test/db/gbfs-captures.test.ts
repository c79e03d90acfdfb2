import { readdirSync, readFileSync } from 'node:fs'
import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { feedNameOf, type FeedSource } from '../../src/server/gbfs/feed-server.js'
import { closeFeedServers, serveFeed } from '../helpers/gbfs.js'
import { openPoll, pollNow, tableCounts } from '../helpers/gbfs-db.js'
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

type Raw = Record<string, unknown>

/** The file the feed server serves for a feed: the last by name, as captures are named by time. */
function servedFile(dir: string, feed: string): string | null {
  const names = readdirSync(dir)
    .filter((name) => feedNameOf(name) === feed)
    .sort()
  return names.length > 0 ? `${dir}/${names.at(-1) ?? ''}` : null
}

/** A file's stations as the capture has them, with ids as the digits sent (Bicing sends numbers). */
function rawStations(path: string | null): Raw[] {
  if (!path) return []
  const text = readFileSync(path, 'utf8').replace(/("station_id"\s*:\s*)(\d+)/g, '$1"$2"')
  return (JSON.parse(text) as { data: { stations: Raw[] } }).data.stations
}

function bool(value: unknown): boolean {
  return value === true || value === 1
}

/** What the file says, read plainly: the expectations the database is checked against. */
function expectedStatus(raw: Raw) {
  const reported = raw.last_reported
  const epoch = typeof reported === 'number' ? reported * 1000 : Date.parse(String(reported))
  return {
    bikes: (raw.num_bikes_available ?? raw.num_vehicles_available) as number,
    docks: raw.num_docks_available as number,
    installed: bool(raw.is_installed),
    renting: bool(raw.is_renting),
    returning: bool(raw.is_returning),
    // Sentinels (0, 86400, 18001: before GBFS existed) are stored as unknown.
    lastReported: epoch < Date.parse('2015-12-15') ? null : new Date(epoch).toISOString(),
  }
}

function englishName(name: unknown): string {
  if (typeof name === 'string') return name
  return (name as { text: string; language: string }[]).find((n) => n.language === 'en')?.text ?? ''
}

/** Counts SOURCES.md documents for each capture: station_information, station_status. */
const DOCUMENTED: Record<string, [number | null, number | null]> = {
  'baywheels-legacy-2019': [405, null],
  'baywheels-legacy-2020-04-20': [454, null],
  'baywheels-legacy-2020-05': [454, null],
  'baywheels-legacy-2022-08-16': [494, 494],
  'baywheels-legacy-2023-03-20': [515, 515],
  'baywheels-legacy-2023-07-19': [518, 518],
  'baywheels-legacy-hourly-2023-07-18': [517, 518],
  'baywheels-legacy-series-2023-07-19': [null, 518],
  'bicing-barcelona-nonstandard-2021-05-26': [509, 509],
  'boulder-bcycle-1.1-2022-02': [45, 45],
  'capitalbikeshare-legacy-2022-07-18': [682, null],
  'citibike-legacy-2019-07-05': [845, 845],
  'divvy-2.3-2025-01-29': [1811, 1811],
  'divvy-legacy-2019-11-15': [611, 611],
  'fordgobike-legacy-2018-04-30': [312, 299],
  'fordgobike-legacy-2018-08-27': [313, null],
  'oslo-bysykkel-2.2-2022-10-23': [260, 260],
  'oslo-bysykkel-2.3-2025-04-01': [null, 256],
  'rouen-lovelo-2.3-2025-02-28': [122, 122],
  'toronto-bikeshare-3.0-2026-10-09': [2, 2],
}

const captures = hasSharedData
  ? readdirSync(sharedData('gbfs'))
      .filter((name) => !name.includes('TRUNCATED'))
      .sort()
  : []

describe.skipIf(!hasSharedData)(
  `every real capture in ../shared/data/gbfs${NEEDS_SHARED_DATA}`,
  () => {
    it('is documented, so that a new capture gets checked here too', () => {
      expect(captures).toEqual(Object.keys(DOCUMENTED).sort())
    })

    it.each(captures)('%s ingests with the right station count and values', async (capture) => {
      const dir = sharedData('gbfs', capture)
      const information = rawStations(servedFile(dir, 'station_information'))
      const status = rawStations(servedFile(dir, 'station_status'))
      const [documentedInformation, documentedStatus] = DOCUMENTED[capture] ?? [null, null]
      expect(information.length || null).toBe(documentedInformation)
      expect(status.length || null).toBe(documentedStatus)

      const server = await serveFeed(dir)
      const result = await pollNow(await openPoll(test.db, { url: server.url, systemId: capture }))
      expect(result.error).toBeNull()
      expect(result.outcome).toBe('ok')

      const stations = await test.db
        .selectFrom('stations')
        .selectAll()
        .where('system_id', '=', capture)
        .execute()
      expect(stations).toHaveLength(information.length)
      const byId = new Map(stations.map((station) => [station.station_id, station]))
      for (const raw of information) {
        const station = byId.get(String(raw.station_id))
        expect(station, String(raw.station_id)).toBeDefined()
        expect(station?.name).toBe(englishName(raw.name))
        expect(station?.lat).toBe(raw.lat)
        expect(station?.lon).toBe(raw.lon)
        expect(station?.capacity).toBe(
          raw.capacity === undefined || raw.capacity === 0 ? null : raw.capacity,
        )
        if (typeof raw.short_name === 'string') expect(station?.short_name).toBe(raw.short_name)
        // Lyft sends these as strings; the one numeric id field (region_id) is not among them.
        if (typeof raw.legacy_id === 'string') expect(station?.legacy_id).toBe(raw.legacy_id)
        if (typeof raw.external_id === 'string') expect(station?.external_id).toBe(raw.external_id)
      }

      const latest = await test.db
        .selectFrom('station_status_latest')
        .selectAll()
        .where('system_id', '=', capture)
        .execute()
      const placed = status.filter((raw) => byId.has(String(raw.station_id)))
      expect(latest).toHaveLength(placed.length)
      expect(result.unknownStations).toBe(status.length - placed.length)
      const latestById = new Map(latest.map((row) => [row.station_id, row]))
      for (const raw of placed) {
        const row = latestById.get(String(raw.station_id))
        const expected = expectedStatus(raw)
        expect(
          {
            bikes: row?.num_bikes_available,
            docks: row?.num_docks_available,
            installed: row?.is_installed,
            renting: row?.is_renting,
            returning: row?.is_returning,
            lastReported: row?.last_reported?.toISOString() ?? null,
          },
          String(raw.station_id),
        ).toEqual(expected)
        if (typeof raw.num_ebikes_available === 'number') {
          expect(row?.num_ebikes_available).toBe(raw.num_ebikes_available)
        }
      }
    })

    it('Bay Wheels 2023-07-19 shows the 3 stations not installed and the 17 not renting', async () => {
      const rows = await test.db
        .selectFrom('station_status_latest')
        .select(['is_installed', 'is_renting'])
        .where('system_id', '=', 'baywheels-legacy-2023-07-19')
        .execute()
      expect(rows.filter((row) => !row.is_installed)).toHaveLength(3)
      expect(rows.filter((row) => !row.is_renting)).toHaveLength(17)
    })

    it("Ford GoBike's 2018-05-01 status leaves 13 stations without one", async () => {
      const { rows } = await sql<{ missing: number }>`
      select count(*)::int as missing from stations s
       where s.system_id = 'fordgobike-legacy-2018-04-30'
         and not exists (select 1 from station_status_latest l
                          where l.system_id = s.system_id and l.station_id = s.station_id)`.execute(
        test.db,
      )
      expect(rows[0]?.missing).toBe(13)
    })

    it('keeps BCycle stations, which publish no capacity, with capacity unknown', async () => {
      const bcycle = await test.db
        .selectFrom('stations')
        .select('capacity')
        .where('system_id', '=', 'boulder-bcycle-1.1-2022-02')
        .execute()
      expect(bcycle).toHaveLength(45)
      expect(bcycle.every((s) => s.capacity === null)).toBe(true)
    })

    it('the truncated Capital Bikeshare capture is an error that changes nothing', async () => {
      const before = await tableCounts(test.db)
      const server = await serveFeed(
        sharedData('gbfs', 'capitalbikeshare-legacy-TRUNCATED-2023-06-01'),
      )
      const result = await pollNow(await openPoll(test.db, { url: server.url }))
      expect(result.outcome).toBe('error')
      expect(result.error).toMatch(
        /^station_information\.json: not valid JSON \(.*; 292815 bytes received\)$/,
      )
      expect(await tableCounts(test.db)).toEqual(before)
    })

    it('nine consecutive Bay Wheels polls write exactly the stations that changed', async () => {
      const dir = sharedData('gbfs', 'baywheels-legacy-series-2023-07-19')
      const files = readdirSync(dir)
        .filter((name) => name.startsWith('station_status_'))
        .sort()
      expect(files).toHaveLength(9)
      const information = readFileSync(
        sharedData('gbfs', 'baywheels-legacy-2023-07-19', 'station_information.json'),
        'utf8',
      )
      let served = -1
      const source: FeedSource = {
        name: 'series',
        file(feed, baseUrl) {
          if (feed === 'gbfs') {
            const feeds = ['station_information', 'station_status'].map((name) => ({
              name,
              url: `${baseUrl}${name}.json`,
            }))
            return Promise.resolve({
              body: JSON.stringify({ last_updated: 0, ttl: 0, data: { en: { feeds } } }),
              lastModified: new Date(0),
            })
          }
          if (feed === 'station_information') {
            return Promise.resolve({ body: information, lastModified: new Date(0) })
          }
          if (feed === 'station_status') {
            return Promise.resolve({
              body: readFileSync(`${dir}/${files[served] ?? ''}`, 'utf8'),
              lastModified: new Date(),
            })
          }
          return Promise.resolve(null)
        },
        describe: () => Promise.resolve([]),
      }
      const server = await serveFeed(source)
      const poll = await openPoll(test.db, { url: server.url, systemId: 'series' })
      const key = (raw: Raw) =>
        JSON.stringify([
          raw.num_bikes_available,
          raw.num_ebikes_available,
          raw.num_docks_available,
          raw.num_bikes_disabled,
          raw.num_docks_disabled,
          raw.is_installed,
          raw.is_renting,
          raw.is_returning,
          raw.last_reported,
        ])
      let previous = new Map<string, string>()
      for (const [index, file] of files.entries()) {
        served = index
        const stations = rawStations(`${dir}/${file}`)
        const current = new Map(stations.map((raw) => [String(raw.station_id), key(raw)]))
        const changed = [...current].filter(([id, value]) => previous.get(id) !== value).length
        const result = await pollNow(poll)
        expect(result.statuses.written, file).toBe(changed)
        if (index > 0) {
          // SOURCES.md: 66-102 stations change counts between consecutive polls.
          expect(changed).toBeGreaterThanOrEqual(66)
        }
        previous = current
      }
      const last = rawStations(`${dir}/${files.at(-1) ?? ''}`)
      const latest = await test.db
        .selectFrom('station_status_latest')
        .select(['station_id', 'num_bikes_available'])
        .where('system_id', '=', 'series')
        .execute()
      const bikes = new Map(latest.map((row) => [row.station_id, row.num_bikes_available]))
      for (const raw of last)
        expect(bikes.get(String(raw.station_id))).toBe(raw.num_bikes_available)
    })
  },
)
