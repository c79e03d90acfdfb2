import { sql } from 'kysely'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { MIGRATIONS } from '../../src/server/db/migrations.js'
import type { ClaimedTask, Task } from '../../src/shared/dispatch.js'
import { startApi, type TestApi } from '../helpers/api.js'
import { SEED_TASK_FIELDS, SYSTEM, seedStations } from '../helpers/fixtures.js'
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.js'

// What a crew's phone does when an answer is lost: it asks again. These tests hold the API to
// giving it the same work back, never a second task or a second completion.

let database: TestDatabase
let api: TestApi
let dispatcher: string
let crewA: string
let crewB: string

beforeAll(async () => {
  database = await createTestDatabase()
  await seedStations(database.db, [{ station_id: 'A' }, { station_id: 'B' }])
  api = await startApi(database)
  dispatcher = await api.token('dispatcher', 'retry desk')
  crewA = await api.token('crew', 'Van RA', { crewId: 'van-ra' })
  crewB = await api.token('crew', 'Van RB', { crewId: 'van-rb' })
})

afterAll(async () => {
  await api.close()
  await database.drop()
})

beforeEach(async () => {
  await sql`truncate task_assignments, tasks, idempotency_keys restart identity cascade`.execute(
    database.db,
  )
})

/** Ready tasks straight into the table, highest priority first in the returned ids. */
async function readyTasks(count: number, qty = 3): Promise<number[]> {
  const { rows } = await sql<{ id: number }>`
    insert into tasks (system_id, from_station_id, to_station_id, qty, priority)
    select ${SYSTEM}, 'A', 'B', ${qty}, ${count} - i from generate_series(0, ${count} - 1) as i
    returning id`.execute(database.db)
  return rows.map((row) => row.id)
}

async function counts() {
  const { rows } = await sql<{ assigned: number; assignments: number; dispatches: number }>`
    select (select count(*) from tasks where status = 'assigned') as assigned,
           (select count(*) from task_assignments) as assignments,
           (select count(*) from audit_log a join tasks t on a.entity_id = t.id::text
             where a.entity = 'task' and a.action = 'task.dispatch'
               and a.at >= (select min(created_at) from tasks)) as dispatches`.execute(database.db)
  return rows[0]
}

describe('a crew holds one task at a time', () => {
  it('two POST /dispatch/next without completing return the same task, the second saying it was held', async () => {
    const [first, second] = await readyTasks(2)
    const claimed = await api.call('POST', '/dispatch/next', { token: crewA, body: {} })
    const again = await api.call('POST', '/dispatch/next', { token: crewA, body: {} })
    expect(claimed).toMatchObject({ status: 200, body: { id: first, already_held: false } })
    expect(again).toMatchObject({ status: 200, body: { id: first, already_held: true } })
    // The seed's fields first, then the same fields a fresh claim has.
    expect(Object.keys(again.body as object).slice(0, 8)).toEqual(SEED_TASK_FIELDS)
    expect(Object.keys(again.body as object)).toEqual(Object.keys(claimed.body as object))
    expect({ ...(again.body as ClaimedTask), already_held: false }).toEqual(claimed.body)
    expect(await counts()).toEqual({ assigned: 1, assignments: 1, dispatches: 1 })
    const untouched = await api.call('GET', `/task/${second}`, { token: dispatcher })
    expect(untouched.body).toMatchObject({ status: 'ready', worker_id: null })
  })

  it('a claim whose answer was lost is recovered by the next call', async () => {
    const [id] = await readyTasks(3)
    // The answer never reaches the phone: the request is aborted after it was sent.
    const controller = new AbortController()
    const lost = fetch(`${api.url}/dispatch/next`, {
      method: 'POST',
      headers: { authorization: `Bearer ${crewA}`, 'content-type': 'application/json' },
      body: '{}',
      signal: controller.signal,
    })
    await waitFor(async () => ((await counts())?.assigned ?? 0) === 1)
    controller.abort()
    await lost.catch(() => undefined)
    const retry = await api.call('POST', '/dispatch/next', { token: crewA, body: {} })
    expect(retry).toMatchObject({
      status: 200,
      body: { id, status: 'assigned', worker_id: 'van-ra', already_held: true },
    })
    expect(await counts()).toMatchObject({ assigned: 1, assignments: 1 })
  })

  it('a dispatcher naming a crew that holds a task is given that task, not a second one', async () => {
    const [id] = await readyTasks(2)
    await api.call('POST', '/dispatch/next', { token: crewA, body: {} })
    const named = await api.call('POST', '/dispatch/next', {
      token: dispatcher,
      body: { worker_id: 'van-ra' },
    })
    expect(named).toMatchObject({ status: 200, body: { id, already_held: true } })
  })

  it('completing or giving back frees the crew for its next claim', async () => {
    const [first, second] = await readyTasks(2)
    await api.call('POST', '/dispatch/next', { token: crewA, body: {} })
    const released = await api.call('POST', `/task/${first}/release`, {
      token: crewA,
      body: { reason: 'van too full' },
    })
    expect(released).toMatchObject({ status: 200, body: { status: 'ready' } })
    // Given back, the task is the queue's head again: the crew may get it back, as a new claim.
    const next = await api.call('POST', '/dispatch/next', { token: crewA, body: {} })
    expect(next).toMatchObject({ status: 200, body: { id: first, already_held: false } })
    await api.call('POST', `/task/${first}/complete`, { token: crewA })
    const after = await api.call('POST', '/dispatch/next', { token: crewA, body: {} })
    expect(after).toMatchObject({ status: 200, body: { id: second, already_held: false } })
    expect(await counts()).toMatchObject({ assigned: 1, assignments: 3 })
  })

  it('the crew still holding a task gets it even when nothing else is ready or it is past its lease', async () => {
    const [id] = await readyTasks(1)
    await api.call('POST', '/dispatch/next', { token: crewA, body: {} })
    await sql`update tasks set assigned_at = now() - interval '3 hours' where id = ${id}`.execute(
      database.db,
    )
    const held = await api.call('POST', '/dispatch/next', { token: crewA, body: {} })
    expect(held).toMatchObject({ status: 200, body: { id, already_held: true, stale: true } })
    expect(await api.call('POST', '/dispatch/next', { token: crewB, body: {} })).toMatchObject({
      status: 404,
      body: { detail: 'No available tasks' },
    })
  })
})

