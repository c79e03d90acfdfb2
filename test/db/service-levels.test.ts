import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type {
  ServiceClusters,
  ServiceReport,
  ServiceStations,
  ServiceSummary,
} from '../../src/shared/service-levels.js'
import { startApi, type TestApi } from '../helpers/api.js'
import {
  allAs,
  pdt,
  pollTimes,
  writeHistory,
  type PollSpec,
  type StateSpec,
} from '../helpers/service-history.js'
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.js'

let database: TestDatabase
let api: TestApi
let analyst: string

/**
 * Five stations: A, B and C within 200 m of each other and D and E 3.3 km north, 120 m apart.
 * A's cluster: B and C are within a third of a mile, fewer than 3, so it is A and its 3 nearest
 * (B, C, D); likewise B's and C's. D's and E's hold E, which never runs out.
 */
const STATIONS = [
  { id: 'A', lat: 37.7749, lon: -122.4194, name: 'Market St at 8th St' },
  { id: 'B', lat: 37.776, lon: -122.4194, name: 'Grove St at Hyde St' },
  { id: 'C', lat: 37.7749, lon: -122.418, name: 'Mission St at 7th St' },
  { id: 'D', lat: 37.8049, lon: -122.4194, name: 'Bay St at Fillmore St' },
  { id: 'E', lat: 37.806, lon: -122.4194, name: 'Beach St at Buchanan St' },
]
const PLENTY: StateSpec = { bikes: 8, docks: 7 }
const EMPTY: StateSpec = { bikes: 0, docks: 15 }
const FULL: StateSpec = { bikes: 15, docks: 0 }
const ONE: StateSpec = { bikes: 1, docks: 14 }
const CLOSED: StateSpec = { bikes: 0, docks: 0, installed: false, renting: false, returning: false }

const between = (t: Date, from: string, to: string) =>
  t.getTime() >= pdt(`2023-07-12 ${from}`).getTime() &&
  t.getTime() < pdt(`2023-07-12 ${to}`).getTime()

/**
 * Wednesday 2023-07-12, a poll every minute from 05:00 to 23:00 PDT but none between 12:00 and
 * 12:30 (the bridge is 2 minutes: twice the median spacing).
 */
function wednesday(): PollSpec[] {
  return pollTimes('2023-07-12 05:00', '2023-07-12 23:00', 1)
    .filter((t) => !(t > pdt('2023-07-12 12:00') && t < pdt('2023-07-12 12:30')))
    .map((t) => {
      const states = allAs(['A', 'B', 'C', 'D', 'E'], PLENTY)
      // A, B, C, D empty 09:00-09:30 but C keeps one bike until 09:20: their clusters are
      // out 10 minutes (nothing counts); all four empty 15:00-15:40: 40 out, 30 count, each.
      if (between(t, '09:00', '09:30')) Object.assign(states, allAs(['A', 'B', 'D'], EMPTY))
      if (between(t, '09:00', '09:20')) states.C = ONE
      else if (between(t, '09:20', '09:30')) states.C = EMPTY
      if (between(t, '15:00', '15:40')) Object.assign(states, allAs(['A', 'B', 'C', 'D'], EMPTY))
      // E empty from the poll at 11:45 to the one at 12:52, across the half-hour without polls.
      if (between(t, '11:45', '12:52')) states.E = EMPTY
      if (between(t, '17:00', '17:12')) states.D = FULL
      if (between(t, '20:00', '21:00')) states.C = CLOSED
      return { at: t, states }
    })
}

beforeAll(async () => {
  database = await createTestDatabase()
  await writeHistory(database.db, { systemId: 'hand', stations: STATIONS, polls: wednesday() })
  api = await startApi(database)
  analyst = await api.token('analyst')
})
afterAll(async () => {
  await api.close()
  await database.drop()
})

