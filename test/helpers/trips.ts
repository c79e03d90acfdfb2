import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Database } from '../../src/server/db/database.js'

/** Trip files the project made for its tests (test/fixtures/trips): they run on any clone. */
export function tripFixture(name: string): string {
  return join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'trips', name)
}

/**
 * Seven San Francisco stations as the real feeds list them: the 2018 Ford GoBike number, the
 * short_name Lyft trip files use, and the UUID the 2023 Bay Wheels feed uses as station_id.
 */
export const SF_STATIONS = [
  {
    number: '3',
    uuid: '1b13a386-c5f4-42cc-bc3b-ded95982e090',
    shortName: 'SF-G27',
    name: 'Powell St BART Station (Market St at 4th St)',
    lat: 37.78637526861584,
    lon: -122.40490436553954,
  },
  {
    number: '4',
    uuid: 'a00d04e6-0159-466a-b3ab-23f9550f418c',
    shortName: 'SF-G26',
    name: 'Cyril Magnin St at Ellis St',
    lat: 37.78588062694133,
    lon: -122.4089150084319,
  },
  {
    number: '15',
    uuid: 'b2e9118f-aafb-49fb-b237-4ba08e21f51f',
    shortName: 'SF-E29-1',
    name: 'San Francisco Ferry Building (Harry Bridges Plaza)',
    lat: 37.795392,
    lon: -122.394203,
  },
  {
    number: '30',
    uuid: 'ea11aa7f-c070-46a4-a074-70604340efa2',
    shortName: 'SF-J29',
    name: 'San Francisco Caltrain (Townsend St at 4th St)',
    lat: 37.776598,
    lon: -122.395282,
  },
  {
    number: '74',
    uuid: '83b33e8d-bf8c-4a2a-8ee3-942834af27b4',
    shortName: 'SF-J21',
    name: 'Laguna St at Hayes St',
    lat: 37.776434819204745,
    lon: -122.42624402046204,
  },
  {
    number: '114',
    uuid: 'b3c834af-571f-4fee-808b-ae2a7c018b5c',
    shortName: 'SF-N27',
    name: 'Rhode Island St at 17th St',
    lat: 37.7644783,
    lon: -122.4025701,
  },
  {
    number: '284',
    uuid: '8b4f5169-6d0c-4d43-aa31-d243c5aec7ec',
    shortName: 'SF-H27-1',
    name: 'Yerba Buena Center for the Arts (Howard St at 3rd St)',
    lat: 37.78487208436062,
    lon: -122.40087568759917,
  },
] as const

/** The UUID station_id of a 2023 station, by its old number. */
export function uuidOf(number: string): string {
  const station = SF_STATIONS.find((s) => s.number === number)
  if (!station) throw new Error(`no fixture station numbered ${number}`)
  return station.uuid
}

/**
 * A system with the seven stations keyed as a feed of that year keyed them: 2018 by number
 * (station_id "3"), 2023 by UUID with the number in legacy_id.
 */
export async function seedSfSystem(
  db: Database,
  systemId: string,
  style: '2018' | '2023',
): Promise<void> {
  await db
    .insertInto('systems')
    .values({ system_id: systemId, name: `Bay Wheels (${style} feed)` })
    .execute()
  await db
    .insertInto('stations')
    .values(
      SF_STATIONS.map((s) => ({
        system_id: systemId,
        station_id: style === '2018' ? s.number : s.uuid,
        name: s.name,
        short_name: s.shortName,
        legacy_id: style === '2023' ? s.number : null,
        external_id: style === '2023' ? s.uuid : null,
        capacity: 19,
        lat: s.lat,
        lon: s.lon,
      })),
    )
    .execute()
}
