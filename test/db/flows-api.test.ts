import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { FlowSeries, StationProfile } from '../../src/shared/flows.js'
import { startApi, type TestApi } from '../helpers/api.js'
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.js'
import { seedSfSystem, tripFixture } from '../helpers/trips.js'

let database: TestDatabase
let api: TestApi
let analyst: string

beforeAll(async () => {
  database = await createTestDatabase()
  await seedSfSystem(database.db, 'sf2018', '2018')
  api = await startApi(database)
  const report = await api.services.trips.importFiles({
    paths: [tripFixture('fordgobike-dst-2018.csv')],
    systemId: 'sf2018',
  })
  expect(report.outcomes[0]?.status).toBe('imported')
  analyst = await api.token('analyst')
})
afterAll(async () => {
  await api.close()
  await database.drop()
})

describe('GET /stations/{id}/flows', () => {
  it('answers an analyst with every bin of the range, zeros included', async () => {
    const { status, body } = await api.call(
      'GET',
      '/stations/15/flows?from=2018-11-04T00:00&to=2018-11-04T03:00&bin=hour',
      { token: analyst },
    )
    expect(status).toBe(200)
    const series = body as FlowSeries
    expect(series).toMatchObject({ systemId: 'sf2018', stationId: '15', bin: 'hour' })
    expect(series.points.map((p) => [p.local, p.outflow, p.inflow])).toEqual([
      ['2018-11-04 00:00', 0, 0],
      ['2018-11-04 01:00', 1, 0],
      ['2018-11-04 01:00', 0, 1],
      ['2018-11-04 02:00', 0, 0],
    ])
  })

  it('exports CSV on Accept: text/csv and on format=csv alike', async () => {
    const path = '/stations/15/flows?from=2018-11-04&to=2018-11-05&bin=day'
    const byHeader = await api.call('GET', path, {
      token: analyst,
      headers: { accept: 'text/csv' },
    })
    const byQuery = await api.call('GET', `${path}&format=csv`, { token: analyst })
    expect(byHeader.status).toBe(200)
    expect(byHeader.headers.get('content-type')).toMatch(/^text\/csv/)
    expect(byHeader.headers.get('content-disposition')).toMatch(
      /attachment; filename="flows-sf2018-15-day-2018-11-04\.csv"/,
    )
    expect(byHeader.body).toBe(
      'system_id,station_id,bin_start_utc,bin_start_local,outflow,inflow\r\n' +
        'sf2018,15,2018-11-04T07:00:00.000Z,2018-11-04 00:00,1,1\r\n',
    )
    expect(byQuery.body).toBe(byHeader.body)
  })

  it('is for analysts, dispatchers and engines, not crews or anonymous callers', async () => {
    const path = '/stations/15/flows?from=2018-11-04&to=2018-11-05'
    expect((await api.call('GET', path)).status).toBe(401)
    const crew = await api.token('crew')
    const refused = await api.call('GET', path, { token: crew })
    expect(refused.status).toBe(403)
    expect(refused.body).toMatchObject({ code: 'forbidden' })
    const dispatcher = await api.token('dispatcher')
    expect((await api.call('GET', path, { token: dispatcher })).status).toBe(200)
  })

  it('answers a bad request with 400 naming the field, an unknown station with 404', async () => {
    const bad = await api.call('GET', '/stations/15/flows?from=yesterday&to=2018-11-05', {
      token: analyst,
    })
    expect(bad.status).toBe(400)
    expect(bad.body).toMatchObject({
      code: 'invalid_request',
      detail: expect.stringMatching(/^query\.from: must be a date/) as unknown,
    })
    const bin = await api.call('GET', '/stations/15/flows?from=2018-11-04&to=2018-11-05&bin=week', {
      token: analyst,
    })
    expect(bin.status).toBe(400)
    expect(bin.body).toMatchObject({ detail: expect.stringMatching(/^query\.bin/) as unknown })
    const missing = await api.call('GET', '/stations/15/flows?from=2018-11-04', { token: analyst })
    expect(missing.body).toMatchObject({ detail: 'query.to: is required' })
    const backwards = await api.call('GET', '/stations/15/flows?from=2018-11-05&to=2018-11-04', {
      token: analyst,
    })
    expect(backwards.status).toBe(400)
    expect(backwards.body).toMatchObject({ code: 'invalid_range' })
    const unknown = await api.call('GET', '/stations/999/flows?from=2018-11-04&to=2018-11-05', {
      token: analyst,
    })
    expect(unknown.status).toBe(404)
    expect(unknown.body).toMatchObject({
      code: 'unknown_station',
      detail: 'no station "999" in system sf2018',
    })
  })
})

describe('GET /flows', () => {
  it('sums every station of the system per bin', async () => {
    const { status, body } = await api.call(
      'GET',
      '/flows?from=2018-11-04&to=2018-11-05&bin=day&system=sf2018',
      { token: analyst },
    )
    expect(status).toBe(200)
    // Four trips left stations that day and four arrived.
    expect(body).toMatchObject({ stationId: null, totals: { outflow: 4, inflow: 4 } })
  })
})

describe('GET /stations/{id}/profile', () => {
  it('gives 7 x 24 mean cells over the imported days, and CSV on request', async () => {
    const { status, body } = await api.call('GET', '/stations/284/profile', { token: analyst })
    expect(status).toBe(200)
    const profile = body as StationProfile
    expect(profile.cells).toHaveLength(168)
    expect(profile).toMatchObject({ from: '2018-02-28', to: '2018-11-05', bin: 'hour' })
    const csv = await api.call('GET', '/stations/284/profile?format=csv', { token: analyst })
    expect(typeof csv.body === 'string' && csv.body.split('\r\n')[0]).toBe(
      'system_id,station_id,day_of_week,minute_of_day,outflow,inflow',
    )
  })
})

describe('the OpenAPI document', () => {
  it('documents the flows routes with their roles and the CSV alternative', async () => {
    const { body } = await api.call('GET', '/openapi.json')
    const paths = (body as { paths: Record<string, Record<string, unknown>> }).paths
    expect(Object.keys(paths)).toEqual(
      expect.arrayContaining([
        '/stations/{station_id}/flows',
        '/flows',
        '/stations/{station_id}/profile',
      ]),
    )
    const get = paths['/flows']?.get as {
      description: string
      responses: Record<string, { content?: Record<string, unknown> }>
    }
    expect(get.description).toMatch(/Roles: analyst, dispatcher, engine/)
    expect(Object.keys(get.responses['200']?.content ?? {})).toEqual([
      'application/json',
      'text/csv',
    ])
  })
})
