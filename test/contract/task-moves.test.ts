import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import type { ConsoleBridge } from '../../src/shared/contract.js'
import type { Suggestion, Task } from '../../src/shared/dispatch.js'
import { createHttpClient, fitsQtyOf, type ApiError } from '../../src/renderer/src/api/client.js'
import { startApi, type TestApi } from '../helpers/api.js'
import { setLive } from '../helpers/crew-work.js'
import { electronBridge } from '../helpers/electron-bridge.js'
import { seedStations } from '../helpers/fixtures.js'
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.js'

let database: TestDatabase
let api: TestApi
let dispatcher: string
let vanA: string
let vanB: string

beforeAll(async () => {
  database = await createTestDatabase()
  await seedStations(database.db, [
    { station_id: 'FB', name: 'Ferry Building', capacity: 19 },
    { station_id: 'MP', name: 'Mission Dolores Park', capacity: 31 },
    { station_id: 'EM', name: 'Embarcadero at Sansome', capacity: 15 },
  ])
  api = await startApi(database)
  dispatcher = await api.token('dispatcher', 'depot desk')
  vanA = await api.token('crew', 'Van A', { crewId: 'van-a', vanCapacity: 12 })
  vanB = await api.token('crew', 'Van B', { crewId: 'van-b', vanCapacity: 12 })
})

afterAll(async () => {
  await api.close()
  await database.drop()
})

beforeEach(async () => {
  // Nothing left over between tests: every ready task is canceled.
  await database.db
    .updateTable('tasks')
    .set({ status: 'canceled', canceled_at: new Date() })
    .where('status', 'in', ['ready', 'assigned'])
    .execute()
  await setLive(database.db, 'FB', 5, 14)
  await setLive(database.db, 'MP', 20, 11)
  await setLive(database.db, 'EM', 2, 13)
})

async function call(method: string, path: string, body?: unknown, token = dispatcher) {
  return api.call(method, path, { token, body })
}

async function suggest(from: string, to: string, qty: number): Promise<Suggestion> {
  const answer = await call('POST', '/suggestions', {
    from_station_id: from,
    to_station_id: to,
    qty,
  })
  expect(answer.status).toBe(201)
  return answer.body as Suggestion
}

async function counts() {
  const [tasks, audit] = await Promise.all([
    database.db
      .selectFrom('tasks')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .executeTakeFirstOrThrow(),
    database.db
      .selectFrom('audit_log')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .executeTakeFirstOrThrow(),
  ])
  return { tasks: Number(tasks.n), audit: Number(audit.n) }
}

