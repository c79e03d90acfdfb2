import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Suggestion, Task } from '../../src/shared/dispatch.js'
import type { TaskDetail } from '../../src/shared/operations/tasks.js'
import { startApi, type TestApi } from '../helpers/api.js'
import { seedStations } from '../helpers/fixtures.js'
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.js'

let database: TestDatabase
let api: TestApi
let dispatcher: string
let analyst: string
let crewA: string
let crewB: string

beforeAll(async () => {
  database = await createTestDatabase()
  await seedStations(database.db, [{ station_id: '74' }, { station_id: '75' }])
  api = await startApi(database)
  dispatcher = await api.token('dispatcher', 'depot desk')
  analyst = await api.token('analyst', 'analyst')
  crewA = await api.token('crew', 'Van A', { crewId: 'van-a' })
  crewB = await api.token('crew', 'Van B', { crewId: 'van-b' })
})

afterAll(async () => {
  await api.close()
  await database.drop()
})

async function ok<T>(
  method: string,
  path: string,
  token: string,
  body?: unknown,
  status = 200,
): Promise<T> {
  const answer = await api.call(method, path, { token, body })
  expect(answer.status, JSON.stringify(answer.body)).toBe(status)
  return answer.body as T
}

/** Suggested, approved, claimed by van-a, given back, claimed by van-b, completed short. */
async function workedTask(): Promise<{ suggestion: Suggestion; task: Task }> {
  const suggestion = await ok<Suggestion>(
    'POST',
    '/suggestions',
    dispatcher,
    { from_station_id: '74', to_station_id: '75', qty: 6, reason: 'commute peak' },
    201,
  )
  const task = await ok<Task>('POST', '/task/approve', dispatcher, {
    suggestion_id: suggestion.id,
  })
  await ok('POST', '/dispatch/next', crewA, {})
  await ok('POST', `/task/${task.id}/release`, crewA, { reason: 'flat tyre' })
  await ok('POST', '/dispatch/next', crewB, {})
  await ok('POST', `/task/${task.id}/complete`, crewB, { qty_moved: 4, note: 'dock 3 broken' })
  return { suggestion, task }
}

describe('GET /tasks/{task_id} (tasks:get): what happened to a task', () => {
  it('tells its suggestion, each hand-out, the release and its reason, qty and the audit', async () => {
    const { suggestion, task } = await workedTask()
    const detail = await ok<TaskDetail>('GET', `/tasks/${task.id}`, dispatcher)

    expect(detail.task).toMatchObject({ id: task.id, status: 'completed', worker_id: 'van-b' })
    expect(detail.suggestion).toMatchObject({
      id: suggestion.id,
      status: 'approved',
      reason: 'commute peak',
      task_id: task.id,
    })
    expect(detail.qty).toEqual({ asked: 6, moved: 4 })
    expect(detail.note).toBe('dock 3 broken')
    expect(detail.assignments).toEqual([
      expect.objectContaining({ worker_id: 'van-a', outcome: 'released', reason: 'flat tyre' }),
      expect.objectContaining({ worker_id: 'van-b', outcome: 'completed', reason: null }),
    ])
    expect(detail.releases).toEqual([
      { worker_id: 'van-a', at: detail.assignments[0]?.ended_at, reason: 'flat tyre' },
    ])
    expect(detail.audit.map((row) => row.action)).toEqual([
      'task.create',
      'task.dispatch',
      'task.release',
      'task.dispatch',
      'task.complete',
    ])
    expect(detail.audit[2]).toMatchObject({
      actor: 'Van A',
      actor_role: 'crew',
      detail: { reason: 'flat tyre' },
    })
  })

  it('is the same task over IPC in the desktop app', async () => {
    const { task } = await workedTask()
    const overHttp = await ok<TaskDetail>('GET', `/tasks/${task.id}`, analyst)
    const { createHandlers } = await import('../../src/main/handlers.js')
    const handlers = createHandlers({
      status: () => Promise.reject(new Error('not needed')),
      services: () => Promise.resolve(api.services),
    })
    expect(await handlers['tasks:get']({ task_id: task.id })).toEqual(overHttp)
  })

  it("shows a crew its own task and not another crew's", async () => {
    const { task } = await workedTask()
    await ok('GET', `/tasks/${task.id}`, crewB)
    const other = await api.call('GET', `/tasks/${task.id}`, { token: crewA })
    expect(other.status).toBe(403)
    expect(other.body).toMatchObject({ code: expect.any(String) })
  })

  it('answers 404 for no such task, 400 naming the field for a bad id, and leaves /tasks/summary', async () => {
    const missing = await api.call('GET', '/tasks/999999', { token: dispatcher })
    expect(missing.status).toBe(404)
    expect(missing.body).toMatchObject({ detail: 'Task not found' })
    const bad = await api.call('GET', '/tasks/abc', { token: dispatcher })
    expect(bad.status).toBe(400)
    expect((bad.body as { detail: string }).detail).toMatch(/^path\.task_id: /)
    const summary = await api.call('GET', '/tasks/summary', { token: dispatcher })
    expect(summary.status).toBe(200)
    expect(summary.body).toMatchObject({ byStatus: expect.any(Object) })
  })
})
