import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ServiceError } from '../../src/server/errors.js'
import { chooseSystem } from '../../src/server/systems/system-choice.js'
import { startApi, type TestApi } from '../helpers/api.js'
import { SYSTEM, seedStations } from '../helpers/fixtures.js'
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.js'

// "Which system does this request mean" has one answer wherever it is asked: a system that does
// not exist is bad input (400, code unknown_system) naming the field, on every route that takes
// one, and the database is left as it was.

let database: TestDatabase
let api: TestApi
let dispatcher: string
let analyst: string

beforeAll(async () => {
  database = await createTestDatabase()
  await seedStations(database.db, [{ station_id: '74' }, { station_id: '75' }])
  api = await startApi(database)
  dispatcher = await api.token('dispatcher')
  analyst = await api.token('analyst')
})

afterAll(async () => {
  await api.close()
  await database.drop()
})

async function caught(promise: Promise<unknown>): Promise<ServiceError> {
  const error: unknown = await promise.then(
    () => null,
    (thrown: unknown) => thrown,
  )
  expect(error).toBeInstanceOf(ServiceError)
  return error as ServiceError
}

async function counts() {
  const [suggestions, imports] = await Promise.all([
    database.db
      .selectFrom('suggestions')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .execute(),
    database.db
      .selectFrom('trip_imports')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .execute(),
  ])
  return { suggestions: suggestions[0]?.n, imports: imports[0]?.n }
}

describe('an unknown system, on every route that takes one', () => {
  it('answers 400 unknown_system naming the field, and changes nothing', async () => {
    const before = await counts()
    const day = 'from=2018-02-01&to=2018-02-02'
    const cases: [string, string, string, unknown, string][] = [
      [
        'POST',
        '/suggestions',
        dispatcher,
        { from_station_id: '74', to_station_id: '75', qty: 1, system_id: 'atlantis' },
        'system_id',
      ],
      ['POST', '/suggestions/run', dispatcher, { system_id: 'atlantis' }, 'system_id'],
      ['GET', `/flows?${day}&system=atlantis`, analyst, undefined, 'system'],
      ['GET', `/stations/74/flows?${day}&system=atlantis`, analyst, undefined, 'system'],
      ['GET', `/stations/74/profile?${day}&system=atlantis`, analyst, undefined, 'system'],
      ['GET', `/stations/74/history?system=atlantis`, analyst, undefined, 'system'],
      ['GET', `/stations/74/nearby?system=atlantis`, analyst, undefined, 'system'],
      ['GET', `/service/days?${day}&system=atlantis`, analyst, undefined, 'system'],
      ['GET', `/service/stations?${day}&system=atlantis`, analyst, undefined, 'system'],
      ['GET', `/service/report?day=2018-02-01&system=atlantis`, analyst, undefined, 'system'],
    ]
    for (const [method, path, token, body, field] of cases) {
      const answer = await api.call(method, path, { token, body })
      expect([path, answer.status], JSON.stringify(answer.body)).toEqual([path, 400])
      expect(answer.body).toEqual({
        code: 'unknown_system',
        detail: `${field}: no system "atlantis"; the systems are ${SYSTEM} (System ${SYSTEM})`,
      })
    }
    const upload = await fetch(`${api.url}/trips/imports?name=a.csv&system=atlantis`, {
      method: 'POST',
      headers: { 'content-type': 'text/csv', authorization: `Bearer ${dispatcher}` },
      body: 'ride_id\n1\n',
    })
    expect(upload.status).toBe(400)
    expect(await upload.json()).toMatchObject({ code: 'unknown_system' })
    expect(await counts()).toEqual(before)
  })
})

describe('chooseSystem', () => {
  it('means the only system when none is named, and the one named otherwise', async () => {
    expect(await chooseSystem(database.db)).toEqual({
      systemId: SYSTEM,
      name: `System ${SYSTEM}`,
      timezone: 'America/Los_Angeles',
    })
    expect((await chooseSystem(database.db, SYSTEM, 'system_id')).systemId).toBe(SYSTEM)
  })

  it('asks for a name when there are several systems, and for a system when there are none', async () => {
    const several = await createTestDatabase()
    try {
      await seedStations(several.db, [{ station_id: '1' }], 'east')
      await seedStations(several.db, [{ station_id: '2' }], 'west')
      const required = await caught(chooseSystem(several.db, undefined, 'system_id'))
      expect([required.kind, required.code, required.detail]).toEqual([
        'invalid',
        'system_required',
        'system_id: the database has 2 systems; name one with system_id: east (System east), west (System west)',
      ])
      const unknown = await caught(chooseSystem(several.db, 'north'))
      expect([unknown.kind, unknown.code]).toEqual(['invalid', 'unknown_system'])
      expect(unknown.detail).toBe(
        'system: no system "north"; the systems are east (System east), west (System west)',
      )
      await several.db.deleteFrom('stations').execute()
      await several.db.deleteFrom('systems').execute()
      const none = await caught(chooseSystem(several.db))
      expect([none.kind, none.code]).toEqual(['invalid', 'no_systems'])
      expect(none.detail).toMatch(/^system: the database has no systems yet: poll a GBFS feed/)
      const unknownOfNone = await caught(chooseSystem(several.db, 'north', 'system_id'))
      expect([unknownOfNone.kind, unknownOfNone.code, unknownOfNone.detail]).toEqual([
        'invalid',
        'unknown_system',
        'system_id: no system "north": the database has no systems yet',
      ])
    } finally {
      await several.drop()
    }
  })
})