describe('a day of hand-made history', () => {
  it('is summarised per station: empty, full, closed and unknown minutes of 06:00-22:00', async () => {
    const refreshed = await api.services.serviceLevels.refresh({ system: 'hand' })
    expect(refreshed.days.map((d) => [d.day, d.complete])).toEqual([['2023-07-12', true]])

    const report: ServiceReport = await api.services.serviceLevels.report({ day: '2023-07-12' })
    const byId = new Map(report.stations.map((s) => [s.station_id, s]))
    // E: empty 11:45-12:00 and 12:30-12:52; the half-hour between has no poll: unknown.
    expect(byId.get('E')).toMatchObject({ minutes_empty: 37, minutes_unknown: 30 })
    expect(byId.get('A')).toMatchObject({ minutes_empty: 30 + 40, minutes_full: 0 })
    expect(byId.get('D')).toMatchObject({ minutes_empty: 70, minutes_full: 12 })
    expect(byId.get('C')).toMatchObject({ minutes_empty: 10 + 40, minutes_closed: 60 })
    for (const station of report.stations) {
      expect(station.minutes_known + station.minutes_unknown).toBe(16 * 60)
    }
    expect(report.summary).toMatchObject({
      complete: true,
      stations: 5,
      clusters: 5,
      bridge_minutes: 2,
      cluster_outage_minutes: 90,
      cluster_outage_dollars: 90,
      cluster_episodes: 3,
    })
  })

  it('counts cluster outages beyond 10 minutes in a row, and none while one station keeps a bike', async () => {
    const report = await api.services.serviceLevels.report({ day: '2023-07-12' })
    expect(report.cluster_outage_minutes).toBe(90)
    expect(report.clusters.map((c) => [c.station_id, c.outage_minutes, c.minutes_out])).toEqual([
      ['A', 30, 50],
      ['B', 30, 50],
      ['C', 30, 50],
    ])
    const a = report.clusters.find((c) => c.station_id === 'A')
    expect(a?.members.map((m) => m.station_id)).toEqual(['B', 'C', 'D'])
    expect(a?.members[0]?.distance_meters).toBeCloseTo(122.3, 0)
    expect(a).toMatchObject({ episodes: 1, longest_minutes: 40, minutes_out_empty: 50 })
  })

  it('answers the report as balancer report --json does, stations by id', async () => {
    const { status, body } = await api.call('GET', '/service/report?day=2023-07-12', {
      token: analyst,
    })
    expect(status).toBe(200)
    const report = body as ServiceReport
    expect(Object.keys(report).slice(0, 3)).toEqual(['day', 'stations', 'cluster_outage_minutes'])
    expect(report.day).toBe('2023-07-12')
    expect(report.stations.map((s) => s.station_id)).toEqual(['A', 'B', 'C', 'D', 'E'])
    expect(report.stations[4]).toMatchObject({
      station_id: 'E',
      minutes_empty: 37,
      minutes_full: 0,
      minutes_unknown: 30,
    })
  })

  it('adds up: the day’s totals are the sum of its stations, in JSON and in CSV', async () => {
    const range = 'from=2023-07-12&to=2023-07-13'
    const summary = (await api.call('GET', `/service/days?${range}`, { token: analyst }))
      .body as ServiceSummary
    const stations = (await api.call('GET', `/service/stations?${range}`, { token: analyst }))
      .body as ServiceStations
    const day = summary.days[0]
    const sum = (key: 'minutes_empty' | 'minutes_full' | 'minutes_unknown') =>
      stations.stations.reduce((total, s) => total + s[key], 0)
    expect(day?.minutes_empty).toBeCloseTo(sum('minutes_empty'), 6)
    expect(day?.minutes_full).toBeCloseTo(sum('minutes_full'), 6)
    expect(day?.minutes_unknown).toBeCloseTo(sum('minutes_unknown'), 6)
    expect(summary.totals).toMatchObject({ days: 1, minutes_empty: day?.minutes_empty })
    expect(summary.data).toEqual({ first_day: '2023-07-12', last_day: '2023-07-12' })
    // Most minutes empty or full first.
    expect(stations.stations[0]?.station_id).toBe('D')

    const csv = await api.call('GET', `/service/stations?${range}&format=csv`, { token: analyst })
    expect(csv.headers.get('content-disposition')).toMatch(
      /filename="service-stations-hand-2023-07-12-2023-07-12\.csv"/,
    )
    const lines = (csv.body as string).trimEnd().split('\r\n')
    expect(lines[0]).toBe(
      'system_id,station_id,name,days,minutes_empty,minutes_full,minutes_unknown,minutes_closed,minutes_known,availability_1,availability_2,cluster_outage_minutes',
    )
    expect(lines).toHaveLength(6)
    expect(lines[1]).toMatch(/^hand,D,Bay St at Fillmore St,1,70,12,30,0,930,/)

    const clusters = (await api.call('GET', `/service/clusters?${range}`, { token: analyst }))
      .body as ServiceClusters
    expect(clusters.clusters).toHaveLength(5)
    expect(clusters.clusters.reduce((t, c) => t + c.outage_minutes, 0)).toBe(
      day?.cluster_outage_minutes,
    )
  })

  it('refreshes nothing again once the day is complete; rebuild recomputes it the same', async () => {
    const before = await api.services.serviceLevels.report({ day: '2023-07-12' })
    expect((await api.services.serviceLevels.refresh({ system: 'hand' })).days).toEqual([])
    const rebuilt = await api.services.serviceLevels.refresh({
      system: 'hand',
      from: '2023-07-01',
      to: '2023-08-01',
      rebuild: true,
    })
    expect(rebuilt.days.map((d) => d.day)).toEqual(['2023-07-12'])
    const after = await api.services.serviceLevels.report({ day: '2023-07-12' })
    expect(after.stations).toEqual(before.stations)
    expect(after.clusters).toEqual(before.clusters)
  })

  it('refuses a bad range with a 400 naming the field, and is for analysts and dispatchers', async () => {
    const backwards = await api.call('GET', '/service/days?from=2023-07-13&to=2023-07-12', {
      token: analyst,
    })
    expect(backwards.status).toBe(400)
    expect(backwards.body).toMatchObject({
      detail: 'to (2023-07-12) must be after from (2023-07-13)',
    })
    const notADate = await api.call('GET', '/service/days?from=2023-02-30&to=2023-03-02', {
      token: analyst,
    })
    expect(notADate.status).toBe(400)
    expect((notADate.body as { detail: string }).detail).toMatch(/^from "2023-02-30" is not a date/)
    const malformed = await api.call('GET', '/service/stations?from=last+week&to=2023-07-13', {
      token: analyst,
    })
    expect(malformed.status).toBe(400)
    expect((malformed.body as { detail: string }).detail).toMatch(/^query\.from: must be a date/)
    const tooLong = await api.call('GET', '/service/days?from=2020-01-01&to=2023-01-01', {
      token: analyst,
    })
    expect(tooLong.status).toBe(400)
    expect(tooLong.body).toMatchObject({ code: 'range_too_large' })
    const unknown = await api.call('GET', '/service/days?from=2023-07-12&to=2023-07-13&system=x', {
      token: analyst,
    })
    expect(unknown.status).toBe(400)
    expect((await api.call('GET', '/service/days?from=2023-07-12&to=2023-07-13')).status).toBe(401)
    const crew = await api.token('crew')
    expect(
      (await api.call('GET', '/service/days?from=2023-07-12&to=2023-07-13', { token: crew }))
        .status,
    ).toBe(403)
    const refresh = await api.call('POST', '/service/refresh', { token: analyst, body: {} })
    expect(refresh.status).toBe(403)
    // A day without history is an empty report that says which days have one.
    const noDay = await api.call('GET', '/service/report?day=2023-07-14', { token: analyst })
    expect(noDay.status).toBe(200)
    expect(noDay.body).toMatchObject({
      day: '2023-07-14',
      stations: [],
      cluster_outage_minutes: 0,
      summary: { snapshots: 0, stations: 0 },
      data: { first_day: '2023-07-12', last_day: '2023-07-12' },
    })
  })
})

