import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ClaimedTask } from '../../src/shared/dispatch.js'
import { startApi, type TestApi } from '../helpers/api.js'
import { SYSTEM, seedStations } from '../helpers/fixtures.js'
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.js'

const CREWS = 64
const TASKS = 2_000
/** Requests from one crew at the same instant: as many as the pool has connections. */
const RACERS = 16

let database: TestDatabase
let api: TestApi

beforeAll(async () => {
  database = await createTestDatabase()
  await seedStations(database.db, [{ station_id: 'A' }, { station_id: 'B' }])
  api = await startApi(database)
})

afterAll(async () => {
  await api.close()
  await database.drop()
})

describe('many crews at once', () => {
  it(`${CREWS} crews claiming and completing over HTTP from ${TASKS} ready tasks do every task exactly once`, async () => {
    await sql`
        insert into tasks (system_id, from_station_id, to_station_id, qty, priority, created_at)
        select ${SYSTEM}, 'A', 'B', 1 + i % 9, (i % 7)::float8, now() - make_interval(secs => i)
          from generate_series(1, ${TASKS}) as i`.execute(database.db)
    const tokens = await Promise.all(
      Array.from({ length: CREWS }, (_, i) =>
        api.token('crew', `Van ${i}`, { crewId: `van-${i}` }),
      ),
    )
    const claimed = new Map<number, string>()
    const duplicates: number[] = []
    const failures: string[] = []
    await Promise.all(
      tokens.map(async (token, i) => {
        // Each crew claims, completes, and claims again until there is nothing left (404).
        for (let round = 0; round <= TASKS; round++) {
          const response = await api.call('POST', '/dispatch/next', { token })
          if (response.status === 404) return
          const task = response.body as ClaimedTask
          if (response.status !== 200 || task.already_held) {
            failures.push(`${response.status} ${JSON.stringify(response.body)}`)
            return
          }
          expect(task.worker_id).toBe(`van-${i}`)
          if (claimed.has(task.id)) duplicates.push(task.id)
          claimed.set(task.id, task.worker_id ?? '')
          const done = await api.call('POST', `/task/${task.id}/complete`, {
            token,
            body: { qty_moved: task.qty },
          })
          if (done.status !== 200) failures.push(`complete ${done.status}`)
        }
      }),
    )
    expect(failures).toEqual([])
    expect(duplicates).toEqual([])
    expect(claimed.size).toBe(TASKS)
    const { rows } = await sql<{
      ready: number
      assigned: number
      completed: number
      history: number
      held: number
    }>`
        select (select count(*) from tasks where status = 'ready') as ready,
               (select count(*) from tasks where status = 'assigned') as assigned,
               (select count(*) from tasks where status = 'completed') as completed,
               (select count(*) from task_assignments) as history,
               (select count(distinct task_id) from task_assignments) as held`.execute(database.db)
    expect(rows[0]).toEqual({
      ready: 0,
      assigned: 0,
      completed: TASKS,
      history: TASKS,
      held: TASKS,
    })
    // What each crew was told is what the database says it did.
    const holders = await database.db.selectFrom('tasks').select(['id', 'worker_id']).execute()
    for (const { id, worker_id } of holders) expect(claimed.get(id)).toBe(worker_id)
  }, 240_000)

  it(`${RACERS} claims at once from one crew hand it one task`, async () => {
    await sql`
        insert into tasks (system_id, from_station_id, to_station_id, qty)
        select ${SYSTEM}, 'A', 'B', 2 from generate_series(1, ${RACERS})`.execute(database.db)
    const token = await api.token('crew', 'Van racer', { crewId: 'van-racer' })
    // Each request has its own connection from the pool: they meet in PostgreSQL.
    for (let round = 0; round < 3; round++) {
      const answers = await Promise.all(
        Array.from({ length: RACERS }, () => api.call('POST', '/dispatch/next', { token })),
      )
      expect(answers.map((answer) => answer.status)).toEqual(Array(RACERS).fill(200))
      const tasks = answers.map((answer) => answer.body as ClaimedTask)
      expect(new Set(tasks.map((task) => task.id)).size).toBe(1)
      expect(tasks.filter((task) => !task.already_held)).toHaveLength(1)
      const { rows } = await sql<{ assigned: number; open: number }>`
        select (select count(*) from tasks where worker_id = 'van-racer' and status = 'assigned') as assigned,
               (select count(*) from task_assignments
                 where worker_id = 'van-racer' and ended_at is null) as open`.execute(database.db)
      expect(rows[0]).toEqual({ assigned: 1, open: 1 })
      const id = tasks[0]?.id ?? 0
      await api.call('POST', `/task/${id}/complete`, { token })
    }
  })

  it(`${RACERS} retries at once with one Idempotency-Key do the work once and get one answer`, async () => {
    await sql`
        insert into tasks (system_id, from_station_id, to_station_id, qty)
        select ${SYSTEM}, 'A', 'B', 2 from generate_series(1, ${RACERS})`.execute(database.db)
    const token = await api.token('crew', 'Van keyed', { crewId: 'van-keyed' })
    const send = (path: string, body: unknown) =>
      fetch(`${api.url}${path}`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${token}`,
          'content-type': 'application/json',
          'idempotency-key': `same:${path}`,
        },
        body: JSON.stringify(body),
      }).then(async (response) => ({ status: response.status, text: await response.text() }))
    const claims = await Promise.all(
      Array.from({ length: RACERS }, () => send('/dispatch/next', {})),
    )
    expect(new Set(claims.map((claim) => `${claim.status} ${claim.text}`)).size).toBe(1)
    const task = JSON.parse(claims[0]?.text ?? '{}') as ClaimedTask
    expect(task).toMatchObject({ status: 'assigned', already_held: false })
    const path = `/task/${task.id}/complete`
    const completions = await Promise.all(
      Array.from({ length: RACERS }, () => send(path, { qty_moved: 2 })),
    )
    expect(new Set(completions.map((done) => `${done.status} ${done.text}`)).size).toBe(1)
    expect(completions[0]?.status).toBe(200)
    const { rows } = await sql<{ action: string; n: number }>`
      select action, count(*) as n from audit_log
       where actor = 'Van keyed' group by action order by action`.execute(database.db)
    expect(rows).toEqual([
      { action: 'task.complete', n: 1 },
      { action: 'task.dispatch', n: 1 },
    ])
  })

  it('approvals racing on the same suggestions make exactly one task each', async () => {
    const dispatchers = await Promise.all(
      Array.from({ length: 8 }, (_, i) => api.token('dispatcher', `desk ${i}`)),
    )
    const suggestions = await sql<{ id: number }>`
      insert into suggestions (system_id, from_station_id, to_station_id, qty)
      select ${SYSTEM}, 'A', 'B', 2 from generate_series(1, 25)
      returning id`.execute(database.db)
    const outcomes = await Promise.all(
      suggestions.rows.flatMap(({ id }) =>
        dispatchers.map(async (token) => {
          const response = await api.call('POST', '/task/approve', {
            token,
            body: { suggestion_id: id },
          })
          return { id, status: response.status }
        }),
      ),
    )
    for (const { id } of suggestions.rows) {
      const statuses = outcomes.filter((o) => o.id === id).map((o) => o.status)
      expect(statuses.filter((s) => s === 200)).toHaveLength(1)
      expect(statuses.filter((s) => s === 409)).toHaveLength(dispatchers.length - 1)
    }
    const { rows } = await sql<{ tasks: number }>`
      select count(*) as tasks from tasks
       where suggestion_id = any(${suggestions.rows.map((r) => r.id)}::bigint[])`.execute(
      database.db,
    )
    expect(rows[0]?.tasks).toBe(suggestions.rows.length)
  })

  it('batches racing on overlapping suggestions never both win, and never deadlock', async () => {
    const dispatcher = await api.token('dispatcher', 'batch desk')
    const { rows } = await sql<{ id: number }>`
      insert into suggestions (system_id, from_station_id, to_station_id, qty)
      select ${SYSTEM}, 'A', 'B', 1 from generate_series(1, 40)
      returning id`.execute(database.db)
    const ids = rows.map((row) => row.id)
    // Overlapping windows, in opposite orders: lock ordering must prevent deadlocks.
    const batches = Array.from({ length: 10 }, (_, i) => {
      const window = ids.slice(i * 3, i * 3 + 10)
      return i % 2 === 0 ? window : [...window].reverse()
    })
    const results = await Promise.all(
      batches.map((suggestion_ids) =>
        api.call('POST', '/task/approve-batch', { token: dispatcher, body: { suggestion_ids } }),
      ),
    )
    expect(results.every((r) => r.status === 200 || r.status === 409)).toBe(true)
    const won = batches.filter((_, i) => results[i]?.status === 200)
    const approvedIds = won.flat()
    expect(new Set(approvedIds).size).toBe(approvedIds.length)
    const approved = await database.db
      .selectFrom('suggestions')
      .select('id')
      .where('id', 'in', ids)
      .where('status', '=', 'approved')
      .execute()
    expect(approved.map((row) => row.id).sort((a, b) => a - b)).toEqual(
      [...approvedIds].sort((a, b) => a - b),
    )
  })
})
