import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CLI_ACTOR } from '../../src/server/auth/actor.js'
import { startApi, type TestApi } from '../helpers/api.js'
import { seedStations } from '../helpers/fixtures.js'
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.js'

let database: TestDatabase
let api: TestApi
let dispatcher: string

beforeAll(async () => {
  database = await createTestDatabase()
  await seedStations(database.db, [{ station_id: '74' }, { station_id: '75' }])
  api = await startApi(database)
  dispatcher = await api.token('dispatcher', 'depot desk')
  // Something for the routes that take an id to find, so a bad byte is all that stops them.
  const suggestion = await api.call('POST', '/suggestions', {
    token: dispatcher,
    body: { from_station_id: '74', to_station_id: '75', qty: 3 },
  })
  expect(suggestion.status).toBe(201)
})

afterAll(async () => {
  await api.close()
  await database.drop()
})

/** Rows in every table a request could write: a refused request must change none. */
async function rowCounts(): Promise<Record<string, number>> {
  const tables = [
    'api_tokens',
    'audit_log',
    'crews',
    'crew_heartbeats',
    'suggestions',
    'tasks',
    'task_assignments',
    'stations',
    'systems',
    'feeds',
    'service_days',
  ]
  const counts: Record<string, number> = {}
  for (const table of tables) {
    const { rows } = await sql<{ n: number }>`select count(*)::int as n from ${sql.table(
      table,
    )}`.execute(database.db)
    counts[table] = rows[0]?.n ?? -1
  }
  return counts
}

interface Parameter {
  name: string
  in: 'path' | 'query' | 'header'
}
interface Operation {
  parameters?: Parameter[]
  requestBody?: { content: Record<string, { schema: Schema }> }
}
interface Schema {
  $ref?: string
  properties?: Record<string, Schema>
  anyOf?: Schema[]
  allOf?: Schema[]
}
interface OpenApi {
  paths: Record<string, Record<string, Operation>>
  components?: { schemas?: Record<string, Schema> }
}

function bodyFields(document: OpenApi, schema: Schema | undefined, depth = 0): string[] {
  if (!schema || depth > 4) return []
  const resolved = schema.$ref
    ? document.components?.schemas?.[schema.$ref.replace('#/components/schemas/', '')]
    : schema
  if (!resolved) return []
  return [
    ...Object.keys(resolved.properties ?? {}),
    ...[...(resolved.anyOf ?? []), ...(resolved.allOf ?? [])].flatMap((part) =>
      bodyFields(document, part, depth + 1),
    ),
  ]
}

interface Probe {
  route: string
  field: string
  method: string
  url: string
  body?: string
}

/** The bytes PostgreSQL cannot store, as JSON text and as a URL's percent-encoding. */
const BAD = [
  { name: 'NUL', json: '"a\\u0000b"', url: 'a%00b' },
  { name: 'lone surrogate', json: '"a\\ud800b"', url: null },
  { name: 'lone low surrogate', json: '"\\udc00"', url: null },
]

/** Every text field of every route in /openapi.json, each given each bad value in turn. */
function probes(document: OpenApi): Probe[] {
  const all: Probe[] = []
  for (const [route, methods] of Object.entries(document.paths)) {
    for (const [method, operation] of Object.entries(methods)) {
      const parameters = operation.parameters ?? []
      const pathParams = parameters.filter((p) => p.in === 'path').map((p) => p.name)
      const queryParams = parameters.filter((p) => p.in === 'query').map((p) => p.name)
      const jsonBody = operation.requestBody?.content['application/json']?.schema
      const fields = [...new Set(bodyFields(document, jsonBody))]
      const fill = (bad?: { name: string; value: string }) =>
        route.replace(/\{(\w+)\}/g, (_, name: string) => (name === bad?.name ? bad.value : '1'))
      for (const value of BAD) {
        if (value.url) {
          for (const name of pathParams) {
            all.push({
              route,
              method,
              field: `path.${name}`,
              url: fill({ name, value: value.url }),
            })
          }
          for (const name of queryParams) {
            all.push({
              route,
              method,
              field: `query.${name}`,
              url: `${fill()}?${name}=${value.url}`,
            })
          }
        }
        for (const name of fields) {
          all.push({
            route,
            method,
            field: `body.${name}`,
            url: fill(),
            body: `{${JSON.stringify(name)}: ${value.json}}`,
          })
        }
      }
    }
  }
  return all
}

