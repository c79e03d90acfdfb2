import { afterAll, describe, expect, it } from 'vitest'
import { FeedError } from '../../src/server/gbfs/feed-error.js'
import { FeedReader } from '../../src/server/gbfs/feed-reader.js'
import { httpFetcher } from '../../src/server/gbfs/fetch.js'
import { localizedText, toBoolean, toCount, toTime } from '../../src/server/gbfs/normalise.js'
import { parseGbfsJson } from '../../src/server/gbfs/parse.js'
import { WarningCollector } from '../../src/server/gbfs/warnings.js'
import { closeFeedServers, fixture, serveFeed } from '../helpers/gbfs.js'

afterAll(closeFeedServers)

async function read(folder: string) {
  const server = await serveFeed(folder)
  const reader = new FeedReader({ url: server.url }, httpFetcher())
  return (await reader.read(new AbortController().signal, new Date('2023-07-19T19:07:00Z')))
    .snapshot
}

describe('GBFS values in every spelling', () => {
  it('reads booleans as true/false or 0/1', () => {
    expect([true, 1, '1', 'true'].map(toBoolean)).toEqual([true, true, true, true])
    expect([false, 0, '0', 'false'].map(toBoolean)).toEqual([false, false, false, false])
    expect([2, 'yes', null, undefined].map(toBoolean)).toEqual([null, null, null, null])
  })

  it('reads times from epoch seconds and RFC3339', () => {
    expect(toTime(1689793606).time?.toISOString()).toBe('2023-07-19T19:06:46.000Z')
    expect(toTime('2026-10-09T09:38:28.628Z').time?.toISOString()).toBe('2026-10-09T09:38:28.628Z')
    expect(toTime('1689793606').time?.toISOString()).toBe('2023-07-19T19:06:46.000Z')
    expect(toTime('not a time')).toEqual({ time: null, given: true })
    expect(toTime(undefined)).toEqual({ time: null, given: false })
  })

  it('takes milliseconds for what they are, and says so', () => {
    let noticed = false
    expect(toTime(1689793606123, () => (noticed = true)).time?.toISOString()).toBe(
      '2023-07-19T19:06:46.123Z',
    )
    expect(noticed).toBe(true)
  })

  it('counts only whole, non-negative numbers', () => {
    expect([0, 7, '12'].map(toCount)).toEqual([0, 7, 12])
    expect([-1, 2.5, 'x', null].map(toCount)).toEqual([null, null, null, null])
  })

  it('resolves 3.0 localized text to the system language, then its base language, then the first', () => {
    const names = [
      { text: 'Gare', language: 'fr' },
      { text: 'Station', language: 'en-CA' },
    ]
    expect(localizedText(names, 'fr')).toBe('Gare')
    expect(localizedText(names, 'en')).toBe('Station')
    expect(localizedText(names, 'nl')).toBe('Gare')
    expect(localizedText('Plain', 'fr')).toBe('Plain')
  })

  it('keeps ids sent as JSON numbers exactly as their digits, and warns', () => {
    const warnings = new WarningCollector()
    const document = parseGbfsJson(
      'station_status',
      '{"data":{"stations":[{"station_id": 1835733187981824398},{"station_id":5065.10},{"station_id":"0042"}]}}',
      warnings,
    )
    const ids = (document.data.stations as { station_id: unknown }[]).map((s) => s.station_id)
    expect(ids).toEqual(['1835733187981824398', '5065.10', '0042'])
    expect(warnings.list()).toMatchObject([{ code: 'numeric_id', count: 2 }])
  })

  it('refuses a body that is not JSON, naming the file and the size', () => {
    expect(() =>
      parseGbfsJson('station_status', '<html>502 Bad Gateway</html>', new WarningCollector()),
    ).toThrow(/^station_status\.json: not valid JSON \(.*; 28 bytes received\)$/)
    expect(() =>
      parseGbfsJson('station_status', '{"stations":[]}', new WarningCollector()),
    ).toThrow(/no "data" object/)
  })
})

