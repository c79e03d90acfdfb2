import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ServiceReport } from '../../src/shared/service-levels.js'
import { startApi, type TestApi } from '../helpers/api.js'
import {
  readReferenceHistory,
  referenceDay,
  type ReferenceHistory,
} from '../helpers/service-reference.js'
import { hasSharedData, NEEDS_SHARED_DATA, sharedData } from '../helpers/shared-data.js'
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.js'

const WEEK = 'status-history/baywheels-2023-07-10_16'
const DAYS = ['10', '11', '12', '13', '14', '15', '16'].map((d) => `2023-07-${d}`)

/** 06:00-22:00 PDT (UTC-7) of a July day, as instants. */
const window = (day: string) => ({
  start: Date.parse(`${day}T06:00:00-07:00`),
  end: Date.parse(`${day}T22:00:00-07:00`),
})

describe.skipIf(!hasSharedData)(
  `the real Bay Wheels week of July 10-16, 2023${NEEDS_SHARED_DATA}`,
  () => {
    let database: TestDatabase
    let api: TestApi
    let reference: ReferenceHistory
    const reports = new Map<string, ServiceReport>()

    beforeAll(async () => {
      database = await createTestDatabase()
      api = await startApi(database)
      const imported = await api.services.statusImports.importFile({
        path: sharedData(WEEK, 'station_status.csv.gz'),
      })
      expect(imported).toMatchObject({ status: 'imported', snapshots: 879, stations: 517 })
      for (const day of DAYS) {
        reports.set(day, await api.services.serviceLevels.report({ day }))
      }
      reference = readReferenceHistory(
        sharedData(WEEK, 'station_status.csv.gz'),
        sharedData(WEEK, 'station_information_last.json'),
      )
    }, 120_000)
    afterAll(async () => {
      await api.close()
      await database.drop()
    })

    it('bridges polls up to twice the file’s median spacing (608.5 s)', () => {
      expect(reference.bridgeMs).toBe(1_217_000)
      for (const report of reports.values()) {
        expect(report.summary).toMatchObject({
          bridge_minutes: 20.28,
          complete: true,
          stations: 517,
        })
      }
    })

    it.each(DAYS)(
      'gives every station the minutes empty, full and unknown counted from the raw file on %s',
      (day) => {
        const expected = referenceDay(reference, window(day).start, window(day).end)
        const report = reports.get(day)
        expect(report?.stations).toHaveLength(expected.stations.size)
        for (const station of report?.stations ?? []) {
          const want = expected.stations.get(station.station_id)
          expect(want, station.station_id).toBeDefined()
          expect(station.minutes_empty, `${station.station_id} empty`).toBeCloseTo(
            want?.empty ?? -1,
            2,
          )
          expect(station.minutes_full, `${station.station_id} full`).toBeCloseTo(
            want?.full ?? -1,
            2,
          )
          expect(station.minutes_unknown, `${station.station_id} unknown`).toBeCloseTo(
            want?.unknown ?? -1,
            2,
          )
        }
        expect(report?.cluster_outage_minutes).toBeCloseTo(expected.clusterOutageMinutes, 2)
      },
    )

    it('adds up: each day’s system figures are its stations’ and clusters’ sums, the week the days’', async () => {
      const summary = await api.services.serviceLevels.summary({
        from: '2023-07-10',
        to: '2023-07-17',
      })
      expect(summary.days.map((d) => d.day)).toEqual(DAYS)
      for (const day of summary.days) {
        const report = reports.get(day.day)
        const sum = (key: 'minutes_empty' | 'minutes_full' | 'minutes_unknown') =>
          (report?.stations ?? []).reduce((total, s) => total + s[key], 0)
        // Stations round to the hundredth of a minute, the day sums unrounded seconds.
        expect(Math.abs(day.minutes_empty - sum('minutes_empty'))).toBeLessThan(517 * 0.005)
        expect(Math.abs(day.minutes_full - sum('minutes_full'))).toBeLessThan(517 * 0.005)
        expect(Math.abs(day.minutes_unknown - sum('minutes_unknown'))).toBeLessThan(517 * 0.005)
        expect(day.minutes_known + day.minutes_unknown).toBeCloseTo(517 * 16 * 60, 1)
        expect(day.cluster_outage_minutes).toBe(report?.cluster_outage_minutes)
      }
      const week = summary.days.reduce((total, d) => total + d.cluster_outage_minutes, 0)
      expect(summary.totals.cluster_outage_minutes).toBeCloseTo(week, 1)
      const stations = await api.services.serviceLevels.stations({
        from: '2023-07-10',
        to: '2023-07-17',
      })
      const weekEmpty = stations.stations.reduce((total, s) => total + s.minutes_empty, 0)
      expect(Math.abs(summary.totals.minutes_empty - weekEmpty)).toBeLessThan(517 * 0.005)
    })
  },
)
