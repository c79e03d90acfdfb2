import { sql } from 'kysely'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import type { Suggestion, Task, TaskPage } from '../../src/shared/dispatch.js'
import { startApi, type TestApi } from '../helpers/api.js'
import { SEED_TASK_FIELDS, SYSTEM, seedStations } from '../helpers/fixtures.js'
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.js'

let database: TestDatabase
let api: TestApi
let dispatcher: string
let analyst: string
let engine: string
let crewA: string
let crewB: string

beforeAll(async () => {
  database = await createTestDatabase()
  await seedStations(database.db, [
    { station_id: '74', name: 'Mission & 16th' },
    { station_id: '5065.10', name: 'Townsend & 2nd' },
    { station_id: 'b35f8d3e-0c4a-4d6e-9a1f-1c0a9f0e7d21', name: 'Market & 10th' },
  ])
  api = await startApi(database, { leaseMinutes: 30 })
  dispatcher = await api.token('dispatcher', 'depot desk')
  analyst = await api.token('analyst', 'analyst')
  engine = await api.token('engine', 'external engine')
  crewA = await api.token('crew', 'Van A', { crewId: 'van-a' })
  crewB = await api.token('crew', 'Van B', { crewId: 'van-b', vanCapacity: 6 })
})

afterAll(async () => {
  await api.close()
  await database.drop()
})

beforeEach(async () => {
  // Every test starts with no suggestions or tasks (the audit log is append-only and stays).
  await sql`truncate task_assignments, tasks, suggestions restart identity cascade`.execute(
    database.db,
  )
})

async function suggest(
  qty = 5,
  extra: Record<string, unknown> = {},
  from = '74',
  to = '5065.10',
): Promise<Suggestion> {
  const response = await api.call('POST', '/suggestions', {
    token: engine,
    body: { from_station_id: from, to_station_id: to, qty, reason: 'test move', ...extra },
  })
  expect(response.status).toBe(201)
  return response.body as Suggestion
}

async function readyTask(qty = 5, priority?: number): Promise<Task> {
  const suggestion = await suggest(qty)
  const response = await api.call('POST', '/task/approve', {
    token: dispatcher,
    body: { suggestion_id: suggestion.id, ...(priority === undefined ? {} : { priority }) },
  })
  expect(response.status).toBe(200)
  return response.body as Task
}

async function claim(token: string, body: unknown = {}) {
  return api.call('POST', '/dispatch/next', { token, body })
}

async function rowCounts() {
  const { rows } = await sql<{ tasks: number; suggestions: number; assignments: number }>`
    select (select count(*) from tasks) as tasks,
           (select count(*) from suggestions) as suggestions,
           (select count(*) from task_assignments) as assignments`.execute(database.db)
  return rows[0]
}