describe('bad bytes at the edge', () => {
  it('refuses a NUL or a lone surrogate in every text field of every route with a 400 naming it', async () => {
    const { body } = await api.call('GET', '/openapi.json')
    const document = body as OpenApi
    const all = probes(document)
    // Every kind of field is reached: a route with a body, a query and a path parameter at least.
    expect(all.some((probe) => probe.field === 'body.note')).toBe(true)
    expect(all.some((probe) => probe.field === 'query.station')).toBe(true)
    expect(all.some((probe) => probe.field.startsWith('path.'))).toBe(true)
    expect(all.length).toBeGreaterThan(100)

    const before = await rowCounts()
    const failures: string[] = []
    for (const probe of all) {
      const response = await fetch(`${api.url}${probe.url}`, {
        method: probe.method.toUpperCase(),
        headers: {
          authorization: `Bearer ${dispatcher}`,
          ...(probe.body ? { 'content-type': 'application/json' } : {}),
        },
        body: probe.body,
      })
      const answer = (await response.json().catch(() => null)) as {
        detail?: string
        code?: string
      } | null
      if (response.status !== 400 || !answer?.detail?.startsWith(`${probe.field}: `)) {
        failures.push(
          `${probe.method.toUpperCase()} ${probe.url} ${probe.body ?? ''}: ${response.status} ${JSON.stringify(answer)}`,
        )
      }
    }
    expect(failures).toEqual([])
    expect(await rowCounts()).toEqual(before)
  }, 120_000)

  it('says what is wrong in words, with the field first', async () => {
    const note = await api.call('POST', '/task/1/release', {
      token: dispatcher,
      body: '{"reason": "flat tyre\\u0000"}',
    })
    expect(note.status).toBe(400)
    expect(note.body).toEqual({ detail: 'body.reason: contains a NUL byte', code: 'invalid_text' })

    const station = await api.call('GET', '/tasks?station=%00', { token: dispatcher })
    expect(station.body).toEqual({
      detail: 'query.station: contains a NUL byte',
      code: 'invalid_text',
    })

    const surrogate = await api.call('POST', '/tokens', {
      token: dispatcher,
      body: '{"name": "Van \\ud800", "role": "crew"}',
    })
    expect(surrogate.status).toBe(400)
    expect((surrogate.body as { detail: string }).detail).toMatch(
      /^body.name: contains a lone UTF-16 surrogate/,
    )
  })

  it('never answers 500 to bad bytes from a caller without a token, or to a path no route has', async () => {
    const anonymous = await api.call('GET', '/tasks?station=%00')
    expect([400, 401]).toContain(anonymous.status)
    const nowhere = await api.call('GET', '/no%00where', { token: dispatcher })
    expect(nowhere.status).toBe(400)
    const broken = await api.call('GET', '/task/%ED%A0%80', { token: dispatcher })
    expect(broken.body).toMatchObject({ detail: 'path.task_id: is not valid percent-encoding' })
  })

  it('refuses a token name PostgreSQL cannot store, or one with control characters, by any way in', async () => {
    for (const name of ['Van\u00003', 'Van \ud800', 'Van\n3', 'Van\u00013']) {
      await expect(
        api.services.auth.createToken({ name, role: 'analyst' }, CLI_ACTOR),
      ).rejects.toMatchObject({ detail: expect.stringMatching(/^name: contains a /) as unknown })
    }
  })
})