describe('a completion retried', () => {
  async function completed(qtyMoved: number, note?: string): Promise<Task> {
    const [id] = await readyTasks(1)
    await api.call('POST', '/dispatch/next', { token: crewA, body: {} })
    const done = await api.call('POST', `/task/${id}/complete`, {
      token: crewA,
      body: { qty_moved: qtyMoved, ...(note === undefined ? {} : { note }) },
    })
    expect(done.status).toBe(200)
    return done.body as Task
  }

  it('with the same body is a 200 that changes nothing', async () => {
    const first = await completed(5, 'two bikes left, dock full')
    const again = await api.call('POST', `/task/${first.id}/complete`, {
      token: crewA,
      body: { qty_moved: 5, note: 'two bikes left, dock full' },
    })
    expect(again).toMatchObject({ status: 200, body: first })
    const { rows } = await sql<{ completions: number }>`
      select count(*) as completions from audit_log
       where action = 'task.complete' and entity_id = ${String(first.id)}
         and at >= ${new Date(first.created_at)}`.execute(database.db)
    expect(rows[0]?.completions).toBe(1)
    // The seed's crews complete without a body: leaving qty_moved out contradicts nothing.
    expect(await api.call('POST', `/task/${first.id}/complete`, { token: crewA })).toMatchObject({
      status: 200,
      body: { qty_moved: 5 },
    })
  })

  it('with another qty_moved or note is a 409 naming the recorded one', async () => {
    const first = await completed(5)
    expect(
      await api.call('POST', `/task/${first.id}/complete`, {
        token: crewA,
        body: { qty_moved: 4 },
      }),
    ).toMatchObject({
      status: 409,
      body: {
        code: 'already_completed',
        detail: `task ${first.id} was already completed with qty_moved 5; this request says qty_moved 4`,
      },
    })
    expect(
      await api.call('POST', `/task/${first.id}/complete`, {
        token: crewA,
        body: { note: 'all done' },
      }),
    ).toMatchObject({ status: 409, body: { code: 'already_completed' } })
    const row = await api.call('GET', `/task/${first.id}`, { token: dispatcher })
    expect(row.body).toMatchObject({ qty_moved: 5, note: null })
  })
})

describe('migration 0007 on a database where crews hold several tasks', () => {
  it('leaves each crew its newest task and gives the others back, on the record', async () => {
    const migration = MIGRATIONS.find((m) => m.name === '0007_idempotency')?.sql ?? ''
    const index = migration.indexOf('CREATE UNIQUE INDEX tasks_one_assigned_per_crew')
    expect(index).toBeGreaterThan(0)
    // The state before 0007: three claims by one crew (two of them ghosts), one by another.
    await sql`drop index tasks_one_assigned_per_crew`.execute(database.db)
    const ids = await readyTasks(4)
    const held = ids.map((id, i) => ({
      id,
      crew: i < 3 ? 'van-ra' : 'van-rb',
      at: new Date(Date.now() - (10 - i) * 60_000),
    }))
    for (const { id, crew, at } of held) {
      await sql`update tasks set status = 'assigned', worker_id = ${crew}, assigned_at = ${at}
                 where id = ${id}`.execute(database.db)
      await sql`insert into task_assignments (task_id, worker_id, assigned_at)
                values (${id}, ${crew}, ${at})`.execute(database.db)
    }
    await sql.raw(migration.slice(0, index)).execute(database.db)
    await sql.raw(migration.slice(index, migration.indexOf(';', index) + 1)).execute(database.db)
    const { rows } = await sql<{ id: number; status: string; worker_id: string | null }>`
      select id, status, worker_id from tasks order by id`.execute(database.db)
    expect(rows).toEqual([
      { id: ids[0], status: 'ready', worker_id: null },
      { id: ids[1], status: 'ready', worker_id: null },
      { id: ids[2], status: 'assigned', worker_id: 'van-ra' },
      { id: ids[3], status: 'assigned', worker_id: 'van-rb' },
    ])
    const history = await sql<{ task_id: number; outcome: string | null }>`
      select task_id, outcome from task_assignments order by task_id`.execute(database.db)
    expect(history.rows.map((row) => row.outcome)).toEqual(['released', 'released', null, null])
    const audit = await sql<{ n: number }>`
      select count(*) as n from audit_log
       where actor = 'migration 0007_idempotency' and action = 'task.release'
         and at >= ${held[0]?.at ?? new Date()}`.execute(database.db)
    expect(audit.rows[0]?.n).toBe(2)
    // The crew's next claim is the task it kept.
    expect(await api.call('POST', '/dispatch/next', { token: crewA, body: {} })).toMatchObject({
      status: 200,
      body: { id: ids[2], already_held: true },
    })
  })
})

async function waitFor(check: () => Promise<boolean>, ms = 10_000): Promise<void> {
  const until = Date.now() + ms
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`not true within ${ms} ms`)
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
}