describe("the seed's routes and shapes", () => {
  it('GET / greets without a token', async () => {
    const response = await api.call('GET', '/')
    expect(response).toMatchObject({
      status: 200,
      body: { message: 'Bay Wheels Orchestration & Dispatch Service' },
    })
  })

  it('approve turns a suggestion into a ready task with the seed fields', async () => {
    const suggestion = await suggest(5)
    const response = await api.call('POST', '/task/approve', {
      token: dispatcher,
      body: { suggestion_id: suggestion.id },
    })
    expect(response.status).toBe(200)
    const task = response.body as Task
    expect(task).toMatchObject({
      from_station_id: '74',
      to_station_id: '5065.10',
      qty: 5,
      reason: 'test move',
      status: 'ready',
      worker_id: null,
      suggestion_id: suggestion.id,
    })
    expect(Object.keys(task).slice(0, 8)).toEqual(SEED_TASK_FIELDS)
    expect(task.created_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/)
    // The suggestion is kept, approved, pointing at its task (the seed deleted it).
    const listed = await api.call('GET', '/suggestions?status=approved', { token: dispatcher })
    expect(listed.body).toEqual([
      expect.objectContaining({ id: suggestion.id, status: 'approved', task_id: task.id }),
    ])
  })

  it("dispatch/next hands the crew a task under the worker_id the seed's device sends", async () => {
    const task = await readyTask()
    const response = await claim(crewA, { worker_id: 'van-a' })
    expect(response.status).toBe(200)
    expect(response.body).toMatchObject({ id: task.id, status: 'assigned', worker_id: 'van-a' })
  })

  it('complete without a body, as the seed did, completes the crew’s task', async () => {
    const task = await readyTask()
    await claim(crewA)
    const response = await api.call('POST', `/task/${task.id}/complete`, { token: crewA })
    expect(response.status).toBe(200)
    expect(response.body).toMatchObject({ id: task.id, status: 'completed', worker_id: 'van-a' })
  })

  it("answers the seed's 404s with the seed's words", async () => {
    expect(
      await api.call('POST', '/task/approve', { token: dispatcher, body: { suggestion_id: 999 } }),
    ).toMatchObject({ status: 404, body: { detail: 'Suggestion not found' } })
    expect(await api.call('POST', '/task/999/complete', { token: crewA })).toMatchObject({
      status: 404,
      body: { detail: 'Task not found' },
    })
    expect(await claim(crewA)).toMatchObject({
      status: 404,
      body: { detail: 'No available tasks', code: 'no_available_tasks' },
    })
  })
})

describe('dispatch order and van capacity', () => {
  it('hands out the highest priority first, then the oldest', async () => {
    const old = await readyTask(3)
    const urgent = await readyTask(3, 9)
    const newer = await readyTask(3)
    const order: number[] = []
    // A crew works one task at a time: it completes each before the next claim.
    for (let i = 0; i < 3; i++) {
      const { id } = (await claim(crewA)).body as Task
      order.push(id)
      expect((await api.call('POST', `/task/${id}/complete`, { token: crewA })).status).toBe(200)
    }
    expect(order).toEqual([urgent.id, old.id, newer.id])
  })

  it('never hands a crew a task larger than its van, and says why nothing is left', async () => {
    const big = await readyTask(10)
    const small = await readyTask(4)
    expect((await claim(crewB)).body).toMatchObject({ id: small.id })
    await api.call('POST', `/task/${small.id}/complete`, { token: crewB })
    const empty = await claim(crewB)
    expect(empty.status).toBe(404)
    expect((empty.body as { detail: string }).detail).toBe(
      "No available tasks (1 ready task needs more than this van's 6 bikes)",
    )
    expect((await claim(crewA)).body).toMatchObject({ id: big.id })
  })
})