describe('a GBFS 3.0 feed and a 1.0 feed land in the same shape', () => {
  it('gives the same stations and statuses for the same three stations', async () => {
    const legacy = await read(fixture('legacy-1.0'))
    const v3 = await read(fixture('v3.0'))
    const withoutLegacyId = (stations: typeof legacy.stations) =>
      stations?.map(({ legacyId: _legacyId, ...rest }) => rest)
    expect(v3.stations).not.toBeNull()
    expect(withoutLegacyId(v3.stations)).toEqual(withoutLegacyId(legacy.stations))
    expect(v3.statuses).toEqual(legacy.statuses)
    expect(Object.keys(v3.stations?.[0] ?? {}).sort()).toEqual(
      Object.keys(legacy.stations?.[0] ?? {}).sort(),
    )
  })

  it('reads the quirks of a legacy Lyft feed', async () => {
    const legacy = await read(fixture('legacy-1.0'))
    expect(legacy.version).toBeNull()
    expect(legacy.system).toEqual({
      systemId: 'test_wheels',
      name: 'Test Wheels',
      timezone: 'America/Los_Angeles',
      language: 'en',
    })
    const [laguna, howard, broadway] = legacy.stations ?? []
    expect(laguna).toMatchObject({ legacyId: '74', shortName: 'SF-J21', capacity: 27 })
    expect(howard).toMatchObject({ stationId: '1835733187981824398', capacity: null })
    const statuses = new Map(legacy.statuses?.map((s) => [s.stationId, s]))
    expect(statuses.get('1835733187981824398')).toMatchObject({
      lastReported: null,
      isInstalled: false,
      isRenting: false,
    })
    expect(statuses.get(broadway?.stationId ?? '')).toMatchObject({ bikes: 9, docks: 8, ebikes: 2 })
    expect(statuses.has('not-in-information')).toBe(false)
    expect(legacy.unknownStatuses).toBe(1)
    const codes = legacy.warnings.map((w) => w.code).sort()
    expect(codes).toEqual(
      ['capacity_zero', 'fake_last_reported', 'over_capacity', 'status_unknown_station'].sort(),
    )
  })

  it('resolves 3.0 names to the system language and counts e-bikes from vehicle types', async () => {
    const v3 = await read(fixture('v3.0'))
    expect(v3.version).toBe('3.0')
    expect(v3.system).toMatchObject({
      systemId: 'test_wheels_v3',
      language: 'en',
      name: 'Test Wheels',
    })
    expect(v3.stations?.[0]?.name).toBe('Laguna St at Hayes St')
    expect(v3.statuses?.[0]?.ebikes).toBe(4)
    expect(v3.lastUpdated?.toISOString()).toBe('2023-07-19T19:06:56.000Z')
    expect(v3.ttl).toBe(10)
  })

  it("accepts Lyft's 2.3 with 0/1 booleans and a numeric id, recording the schema deviations", async () => {
    const lyft = await read(fixture('v2.3-lyft'))
    expect(lyft.stations?.map((s) => s.stationId)).toEqual([
      '1955905507044284968',
      '1412',
      'a3a5c2b4-a135-11e9-9cda-0a87ae2ba916',
    ])
    expect(lyft.statuses?.map((s) => [s.stationId, s.bikes, s.ebikes, s.isRenting])).toEqual([
      ['1955905507044284968', 3, 1, true],
      ['1412', 1, 0, true],
      ['a3a5c2b4-a135-11e9-9cda-0a87ae2ba916', 12, 5, true],
    ])
    const boolean = lyft.warnings.find(
      (w) =>
        w.code === 'schema' && w.message.includes('/data/stations/*/is_installed must be boolean'),
    )
    expect(boolean?.count).toBe(3)
    expect(lyft.warnings.some((w) => w.code === 'numeric_id')).toBe(true)
  })

  it('treats a truncated body as an error', async () => {
    const server = await serveFeed(fixture('truncated'))
    const reader = new FeedReader({ url: server.url }, httpFetcher())
    const reading = reader.read(new AbortController().signal, new Date())
    await expect(reading).rejects.toBeInstanceOf(FeedError)
    await expect(reading).rejects.toThrow(/^station_information\.json: not valid JSON/)
  })
})
