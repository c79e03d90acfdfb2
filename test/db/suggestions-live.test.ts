import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Suggestion, Task, TaskPage } from '../../src/shared/dispatch.js'
import { HUB_CHANNELS } from '../../src/server/events/events.routes.js'
import { createNotifyHub, type NotifyHub } from '../../src/server/events/notify-hub.js'
import { undoDecision, UNDO_WINDOW_MS } from '../../src/server/dispatch/suggestion-undo.js'
import { CONSOLE_ACTOR } from '../../src/server/auth/actor.js'
import { silentLogger } from '../../src/server/logger.js'
import { startApi, type TestApi } from '../helpers/api.js'
import { waitUntil } from '../helpers/cli.js'
import { setLive } from '../helpers/crew-work.js'
import { SYSTEM, seedStations } from '../helpers/fixtures.js'
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.js'

// Issue 16: suggestions keep the numbers they were proposed on, page with a cursor past the
// first 1,000 (GET /tasks too), notify the consoles, and a decision can be undone.

let database: TestDatabase
let api: TestApi
let hub: NotifyHub
let dispatcher: string

beforeAll(async () => {
  database = await createTestDatabase()
  await seedStations(database.db, [
    { station_id: 'A', name: 'Folsom St' },
    { station_id: 'B', name: 'Harrison St' },
    { station_id: 'C', name: 'Bryant St' },
    { station_id: 'P', name: 'Paging St' },
    { station_id: 'Q', name: 'Queue St' },
  ])
  hub = createNotifyHub({
    url: database.url,
    channels: HUB_CHANNELS,
    logger: silentLogger(),
    retryMs: 50,
  })
  api = await startApi(database, { events: hub })
  dispatcher = await api.token('dispatcher', 'desk 1')
})

afterAll(async () => {
  await api.close()
  await hub.close()
  await database.drop()
})

async function propose(from: string, to: string, qty = 4): Promise<Suggestion> {
  const { status, body } = await api.call('POST', '/suggestions', {
    token: dispatcher,
    body: { system_id: SYSTEM, from_station_id: from, to_station_id: to, qty, reason: 'test' },
  })
  expect(status).toBe(201)
  return body as Suggestion
}

async function auditActions(entity: string, id: number): Promise<string[]> {
  const rows = await database.db
    .selectFrom('audit_log')
    .select('action')
    .where('entity', '=', entity)
    .where('entity_id', '=', String(id))
    .orderBy('audit_id')
    .execute()
  return rows.map((row) => row.action)
}

describe('the numbers a suggestion was proposed on', () => {
  it('are kept with it, and stay as they were when the live ones move', async () => {
    await setLive(database.db, 'A', 14, 4)
    await setLive(database.db, 'B', 1, 17)
    const made = await propose('A', 'B')
    expect(made).toMatchObject({ from_bikes: 14, from_docks: 4, to_bikes: 1, to_docks: 17 })
    await setLive(database.db, 'A', 5, 13)
    const { body } = await api.call('GET', '/suggestions', { token: dispatcher })
    expect((body as Suggestion[]).find((item) => item.id === made.id)).toMatchObject({
      from_bikes: 14,
      to_bikes: 1,
    })
    // A station without a status: unknown, not zero.
    const unknown = await propose('C', 'A')
    expect(unknown).toMatchObject({ from_bikes: null, from_docks: null, to_bikes: 5 })
  })
})

describe('suggestions:changed', () => {
  it('is heard once per system and transaction when suggestions are made or decided', async () => {
    await seedStations(database.db, [{ station_id: 'X' }, { station_id: 'Y' }], 'other_sys')
    const heard: string[] = []
    const off = hub.subscribe((event) => {
      if (event.channel === 'suggestions' && event.payload.includes('other_sys')) {
        heard.push(event.payload)
      }
    })
    // An engine-like run: several statements in one transaction, one notification.
    await database.db.transaction().execute(async (trx) => {
      for (const qty of [1, 2, 3]) {
        await sql`insert into suggestions (system_id, from_station_id, to_station_id, qty)
                  values ('other_sys', 'X', 'Y', ${qty})`.execute(trx)
      }
    })
    await waitUntil(() => heard.length >= 1, 5_000)
    const { body } = await api.call('GET', '/suggestions?system=other_sys', { token: dispatcher })
    const [first] = body as Suggestion[]
    await api.call('POST', `/suggestions/${first?.id ?? 0}/reject`, {
      token: dispatcher,
      body: {},
    })
    await waitUntil(() => heard.length >= 2, 5_000)
    // Anything more would have arrived by now.
    await new Promise((resolve) => setTimeout(resolve, 300))
    off()
    expect(heard).toEqual(['{"system_id" : "other_sys"}', '{"system_id" : "other_sys"}'])
  })
})