describe('task lifecycle', () => {
  it('completion carries the quantity moved and a note, and is written to the history and audit log', async () => {
    const { max } = await database.db
      .selectFrom('audit_log')
      .select((eb) => eb.fn.coalesce(eb.fn.max('audit_id'), eb.lit(0)).as('max'))
      .executeTakeFirstOrThrow()
    const task = await readyTask(5)
    await claim(crewA)
    const done = await api.call('POST', `/task/${task.id}/complete`, {
      token: crewA,
      body: { qty_moved: 4, note: 'one bike had a flat' },
    })
    expect(done.body).toMatchObject({
      status: 'completed',
      qty_moved: 4,
      note: 'one bike had a flat',
    })
    const history = await database.db
      .selectFrom('task_assignments')
      .select(['worker_id', 'outcome'])
      .where('task_id', '=', task.id)
      .execute()
    expect(history).toEqual([{ worker_id: 'van-a', outcome: 'completed' }])
    const audit = await database.db
      .selectFrom('audit_log')
      .select(['action', 'actor', 'actor_role'])
      .where('entity', '=', 'task')
      .where('entity_id', '=', String(task.id))
      .where('audit_id', '>', max)
      .orderBy('audit_id')
      .execute()
    expect(audit).toEqual([
      { action: 'task.create', actor: 'depot desk', actor_role: 'dispatcher' },
      { action: 'task.dispatch', actor: 'Van A', actor_role: 'crew' },
      { action: 'task.complete', actor: 'Van A', actor_role: 'crew' },
    ])
  })

  it('completing again returns the task unchanged (a retried request), not an error', async () => {
    const task = await readyTask()
    await claim(crewA)
    await api.call('POST', `/task/${task.id}/complete`, { token: crewA, body: { qty_moved: 5 } })
    const again = await api.call('POST', `/task/${task.id}/complete`, { token: crewA })
    expect(again).toMatchObject({ status: 200, body: { status: 'completed', qty_moved: 5 } })
  })

  it('refuses to complete a ready or a canceled task with a 409 that says why', async () => {
    const task = await readyTask()
    const ready = await api.call('POST', `/task/${task.id}/complete`, { token: dispatcher })
    expect(ready).toMatchObject({ status: 409, body: { code: 'invalid_transition' } })
    expect((ready.body as { detail: string }).detail).toBe(
      `task ${task.id} is ready: only an assigned task can be completed`,
    )
    await api.call('POST', `/task/${task.id}/cancel`, { token: dispatcher, body: {} })
    const canceled = await api.call('POST', `/task/${task.id}/complete`, { token: dispatcher })
    expect(canceled.status).toBe(409)
    expect((canceled.body as { detail: string }).detail).toMatch(
      new RegExp(`^task ${task.id} is canceled \\(canceled .+\\): only an assigned task`),
    )
  })

  it('a crew gives a task back with a reason and it returns to the queue', async () => {
    const task = await readyTask()
    await claim(crewA)
    const noReason = await api.call('POST', `/task/${task.id}/release`, { token: crewA, body: {} })
    expect(noReason).toMatchObject({
      status: 400,
      body: { detail: 'body.reason: is required: say why the task is given back' },
    })
    const released = await api.call('POST', `/task/${task.id}/release`, {
      token: crewA,
      body: { reason: 'van broke down' },
    })
    expect(released.body).toMatchObject({ status: 'ready', worker_id: null, assigned_at: null })
    expect((await claim(crewB)).body).toMatchObject({ id: task.id, worker_id: 'van-b' })
    const history = await database.db
      .selectFrom('task_assignments')
      .select(['worker_id', 'outcome', 'end_reason'])
      .where('task_id', '=', task.id)
      .orderBy('assignment_id')
      .execute()
    expect(history).toEqual([
      { worker_id: 'van-a', outcome: 'released', end_reason: 'van broke down' },
      { worker_id: 'van-b', outcome: null, end_reason: null },
    ])
  })

  it('a dispatcher cancels a ready or an assigned task, never a completed one', async () => {
    const ready = await readyTask()
    expect(
      await api.call('POST', `/task/${ready.id}/cancel`, {
        token: dispatcher,
        body: { reason: 'station refilled itself' },
      }),
    ).toMatchObject({ status: 200, body: { status: 'canceled', note: 'station refilled itself' } })
    const held = await readyTask()
    await claim(crewA)
    expect(
      await api.call('POST', `/task/${held.id}/cancel`, { token: dispatcher, body: {} }),
    ).toMatchObject({ status: 200, body: { status: 'canceled' } })
    const history = await database.db
      .selectFrom('task_assignments')
      .select('outcome')
      .where('task_id', '=', held.id)
      .execute()
    expect(history).toEqual([{ outcome: 'canceled' }])
    const done = await readyTask()
    await claim(crewA)
    await api.call('POST', `/task/${done.id}/complete`, { token: crewA })
    expect(
      await api.call('POST', `/task/${done.id}/cancel`, { token: dispatcher, body: {} }),
    ).toMatchObject({ status: 409, body: { code: 'invalid_transition' } })
  })

  it('flags an assigned task stale once its lease runs out, without reassigning it', async () => {
    const task = await readyTask()
    await claim(crewA)
    expect((await api.call('GET', `/task/${task.id}`, { token: dispatcher })).body).toMatchObject({
      stale: false,
    })
    await sql`update tasks set assigned_at = now() - interval '31 minutes' where id = ${task.id}`.execute(
      database.db,
    )
    const seen = (await api.call('GET', `/task/${task.id}`, { token: dispatcher })).body as Task
    expect(seen).toMatchObject({ status: 'assigned', worker_id: 'van-a', stale: true })
    expect(Date.parse(seen.lease_expires_at ?? '')).toBeLessThan(Date.now())
    const stale = (await api.call('GET', '/tasks?stale=true', { token: dispatcher }))
      .body as TaskPage
    expect(stale.tasks.map((t) => t.id)).toEqual([task.id])
    const fresh = (await api.call('GET', '/tasks?stale=false', { token: dispatcher }))
      .body as TaskPage
    expect(fresh.tasks).toEqual([])
  })
})