describe('approval re-checks the move against the latest status, in its transaction', () => {
  it('refuses 14 bikes from a station that has 5, naming it and the 5 that fit; nothing changes', async () => {
    const suggestion = await suggest('FB', 'MP', 14)
    const before = await counts()
    const answer = await call('POST', '/task/approve', { suggestion_id: suggestion.id })
    expect(answer.status).toBe(409)
    expect(answer.body).toEqual({
      detail: 'Ferry Building has 5 bikes now, not the 14 this move needs; approve 5 instead',
      code: 'move_does_not_fit',
      fits_qty: 5,
    })
    expect(await counts()).toEqual(before)
    const still = await call('GET', '/suggestions?status=open')
    expect(still.body).toContainEqual(
      expect.objectContaining({ id: suggestion.id, status: 'open' }),
    )
  })

  it('names the sink when its free docks are what is short', async () => {
    const suggestion = await suggest('MP', 'FB', 16)
    const answer = await call('POST', '/task/approve', { suggestion_id: suggestion.id })
    expect(answer.body).toMatchObject({
      detail:
        'Ferry Building has 14 free docks now, not the 16 this move needs; approve 14 instead',
      fits_qty: 14,
    })
  })

  it('approves the qty that fits instead: the task asks for it, the audit says so', async () => {
    const suggestion = await suggest('FB', 'MP', 14)
    const answer = await call('POST', '/task/approve', { suggestion_id: suggestion.id, qty: 5 })
    expect(answer.status).toBe(200)
    const task = answer.body as Task
    expect(task).toMatchObject({ qty: 5, suggestion_id: suggestion.id, status: 'ready' })
    const audit = await database.db
      .selectFrom('audit_log')
      .select(['action', 'detail'])
      .where('entity', '=', 'suggestion')
      .where('entity_id', '=', String(suggestion.id))
      .where('action', '=', 'suggestion.approve')
      .executeTakeFirstOrThrow()
    expect(audit.detail).toEqual({ qty: 5, suggested: 14 })
  })

  it('refuses a qty above the suggestion (422 naming qty) and a qty of 0 (400), changing nothing', async () => {
    const suggestion = await suggest('MP', 'EM', 4)
    const before = await counts()
    const over = await call('POST', '/task/approve', { suggestion_id: suggestion.id, qty: 5 })
    expect(over.status).toBe(422)
    expect(over.body).toMatchObject({
      code: 'qty_over_suggestion',
      detail: expect.stringMatching(/^qty: at most 4/),
    })
    const zero = await call('POST', '/task/approve', { suggestion_id: suggestion.id, qty: 0 })
    expect(zero.status).toBe(400)
    expect((zero.body as { detail: string }).detail).toMatch(/qty/)
    expect(await counts()).toEqual(before)
  })

  it('refuses a batch whole when one of its moves does not fit', async () => {
    const fits = await suggest('MP', 'EM', 3)
    const short = await suggest('EM', 'MP', 9)
    const before = await counts()
    const answer = await call('POST', '/task/approve-batch', {
      suggestion_ids: [fits.id, short.id],
    })
    expect(answer.status).toBe(409)
    expect(answer.body).toMatchObject({
      code: 'move_does_not_fit',
      fits_qty: 2,
      detail: `suggestion ${short.id}: Embarcadero at Sansome has 2 bikes now, not the 9 this move needs; approve 2 instead; nothing was approved`,
    })
    expect(await counts()).toEqual(before)
  })

  it.each([
    ['a browser (HTTP)', () => createHttpClient(api.url, { token: () => dispatcher })],
    ['the desktop app (IPC)', () => electronBridge(api.services)],
  ] as const)(
    'hands fits_qty to the renderer from %s',
    async (_where, client: () => ConsoleBridge) => {
      const suggestion = await suggest('FB', 'MP', 9)
      const refused = await client()
        .invoke('tasks:approve', { suggestion_id: suggestion.id })
        .catch((error: unknown) => error)
      expect((refused as ApiError).message).toMatch(
        /Ferry Building has 5 bikes now.*approve 5 instead/,
      )
      expect((refused as ApiError).code).toBe('move_does_not_fit')
      expect(fitsQtyOf(refused)).toBe(5)
      const approved = await client().invoke('tasks:approve', {
        suggestion_id: suggestion.id,
        qty: 5,
      })
      expect(approved.qty).toBe(5)
    },
  )
})

