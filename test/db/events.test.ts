import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  createNotifyHub,
  RESYNC,
  type ChangeEvent,
  type NotifyHub,
} from '../../src/server/events/notify-hub.js'
import { silentLogger } from '../../src/server/logger.js'
import { startApi, type TestApi } from '../helpers/api.js'
import { waitUntil } from '../helpers/cli.js'
import { seedStations } from '../helpers/fixtures.js'
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.js'

let database: TestDatabase
let hub: NotifyHub
let api: TestApi

beforeAll(async () => {
  database = await createTestDatabase()
  await seedStations(database.db, [{ station_id: 'A' }, { station_id: 'B' }])
  hub = createNotifyHub({
    url: database.url,
    channels: ['tasks'],
    logger: silentLogger(),
    retryMs: 50,
  })
  api = await startApi(database, { events: hub })
})

afterAll(async () => {
  await api.close()
  await hub.close()
  await database.drop()
})

async function listening(): Promise<boolean> {
  const { rows } = await sql<{ n: number }>`
    select count(*)::int as n from pg_stat_activity
     where application_name = 'bay-wheels-balancer listen' and datname = current_database()`.execute(
    database.db,
  )
  return (rows[0]?.n ?? 0) > 0
}

describe('live changes from the shared database', () => {
  it('reach subscribers on commit, never for a rolled-back change', async () => {
    expect(await waitUntil(listening, 5_000)).toBe(true)
    const heard: ChangeEvent[] = []
    const unsubscribe = hub.subscribe((event) => heard.push(event))
    await database.db
      .transaction()
      .execute(async (trx) => {
        await sql`select pg_notify('tasks', '[{"id":1,"status":"ready"}]')`.execute(trx)
        throw new Error('roll back')
      })
      .catch(() => undefined)
    await sql`select pg_notify('tasks', '[{"id":2,"status":"ready"}]')`.execute(database.db)
    expect(await waitUntil(() => heard.length > 0, 5_000)).toBe(true)
    expect(heard).toEqual([{ channel: 'tasks', payload: '[{"id":2,"status":"ready"}]' }])
    unsubscribe()
  })

  it('reconnect after losing the connection, and tell subscribers to resync', async () => {
    const heard: string[] = []
    const unsubscribe = hub.subscribe((event) => heard.push(event.channel))
    await sql`select pg_terminate_backend(pid) from pg_stat_activity
               where application_name = 'bay-wheels-balancer listen'
                 and datname = current_database()`.execute(database.db)
    expect(await waitUntil(() => heard.includes(RESYNC), 10_000)).toBe(true)
    await sql`select pg_notify('tasks', '"after"')`.execute(database.db)
    expect(await waitUntil(() => heard.includes('tasks'), 5_000)).toBe(true)
    unsubscribe()
  })

  it('stream to a browser as server-sent events: a crew claim shows up live', async () => {
    const dispatcher = await api.token('dispatcher', 'browser')
    const crew = await api.token('crew', 'Van E', { crewId: 'van-e' })
    const suggestion = await api.services.dispatch.createSuggestion(
      { from_station_id: 'A', to_station_id: 'B', qty: 2 },
      { name: 'engine', role: 'engine', crewId: null, tokenId: null },
    )
    const controller = new AbortController()
    const response = await fetch(`${api.url}/events`, {
      headers: { authorization: `Bearer ${dispatcher}` },
      signal: controller.signal,
    })
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toContain('text/event-stream')
    const reader = response.body?.getReader()
    if (!reader) throw new Error('no stream')
    let text = ''
    const reading = (async () => {
      const decoder = new TextDecoder()
      for (;;) {
        const { value, done } = await reader.read()
        if (done) return
        text += decoder.decode(value as Uint8Array)
      }
    })().catch(() => undefined)
    const approved = await api.call('POST', '/task/approve', {
      token: dispatcher,
      body: { suggestion_id: suggestion.id },
    })
    const id = (approved.body as { id: number }).id
    await api.call('POST', '/dispatch/next', { token: crew })
    const events = () =>
      [...text.matchAll(/event: (\w+)\ndata: (.*)\n\n/g)].map(([, name, data]) => ({
        name,
        data: JSON.parse(data ?? 'null') as unknown,
      }))
    expect(await waitUntil(() => events().length >= 2, 5_000), text).toBe(true)
    expect(events()).toEqual([
      { name: 'tasks', data: [{ id, status: 'ready' }] },
      { name: 'tasks', data: [{ id, status: 'assigned' }] },
    ])
    controller.abort()
    await reading
  })

  it('refuse the stream to crews and to requests without a token', async () => {
    const crew = await api.token('crew', 'Van F', { crewId: 'van-f' })
    expect((await api.call('GET', '/events')).status).toBe(401)
    expect((await api.call('GET', '/events', { token: crew })).status).toBe(403)
  })
})