describe('suggestions', () => {
  it('approving a decided suggestion is a 409 naming what became of it', async () => {
    const suggestion = await suggest()
    const first = await api.call('POST', '/task/approve', {
      token: dispatcher,
      body: { suggestion_id: suggestion.id },
    })
    const again = await api.call('POST', '/task/approve', {
      token: dispatcher,
      body: { suggestion_id: suggestion.id },
    })
    expect(again).toMatchObject({
      status: 409,
      body: {
        code: 'suggestion_decided',
        detail: `suggestion ${suggestion.id} was already approved into task ${(first.body as Task).id} by depot desk`,
      },
    })
  })

  it('a rejected suggestion cannot be approved', async () => {
    const suggestion = await suggest()
    const rejected = await api.call('POST', `/suggestions/${suggestion.id}/reject`, {
      token: dispatcher,
      body: { note: 'crew already there' },
    })
    expect(rejected.body).toMatchObject({
      status: 'rejected',
      decision_note: 'crew already there',
      decided_by: 'depot desk',
    })
    expect(
      await api.call('POST', '/task/approve', {
        token: dispatcher,
        body: { suggestion_id: suggestion.id },
      }),
    ).toMatchObject({ status: 409 })
    expect(await rowCounts()).toMatchObject({ tasks: 0 })
  })

  it('approve-batch approves all or none', async () => {
    const [a, b, c] = [await suggest(), await suggest(), await suggest()]
    await api.call('POST', `/suggestions/${b.id}/reject`, { token: dispatcher, body: {} })
    const refused = await api.call('POST', '/task/approve-batch', {
      token: dispatcher,
      body: { suggestion_ids: [a.id, b.id, c.id] },
    })
    expect(refused).toMatchObject({
      status: 409,
      body: { detail: `suggestion ${b.id} (rejected) was already decided; nothing was approved` },
    })
    const missing = await api.call('POST', '/task/approve-batch', {
      token: dispatcher,
      body: { suggestion_ids: [a.id, 9999] },
    })
    expect(missing).toMatchObject({
      status: 404,
      body: { detail: 'Suggestion not found: 9999; nothing was approved' },
    })
    expect(await rowCounts()).toMatchObject({ tasks: 0 })
    const approved = await api.call('POST', '/task/approve-batch', {
      token: dispatcher,
      body: { suggestion_ids: [c.id, a.id] },
    })
    expect(approved.status).toBe(200)
    expect((approved.body as Task[]).map((task) => task.suggestion_id)).toEqual([c.id, a.id])
  })

  it('accepts the seed clients’ integer station ids and refuses unknown stations', async () => {
    const numeric = await api.call('POST', '/suggestions', {
      token: engine,
      body: { from_station_id: 74, to_station_id: '5065.10', qty: 2 },
    })
    expect(numeric).toMatchObject({
      status: 201,
      body: { from_station_id: '74', source: 'external', created_by: 'external engine' },
    })
    const unknown = await api.call('POST', '/suggestions', {
      token: dispatcher,
      body: { from_station_id: '74', to_station_id: '9999', qty: 2 },
    })
    expect(unknown).toMatchObject({
      status: 422,
      body: {
        code: 'unknown_station',
        detail: `to_station_id: no station "9999" in system "${SYSTEM}"`,
      },
    })
    const same = await api.call('POST', '/suggestions', {
      token: dispatcher,
      body: { from_station_id: '74', to_station_id: 74, qty: 2 },
    })
    expect(same).toMatchObject({
      status: 400,
      body: { detail: 'body.to_station_id: must differ from from_station_id' },
    })
  })
})