describe('undoing a decision', () => {
  it('opens a rejected suggestion again, and audits it', async () => {
    const made = await propose('C', 'B')
    await api.call('POST', `/suggestions/${made.id}/reject`, {
      token: dispatcher,
      body: { note: 'crew already there' },
    })
    const undone = await api.call('POST', `/suggestions/${made.id}/undo`, { token: dispatcher })
    expect(undone.status).toBe(200)
    expect(undone.body).toMatchObject({
      id: made.id,
      status: 'open',
      decided_at: null,
      decided_by: null,
      decision_note: null,
    })
    expect(await auditActions('suggestion', made.id)).toEqual([
      'suggestion.create',
      'suggestion.reject',
      'suggestion.undo',
    ])
    // Undoing again: nothing to undo, said in words.
    const again = await api.call('POST', `/suggestions/${made.id}/undo`, { token: dispatcher })
    expect(again).toMatchObject({ status: 409, body: { code: 'undo_not_decided' } })
  })

  it('cancels the ready task an approval made and opens the suggestion, which may be approved again', async () => {
    // B has the bikes now: an approval is checked against the live numbers.
    await setLive(database.db, 'B', 8, 12)
    const made = await propose('B', 'A', 3)
    const approved = await api.call('POST', '/task/approve', {
      token: dispatcher,
      body: { suggestion_id: made.id },
    })
    const task = approved.body as Task
    const undone = await api.call('POST', `/suggestions/${made.id}/undo`, { token: dispatcher })
    expect(undone).toMatchObject({ status: 200, body: { status: 'open', task_id: null } })
    const canceled = await database.db
      .selectFrom('tasks')
      .selectAll()
      .where('id', '=', task.id)
      .executeTakeFirstOrThrow()
    expect(canceled).toMatchObject({ status: 'canceled', suggestion_id: null })
    expect(await auditActions('task', task.id)).toEqual(['task.create', 'task.cancel'])

    const again = await api.call('POST', '/task/approve', {
      token: dispatcher,
      body: { suggestion_id: made.id },
    })
    expect(again.status).toBe(200)
    expect((again.body as Task).id).not.toBe(task.id)
  })

  it('leaves an approval whose task a crew already holds, and a decision too old', async () => {
    const crew = await api.token('crew', 'Van U', { crewId: 'van-u' })
    // Earlier tests' ready tasks out of the way: the crew claims this one.
    await sql`update tasks set status = 'canceled', canceled_at = now() where status = 'ready'`.execute(
      database.db,
    )
    const made = await propose('A', 'C', 2)
    await api.call('POST', '/task/approve', { token: dispatcher, body: { suggestion_id: made.id } })
    const claimed = await api.call('POST', '/dispatch/next', { token: crew, body: {} })
    expect(claimed).toMatchObject({ status: 200, body: { suggestion_id: made.id } })
    const held = await api.call('POST', `/suggestions/${made.id}/undo`, { token: dispatcher })
    expect(held).toMatchObject({ status: 409, body: { code: 'undo_refused' } })
    expect((held.body as { detail: string }).detail).toMatch(/is already assigned \(crew van-u\)/)

    const old = await propose('C', 'A')
    await api.call('POST', `/suggestions/${old.id}/reject`, { token: dispatcher, body: {} })
    const later = new Date(Date.now() + UNDO_WINDOW_MS + 1_000)
    await expect(undoDecision(database.db, old.id, CONSOLE_ACTOR, later)).rejects.toMatchObject({
      code: 'undo_too_late',
    })
  })

  it('refuses when a newer open suggestion proposes the same move', async () => {
    const first = await propose('Q', 'P')
    await api.call('POST', `/suggestions/${first.id}/reject`, { token: dispatcher, body: {} })
    const second = await propose('Q', 'P')
    const undone = await api.call('POST', `/suggestions/${first.id}/undo`, { token: dispatcher })
    expect(undone).toMatchObject({ status: 409, body: { code: 'undo_refused' } })
    expect((undone.body as { detail: string }).detail).toContain(`suggestion ${second.id}`)
  })

  it('is the only way back: a decided suggestion cannot be reopened by a plain update', async () => {
    const made = await propose('P', 'Q')
    const rejected = await api.call('POST', `/suggestions/${made.id}/reject`, {
      token: dispatcher,
      body: {},
    })
    expect(rejected).toMatchObject({ status: 200, body: { status: 'rejected' } })
    await expect(
      sql`update suggestions set status = 'open', decided_at = null where id = ${made.id}`.execute(
        database.db,
      ),
    ).rejects.toThrow(/is already rejected/)
  })
})