/** A zone where it is about noon now, so that today's service hours have begun. */
function noonZone(now = new Date()): string {
  const offset = now.getUTCHours() - 12
  return offset === 0 ? 'Etc/GMT' : `Etc/GMT${offset > 0 ? '+' : '-'}${Math.abs(offset)}`
}

describe('today, polled live', () => {
  it('is recomputed after one more poll, and the incremental day equals a rebuild', async () => {
    const zone = noonZone()
    const now = Date.now()
    const polls: PollSpec[] = []
    for (let minutes = 120; minutes >= 1; minutes -= 1) {
      const at = new Date(now - minutes * 60_000)
      polls.push({
        at,
        states: { A: minutes > 30 && minutes <= 60 ? EMPTY : PLENTY, B: PLENTY, C: PLENTY },
      })
    }
    await writeHistory(database.db, {
      systemId: 'live',
      timeZone: zone,
      stations: STATIONS.slice(0, 3),
      polls,
    })
    const first = await api.services.serviceLevels.refresh({ system: 'live' })
    expect(first.days).toHaveLength(1)
    expect(first.days[0]?.complete).toBe(false)
    const today = first.days[0]?.day ?? ''

    await writeHistory(database.db, {
      systemId: 'live',
      timeZone: zone,
      stations: [],
      polls: [{ at: new Date(now), states: { A: PLENTY, B: PLENTY, C: PLENTY } }],
    })
    const second = await api.services.serviceLevels.refresh({ system: 'live' })
    expect(second.days.map((d) => d.day)).toEqual([today])
    const incremental = await api.services.serviceLevels.report({ system: 'live', day: today })
    expect(incremental.stations.find((s) => s.station_id === 'A')?.minutes_empty).toBe(30)

    await api.services.serviceLevels.refresh({ system: 'live', rebuild: true })
    const rebuilt = await api.services.serviceLevels.report({ system: 'live', day: today })
    // The same history gives the same figures, up to the moments each was computed at.
    for (const station of rebuilt.stations) {
      const before = incremental.stations.find((s) => s.station_id === station.station_id)
      expect(station.minutes_empty).toBe(before?.minutes_empty)
      expect(station.minutes_full).toBe(before?.minutes_full)
      expect(Math.abs(station.minutes_known - (before?.minutes_known ?? 0))).toBeLessThan(1)
    }
    const { rows } = await sql<{ complete: boolean }>`
      select complete from service_days where system_id = 'live'`.execute(database.db)
    expect(rows).toEqual([{ complete: false }])
  })
})