describe('authentication and roles', () => {
  it('refuses a request without a token, with a bad one, or with a revoked one', async () => {
    const none = await api.call('GET', '/suggestions')
    expect(none.status).toBe(401)
    expect(none.headers.get('www-authenticate')).toBe('Bearer')
    expect((none.body as { detail: string }).detail).toMatch(
      /needs a dispatcher or an analyst or an engine token/,
    )
    expect(await api.call('GET', '/suggestions', { token: 'bwb_' + 'x'.repeat(43) })).toMatchObject(
      {
        status: 401,
        body: { detail: 'Authorization: the token is unknown or revoked' },
      },
    )
    const doomed = await api.token('analyst', 'temp analyst')
    expect((await api.call('GET', '/suggestions', { token: doomed })).status).toBe(200)
    const [info] = (await api.services.auth.listTokens()).filter((t) => t.name === 'temp analyst')
    if (!info) throw new Error('token not listed')
    await api.services.auth.revokeToken(info.token_id, {
      name: 'test',
      role: 'dispatcher',
      crewId: null,
      tokenId: null,
    })
    expect((await api.call('GET', '/suggestions', { token: doomed })).status).toBe(401)
  })

  it('a crew cannot approve, cancel, add suggestions or read metrics', async () => {
    const suggestion = await suggest()
    const approve = await api.call('POST', '/task/approve', {
      token: crewA,
      body: { suggestion_id: suggestion.id },
    })
    expect(approve).toMatchObject({ status: 403, body: { code: 'forbidden' } })
    expect((approve.body as { detail: string }).detail).toBe(
      'POST /task/approve needs a dispatcher token; crew van-a has a crew token',
    )
    expect((await api.call('POST', '/suggestions', { token: crewA, body: {} })).status).toBe(403)
    expect((await api.call('GET', '/metrics', { token: crewA })).status).toBe(403)
    expect(await rowCounts()).toMatchObject({ tasks: 0 })
  })

  it('an analyst reads but cannot change anything; an engine only adds suggestions', async () => {
    expect((await api.call('GET', '/tasks', { token: analyst })).status).toBe(200)
    expect((await api.call('GET', '/crews', { token: analyst })).status).toBe(200)
    expect((await claim(analyst, { worker_id: 'van-a' })).status).toBe(403)
    expect((await api.call('GET', '/tasks', { token: engine })).status).toBe(403)
    const suggestion = await suggest()
    expect(
      (
        await api.call('POST', '/task/approve', {
          token: engine,
          body: { suggestion_id: suggestion.id },
        })
      ).status,
    ).toBe(403)
  })

  it("a crew's worker_id must be its own, and it cannot touch another crew's task", async () => {
    const task = await readyTask()
    expect(await claim(crewA, { worker_id: 'van-b' })).toMatchObject({
      status: 403,
      body: {
        code: 'worker_mismatch',
        detail: 'worker_id: "van-b" is not this token\'s crew ("van-a")',
      },
    })
    await claim(crewA)
    for (const [verb, body] of [
      ['complete', {}],
      ['release', { reason: 'mine now' }],
    ] as const) {
      const stolen = await api.call('POST', `/task/${task.id}/${verb}`, { token: crewB, body })
      expect(stolen).toMatchObject({ status: 403, body: { code: 'not_your_task' } })
    }
    expect((await api.call('GET', `/task/${task.id}`, { token: crewB })).status).toBe(403)
    expect(await api.call('GET', '/tasks?crew=van-a', { token: crewB })).toMatchObject({
      status: 403,
    })
    const own = (await api.call('GET', '/tasks', { token: crewA })).body as TaskPage
    expect(own.tasks.map((t) => t.worker_id)).toEqual(['van-a'])
  })

  it('a dispatcher may hand a task to a named crew, which must exist', async () => {
    await readyTask()
    expect(await claim(dispatcher, {})).toMatchObject({
      status: 400,
      body: { detail: 'worker_id: is required when a dispatcher hands out a task' },
    })
    expect(await claim(dispatcher, { worker_id: 'ghost' })).toMatchObject({
      status: 404,
      body: { code: 'crew_not_found' },
    })
    expect(await claim(dispatcher, { worker_id: 'van-b' })).toMatchObject({
      status: 200,
      body: { worker_id: 'van-b' },
    })
  })
})