describe('POST /tasks: a move by hand', () => {
  it('creates a ready task, audited, on the board', async () => {
    const answer = await call('POST', '/tasks', {
      from_station_id: 'MP',
      to_station_id: 'FB',
      qty: 6,
      priority: 3,
      reason: 'concert at the pier',
    })
    expect(answer.status).toBe(201)
    const task = answer.body as Task
    expect(task).toMatchObject({
      from_station_id: 'MP',
      to_station_id: 'FB',
      qty: 6,
      priority: 3,
      status: 'ready',
      reason: 'concert at the pier',
      suggestion_id: null,
      for_crew: null,
    })
    const board = await call('GET', '/tasks?status=ready')
    expect((board.body as { tasks: Task[] }).tasks.map((t) => t.id)).toContain(task.id)
    const detail = await call('GET', `/tasks/${task.id}`)
    expect(
      (detail.body as { audit: { action: string; actor: string; detail: unknown }[] }).audit,
    ).toEqual([
      expect.objectContaining({
        action: 'task.create',
        actor: 'depot desk',
        detail: { by_hand: true, qty: 6, for_crew: null },
      }),
    ])
  })

  it.each([
    [{ from_station_id: 'MP', to_station_id: 'FB' }, 400, /body\.qty/],
    [{ from_station_id: 'MP', to_station_id: 'FB', qty: 0 }, 400, /body\.qty: must be at least 1/],
    [
      { from_station_id: 'MP', to_station_id: 'MP', qty: 2 },
      400,
      /body\.to_station_id: must differ/,
    ],
    [
      { from_station_id: 'MP', to_station_id: 'FB', qty: 2, priority: 'high' },
      400,
      /body\.priority/,
    ],
    [{ from_station_id: 'MP', to_station_id: 'FB', qty: 2, colour: 'red' }, 400, /colour/],
    [
      { from_station_id: 'XX', to_station_id: 'FB', qty: 2 },
      422,
      /^from_station_id: no station "XX"/,
    ],
    [
      { from_station_id: 'MP', to_station_id: 'FB', qty: 2, crew_id: 'van-z' },
      422,
      /^crew_id: no crew "van-z"/,
    ],
    [
      { from_station_id: 'MP', to_station_id: 'FB', qty: 13, crew_id: 'van-a' },
      422,
      /^crew_id: Van A's van holds 12/,
    ],
    [
      { from_station_id: 'FB', to_station_id: 'MP', qty: 8 },
      409,
      /^Ferry Building has 5 bikes now.*ask for 5 instead$/,
    ],
  ])('refuses %j with %i naming the field, and changes nothing', async (body, status, words) => {
    const before = await counts()
    const answer = await call('POST', '/tasks', body)
    expect(answer.status).toBe(status)
    expect((answer.body as { detail: string }).detail).toMatch(words)
    expect(await counts()).toEqual(before)
  })

  it('creates one task for one Idempotency-Key, however often it is sent', async () => {
    const before = await counts()
    const send = () =>
      api.call('POST', '/tasks', {
        token: dispatcher,
        body: { from_station_id: 'MP', to_station_id: 'EM', qty: 2 },
        headers: { 'Idempotency-Key': 'move-by-hand-1' },
      })
    const first = await send()
    const again = await send()
    expect(first.status).toBe(201)
    expect(again.status).toBe(201)
    expect(again.headers.get('idempotent-replayed')).toBe('true')
    expect((again.body as Task).id).toBe((first.body as Task).id)
    expect((await counts()).tasks).toBe(before.tasks + 1)
  })

  it('is for dispatchers only', async () => {
    const answer = await call(
      'POST',
      '/tasks',
      { from_station_id: 'MP', to_station_id: 'FB', qty: 2 },
      vanA,
    )
    expect(answer.status).toBe(403)
  })
})