describe('paging past the first 1,000', () => {
  it('GET /suggestions: the first page is the plain array, the cursor in headers', async () => {
    await sql`
      insert into suggestions (system_id, from_station_id, to_station_id, qty, reason, source)
      select ${SYSTEM}, 'P', 'Q', 1 + g % 5, 'bulk ' || g, 'external'
        from generate_series(1, 1205) as g`.execute(database.db)
    const total = Number(
      (
        await sql<{
          n: string
        }>`select count(*) as n from suggestions where status = 'open'`.execute(database.db)
      ).rows[0]?.n,
    )
    expect(total).toBeGreaterThan(1_205)

    const first = await api.call('GET', '/suggestions', { token: dispatcher })
    const page = first.body as Suggestion[]
    expect(Array.isArray(page)).toBe(true)
    expect(page).toHaveLength(1_000)
    const cursor = first.headers.get('x-next-cursor')
    expect(cursor).toBe(String(page.at(-1)?.id))
    expect(first.headers.get('link')).toBe(`</suggestions?cursor=${cursor}>; rel="next"`)

    const seen = [...page]
    let next: string | null = cursor
    while (next) {
      const answer = await api.call('GET', `/suggestions?status=open&cursor=${next}&limit=150`, {
        token: dispatcher,
      })
      seen.push(...(answer.body as Suggestion[]))
      next = answer.headers.get('x-next-cursor')
      if (next) expect(answer.headers.get('link')).toContain(`status=open&cursor=${next}&limit=150`)
    }
    expect(seen).toHaveLength(total)
    expect(new Set(seen.map((item) => item.id)).size).toBe(total)
    const ids = seen.map((item) => item.id)
    expect(ids).toEqual([...ids].sort((a, b) => a - b))

    const bad = await api.call('GET', '/suggestions?limit=1001', { token: dispatcher })
    expect(bad).toMatchObject({
      status: 400,
      body: { detail: 'query.limit: must be at most 1000' },
    })
  })

  it('GET /tasks: every task once, newest first, and the last page says there is none after', async () => {
    await sql`
      insert into tasks (system_id, from_station_id, to_station_id, qty, reason, created_by)
      select ${SYSTEM}, 'P', 'Q', 2, 'bulk ' || g, 'test' from generate_series(1, 1100) as g`.execute(
      database.db,
    )
    const total = Number(
      (await sql<{ n: string }>`select count(*) as n from tasks`.execute(database.db)).rows[0]?.n,
    )
    const seen: Task[] = []
    let cursor: string | null = null
    let pages = 0
    do {
      const answer = await api.call('GET', `/tasks?limit=200${cursor ? `&cursor=${cursor}` : ''}`, {
        token: dispatcher,
      })
      const page = answer.body as TaskPage
      seen.push(...page.tasks)
      cursor = page.next_cursor
      pages++
    } while (cursor)
    expect(seen).toHaveLength(total)
    expect(new Set(seen.map((item) => item.id)).size).toBe(total)
    expect(pages).toBe(Math.ceil(total / 200))
  })
})
