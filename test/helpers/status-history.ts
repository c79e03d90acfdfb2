import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

/** Status histories the project made for its tests (test/fixtures/status-history). */
export function statusFixture(name: string): string {
  return join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'status-history', name)
}

/** The stations of test/fixtures/status-history/station_information.json, by role. */
export const STATUS_STATIONS = {
  /** A UUID, as the 2023 Bay Wheels feed keys most stations. */
  powell: '1b13a386-c5f4-42cc-bc3b-ded95982e090',
  /** A 19-digit number, as it keys the others: must stay exact. */
  ferry: '1871526930513589366',
  laguna: '74',
  /** In the station file, but only in absent.csv. */
  yerbaBuena: '284',
} as const

/** week.csv's five snapshots: 600, 617, 583 and 620 s apart (median 608.5 s). */
export const WEEK_SNAPSHOTS = [
  '2023-07-10T07:05:11.000Z',
  '2023-07-10T07:15:11.000Z',
  '2023-07-10T07:25:28.000Z',
  '2023-07-10T07:35:11.000Z',
  '2023-07-10T07:45:31.000Z',
] as const

/** absent.csv's six snapshots, ten minutes apart across midnight UTC (16:40-17:30 in LA). */
export const ABSENT_SNAPSHOTS = [
  '2023-07-11T23:40:00.000Z',
  '2023-07-11T23:50:00.000Z',
  '2023-07-12T00:00:00.000Z',
  '2023-07-12T00:10:00.000Z',
  '2023-07-12T00:20:00.000Z',
  '2023-07-12T00:30:00.000Z',
] as const