describe('task list', () => {
  it('pages newest first through a cursor and filters by status, crew and station', async () => {
    const tasks: Task[] = []
    for (let i = 0; i < 5; i++) tasks.push(await readyTask(2))
    await claim(crewA)
    const first = (await api.call('GET', '/tasks?limit=2', { token: dispatcher })).body as TaskPage
    expect(first.tasks.map((t) => t.id)).toEqual([tasks[4]?.id, tasks[3]?.id])
    const second = (
      await api.call(`GET`, `/tasks?limit=2&cursor=${first.next_cursor ?? ''}`, {
        token: dispatcher,
      })
    ).body as TaskPage
    expect(second.tasks.map((t) => t.id)).toEqual([tasks[2]?.id, tasks[1]?.id])
    const third = (
      await api.call(`GET`, `/tasks?limit=2&cursor=${second.next_cursor ?? ''}`, {
        token: dispatcher,
      })
    ).body as TaskPage
    expect(third).toEqual({
      tasks: [expect.objectContaining({ id: tasks[0]?.id })],
      next_cursor: null,
    })
    const assigned = (
      await api.call('GET', '/tasks?status=assigned&crew=van-a', { token: analyst })
    ).body as TaskPage
    expect(assigned.tasks).toHaveLength(1)
    const atStation = (await api.call('GET', '/tasks?station=5065.10', { token: analyst }))
      .body as TaskPage
    expect(atStation.tasks).toHaveLength(5)
  })
})

describe('crews', () => {
  it('heartbeats record position and the crew list shows health', async () => {
    const beat = await api.call('POST', '/crews/heartbeat', {
      token: crewA,
      body: { lat: 37.77, lon: -122.42, battery: 0.8 },
    })
    expect(beat).toMatchObject({
      status: 200,
      body: { crew_id: 'van-a', health: 'Healthy', last_position: { lat: 37.77, lon: -122.42 } },
    })
    await sql`update crews set last_seen_at = now() - interval '10 minutes' where crew_id = 'van-b'`.execute(
      database.db,
    )
    const crews = (await api.call('GET', '/crews', { token: dispatcher })).body as {
      crew_id: string
      health: string
    }[]
    expect(Object.fromEntries(crews.map((crew) => [crew.crew_id, crew.health]))).toMatchObject({
      'van-a': 'Healthy',
      'van-b': 'Warning',
    })
    expect(
      await api.call('POST', '/crews/heartbeat', { token: crewA, body: { lat: 37.77 } }),
    ).toMatchObject({ status: 400, body: { detail: 'body.lon: lat and lon come together' } })
  })
})