describe("a ready task's bikes, priority and crew", () => {
  async function ready(qty = 4): Promise<Task> {
    const answer = await call('POST', '/tasks', { from_station_id: 'MP', to_station_id: 'FB', qty })
    return answer.body as Task
  }

  it('changes qty and priority, audited once; the same change again changes nothing', async () => {
    const task = await ready()
    const changed = await call('PATCH', `/tasks/${task.id}`, { qty: 7, priority: 9 })
    expect(changed.status).toBe(200)
    expect(changed.body).toMatchObject({ qty: 7, priority: 9 })
    const again = await call('PATCH', `/tasks/${task.id}`, { qty: 7, priority: 9 })
    expect(again.body).toMatchObject({ qty: 7, priority: 9 })
    const audit = await database.db
      .selectFrom('audit_log')
      .select('detail')
      .where('entity_id', '=', String(task.id))
      .where('action', '=', 'task.change')
      .execute()
    expect(audit.map((row) => row.detail)).toEqual([
      { qty: { from: 4, to: 7 }, priority: { from: 0, to: 9 } },
    ])
  })

  it('refuses a qty the status contradicts, an empty change, and any task not ready', async () => {
    const task = await ready()
    expect((await call('PATCH', `/tasks/${task.id}`, { qty: 16 })).body).toMatchObject({
      code: 'move_does_not_fit',
      fits_qty: 14,
    })
    const empty = await call('PATCH', `/tasks/${task.id}`, {})
    expect(empty.status).toBe(400)
    expect((empty.body as { detail: string }).detail).toMatch(/body\.qty: say the new qty/)
    await call('POST', '/dispatch/next', {}, vanA)
    const held = await call('PATCH', `/tasks/${task.id}`, { qty: 3 })
    expect(held.status).toBe(409)
    expect((held.body as { detail: string }).detail).toMatch(
      /is assigned \(crew van-a\): only a ready task/,
    )
    expect((await call('PATCH', '/tasks/999999', { qty: 3 })).status).toBe(404)
  })

  it('assigns a ready task to a crew: only that crew gets it, first, even over a higher priority', async () => {
    const urgent = (
      await call('POST', '/tasks', {
        from_station_id: 'MP',
        to_station_id: 'EM',
        qty: 3,
        priority: 50,
      })
    ).body as Task
    const mine = await ready()
    const assigned = await call('POST', `/tasks/${mine.id}/assign`, { crew_id: 'van-b' })
    expect(assigned.body).toMatchObject({ id: mine.id, for_crew: 'van-b', status: 'ready' })
    expect((await call('POST', `/tasks/${mine.id}/assign`, { crew_id: 'van-b' })).status).toBe(200)
    // van-a is handed the urgent one; then nothing: the other is van-b's.
    expect((await call('POST', '/dispatch/next', {}, vanA)).body).toMatchObject({ id: urgent.id })
    await call('POST', `/task/${urgent.id}/complete`, {}, vanA)
    expect((await call('POST', '/dispatch/next', {}, vanA)).status).toBe(404)
    // van-b gets its own.
    expect((await call('POST', '/dispatch/next', {}, vanB)).body).toMatchObject({
      id: mine.id,
      worker_id: 'van-b',
      already_held: false,
    })
    const audit = await database.db
      .selectFrom('audit_log')
      .select('detail')
      .where('entity_id', '=', String(mine.id))
      .where('action', '=', 'task.assign')
      .execute()
    expect(audit.map((row) => row.detail)).toEqual([{ crew_id: 'van-b', was: null }])
  })

  it("refuses an unknown crew (422) and a van too small; a give-back makes it anyone's", async () => {
    const task = await ready(4)
    expect(
      (await call('POST', `/tasks/${task.id}/assign`, { crew_id: 'nobody' })).body,
    ).toMatchObject({
      code: 'unknown_crew',
      detail: 'crew_id: no crew "nobody"',
    })
    await call('POST', `/tasks/${task.id}/assign`, { crew_id: 'van-a' })
    expect((await call('PATCH', `/tasks/${task.id}`, { qty: 11 })).status).toBe(200)
    await database.db
      .updateTable('crews')
      .set({ van_capacity: 8 })
      .where('crew_id', '=', 'van-a')
      .execute()
    expect((await call('PATCH', `/tasks/${task.id}`, { qty: 10 })).body).toMatchObject({
      code: 'qty_over_limit',
    })
    await database.db
      .updateTable('crews')
      .set({ van_capacity: 12 })
      .where('crew_id', '=', 'van-a')
      .execute()
    await call('POST', '/dispatch/next', {}, vanA)
    const back = await call('POST', `/task/${task.id}/release`, { reason: 'van full' }, vanA)
    expect(back.body).toMatchObject({ status: 'ready', for_crew: null })
  })
})