describe('malformed input', () => {
  const cases: [string, string, unknown, string | RegExp, number?][] = [
    ['POST', '/task/approve', '{"suggestion_id": ', /^body: is not valid JSON/],
    [
      'POST',
      '/task/approve',
      { suggestion_id: 'one' },
      'body.suggestion_id: must be a whole number',
    ],
    [
      'POST',
      '/task/approve',
      { suggestion_id: -1 },
      'body.suggestion_id: must be a positive whole number',
    ],
    [
      'POST',
      '/task/approve',
      { suggestion_id: 1.5 },
      /^body.suggestion_id: must be a whole number/,
    ],
    ['POST', '/task/approve', {}, /^body.suggestion_id: /],
    ['POST', '/task/approve', [], /^body: /],
    ['POST', '/task/approve', { suggestion_id: 1, sneaky: true }, 'body: unknown field sneaky'],
    ['POST', '/dispatch/next', { worker_id: '' }, /^body.worker_id: must be 1-64 letters/],
    ['POST', '/dispatch/next', { worker_id: 42 }, /^body.worker_id: /],
    ['POST', '/task/abc/complete', {}, 'path.task_id: must be a positive whole number'],
    ['POST', '/task/1/complete', { qty_moved: -2 }, 'body.qty_moved: must not be negative'],
    ['GET', '/tasks?status=lost', undefined, /^query.status: /],
    ['GET', '/tasks?limit=0', undefined, 'query.limit: must be at least 1'],
    ['GET', '/tasks?cursor=x', undefined, 'query.cursor: must be a cursor returned as next_cursor'],
    ['GET', '/tasks?colour=red', undefined, 'query: unknown field colour'],
    [
      'POST',
      '/task/approve-batch',
      { suggestion_ids: [1, 1] },
      'body.suggestion_ids: must not repeat an id',
    ],
    [
      'POST',
      '/suggestions',
      { from_station_id: '74', to_station_id: '5065.10', qty: 0 },
      'body.qty: must be at least 1',
    ],
  ]

  it.each(cases)('%s %s %j is a 400 naming the field', async (method, path, body, detail) => {
    const token = path === '/dispatch/next' || path.includes('complete') ? crewA : dispatcher
    const before = await rowCounts()
    const response = await api.call(method, path, { token, body })
    expect(response.status).toBe(400)
    expect(response.body).toMatchObject({
      code: expect.stringMatching(/invalid_request|malformed_body/),
    })
    const actual = (response.body as { detail: string }).detail
    if (typeof detail === 'string') expect(actual).toBe(detail)
    else expect(actual).toMatch(detail)
    expect(await rowCounts()).toEqual(before)
  })

  it('a body that is not JSON is refused rather than read as empty: no claim happens', async () => {
    await readyTask()
    const response = await api.call('POST', '/dispatch/next', {
      token: crewA,
      body: 'worker_id=van-a',
      headers: { 'content-type': 'text/plain' },
    })
    expect(response).toMatchObject({ status: 415, body: { code: 'unsupported_media_type' } })
    expect(await rowCounts()).toMatchObject({ assignments: 0 })
  })

  it('a body over 64 kB is a 413', async () => {
    const response = await api.call('POST', '/suggestions', {
      token: engine,
      body: { from_station_id: '74', to_station_id: '5065.10', qty: 1, reason: 'x'.repeat(70_000) },
    })
    expect(response).toMatchObject({ status: 413, body: { code: 'body_too_large' } })
  })
})

describe('observability and documentation', () => {
  it('GET /metrics (analyst or dispatcher) reports requests, tasks and the pool', async () => {
    await readyTask()
    await claim(crewA)
    const response = await api.call('GET', '/metrics', { token: analyst })
    expect(response.status).toBe(200)
    const text = response.body as string
    expect(text).toMatch(/http_requests_total\{[^}]*route="\/dispatch\/next"[^}]*status="200"/)
    expect(text).toMatch(/http_request_duration_seconds_bucket\{[^}]*route="\/task\/approve"/)
    expect(text).toMatch(/dispatch_tasks_total\{[^}]*event="dispatched"[^}]*\} [1-9]/)
    expect(text).toMatch(/dispatch_tasks\{[^}]*status="assigned"[^}]*\} 1/)
    expect(text).toMatch(/db_pool_connections\{[^}]*state="total"/)
  })

  it('serves the OpenAPI document, Swagger UI at /docs and Redoc at /redoc without a token', async () => {
    const document = await api.call('GET', '/openapi.json')
    expect(document.status).toBe(200)
    const paths = (document.body as { paths: Record<string, Record<string, unknown>> }).paths
    expect(Object.keys(paths)).toEqual(
      expect.arrayContaining([
        '/',
        '/suggestions',
        '/task/approve',
        '/dispatch/next',
        '/task/{task_id}/complete',
        '/task/approve-batch',
        '/tasks',
        '/crews/heartbeat',
      ]),
    )
    expect(paths['/dispatch/next']?.post).toMatchObject({
      security: [{ bearer: [] }],
      requestBody: expect.anything(),
      responses: expect.objectContaining({ '200': expect.anything(), '404': expect.anything() }),
    })
    for (const page of ['/docs', '/redoc']) {
      const html = await api.call('GET', page)
      expect(html.status).toBe(200)
      expect(html.headers.get('content-security-policy')).toContain("script-src 'self'")
    }
    const bundle = await fetch(`${api.url}/docs/assets/swagger-ui-bundle.js`)
    expect(bundle.status).toBe(200)
    const redoc = await fetch(`${api.url}/redoc/redoc.standalone.js`)
    expect(redoc.status).toBe(200)
  })

  it('returns the request id it logged, and sends security headers', async () => {
    const response = await api.call('GET', '/', { headers: { 'x-request-id': 'crew-req-42' } })
    expect(response.headers.get('x-request-id')).toBe('crew-req-42')
    expect(response.headers.get('x-content-type-options')).toBe('nosniff')
    expect(response.headers.get('x-powered-by')).toBeNull()
  })
})

describe('rate limits', () => {
  it('count per token, so crews behind one address never throttle each other', async () => {
    const limited = await startApi(database, { rateLimits: { perToken: 5, perAddress: 3 } })
    try {
      const vans = [await limited.token('crew', 'Van L1'), await limited.token('crew', 'Van L2')]
      for (const token of vans) {
        const statuses: number[] = []
        for (let i = 0; i < 6; i++) {
          statuses.push((await limited.call('GET', '/tasks', { token })).status)
        }
        expect(statuses).toEqual([200, 200, 200, 200, 200, 429])
      }
      const refused = await limited.call('GET', '/tasks', { token: vans[0] })
      expect(refused.body).toMatchObject({ code: 'rate_limited' })
      expect(refused.headers.get('ratelimit-policy')).toBeTruthy()
    } finally {
      await limited.close()
    }
  })

  it('count requests without a valid token per address, failed tokens included', async () => {
    const limited = await startApi(database, { rateLimits: { perToken: 100, perAddress: 3 } })
    try {
      const statuses = [
        (await limited.call('GET', '/tasks')).status,
        (await limited.call('GET', '/tasks', { token: 'bwb_' + 'y'.repeat(43) })).status,
        (await limited.call('GET', '/tasks')).status,
        (await limited.call('GET', '/tasks')).status,
      ]
      expect(statuses).toEqual([401, 401, 401, 429])
      // The seed's check and the health check keep answering that address.
      expect((await limited.call('GET', '/health')).status).toBe(200)
      expect((await limited.call('GET', '/')).status).toBe(200)
      // A crew with a valid token still gets through from the same address.
      const token = await limited.token('crew', 'Van L3')
      expect((await limited.call('GET', '/tasks', { token })).status).toBe(200)
    } finally {
      await limited.close()
    }
  })
})
