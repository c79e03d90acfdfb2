import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Database } from '../../src/server/db/database.js'
import { SYSTEM, seedStations } from '../helpers/fixtures.js'
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.js'

let test: TestDatabase
let db: Database

beforeAll(async () => {
  test = await createTestDatabase()
  db = test.db
  // Real GBFS id shapes: a legacy number, a zero-padded id, a dotted id, a 19-digit id, a UUID.
  await seedStations(db, [
    { station_id: '74' },
    { station_id: '00010001' },
    { station_id: '5065.10' },
    { station_id: '1835733187981824398' },
    { station_id: 'f7fe6ef8-0d9c-4a1b-a1ea-07f0c8d7d34c' },
  ])
})
afterAll(async () => {
  await test.drop()
})

async function newTask(from = '74', to = '00010001', qty = 3): Promise<number> {
  const row = await db
    .insertInto('tasks')
    .values({ system_id: SYSTEM, from_station_id: from, to_station_id: to, qty })
    .returning('id')
    .executeTakeFirstOrThrow()
  return row.id
}

function setStatus(id: number, values: Record<string, unknown>) {
  return db.updateTable('tasks').set(values).where('id', '=', id).execute()
}

describe('station ids', () => {
  it('are kept exactly as the feed gives them', async () => {
    const rows = await db
      .selectFrom('stations')
      .select('station_id')
      .orderBy('station_id')
      .execute()
    expect(rows.map((r) => r.station_id)).toEqual([
      '00010001',
      '1835733187981824398',
      '5065.10',
      '74',
      'f7fe6ef8-0d9c-4a1b-a1ea-07f0c8d7d34c',
    ])
  })

  it('may repeat across systems', async () => {
    await seedStations(db, [{ station_id: '74', name: 'Another city' }], 'other_city')
    const count = await db
      .selectFrom('stations')
      .select(db.fn.countAll<number>().as('n'))
      .where('station_id', '=', '74')
      .executeTakeFirstOrThrow()
    expect(count.n).toBe(2)
  })
})

describe('check constraints', () => {
  it('refuse a negative capacity but accept an unknown one', async () => {
    await expect(seedStations(db, [{ station_id: 'neg', capacity: -1 }])).rejects.toThrow(
      /stations_capacity_check/,
    )
    await seedStations(db, [{ station_id: 'bcycle_no_capacity', capacity: null }])
  })

  it('refuse a task or suggestion moving zero bikes', async () => {
    await expect(newTask('74', '00010001', 0)).rejects.toThrow(/tasks_qty_check/)
    await expect(
      db
        .insertInto('suggestions')
        .values({ system_id: SYSTEM, from_station_id: '74', to_station_id: '5065.10', qty: 0 })
        .execute(),
    ).rejects.toThrow(/suggestions_qty_check/)
  })

  it('refuse a task from a station to itself', async () => {
    await expect(newTask('74', '74')).rejects.toThrow(/tasks_check/)
  })

  it('refuse a task naming a station the system does not have', async () => {
    await expect(newTask('74', 'no-such-station')).rejects.toThrow(/foreign key/)
  })

  it('refuse negative counts in a status row', async () => {
    await expect(
      db
        .insertInto('station_status_latest')
        .values({
          system_id: SYSTEM,
          station_id: '74',
          ts: new Date(),
          num_bikes_available: -1,
          num_docks_available: 3,
          is_installed: true,
          is_renting: true,
          is_returning: true,
        })
        .execute(),
    ).rejects.toThrow(/num_bikes_available_check/)
  })
})

describe('task lifecycle', () => {
  it('goes ready -> assigned -> completed', async () => {
    const id = await newTask()
    await setStatus(id, { status: 'assigned', worker_id: 'crew-1', assigned_at: new Date() })
    await setStatus(id, { status: 'completed', completed_at: new Date(), qty_moved: 3 })
    const task = await db
      .selectFrom('tasks')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirstOrThrow()
    expect(task.status).toBe('completed')
    expect(task.worker_id).toBe('crew-1')
  })

  it('may be released back to ready, or canceled from ready or assigned', async () => {
    const released = await newTask()
    await setStatus(released, { status: 'assigned', worker_id: 'crew-1', assigned_at: new Date() })
    await setStatus(released, { status: 'ready', worker_id: null })
    await setStatus(released, { status: 'canceled', canceled_at: new Date() })

    const held = await newTask()
    await setStatus(held, { status: 'assigned', worker_id: 'crew-2', assigned_at: new Date() })
    await setStatus(held, { status: 'canceled', canceled_at: new Date() })
  })

  it('cannot complete a ready task', async () => {
    const id = await newTask()
    await expect(
      setStatus(id, { status: 'completed', worker_id: 'crew-1', completed_at: new Date() }),
    ).rejects.toThrow(/cannot go from ready to completed/)
  })

  it('cannot leave completed or canceled', async () => {
    const done = await newTask()
    await setStatus(done, { status: 'assigned', worker_id: 'crew-1', assigned_at: new Date() })
    await setStatus(done, { status: 'completed', completed_at: new Date() })
    await expect(setStatus(done, { status: 'assigned' })).rejects.toThrow(
      /cannot go from completed to assigned/,
    )

    const canceled = await newTask()
    await setStatus(canceled, { status: 'canceled', canceled_at: new Date() })
    await expect(
      setStatus(canceled, { status: 'assigned', worker_id: 'crew-1', assigned_at: new Date() }),
    ).rejects.toThrow(/cannot go from canceled to assigned/)
  })

  it('requires a crew while assigned, and none while ready', async () => {
    const id = await newTask()
    await expect(setStatus(id, { status: 'assigned', assigned_at: new Date() })).rejects.toThrow(
      /tasks_check/,
    )
    await expect(setStatus(id, { worker_id: 'crew-1' })).rejects.toThrow(/tasks_check/)
  })

  it('holds at most one open assignment per task', async () => {
    const id = await newTask()
    await db.insertInto('task_assignments').values({ task_id: id, worker_id: 'crew-1' }).execute()
    await expect(
      db.insertInto('task_assignments').values({ task_id: id, worker_id: 'crew-2' }).execute(),
    ).rejects.toThrow(/task_assignments_open_idx/)
  })

  it('makes at most one task from one suggestion', async () => {
    const suggestion = await db
      .insertInto('suggestions')
      .values({ system_id: SYSTEM, from_station_id: '74', to_station_id: '5065.10', qty: 2 })
      .returning('id')
      .executeTakeFirstOrThrow()
    const values = {
      system_id: SYSTEM,
      from_station_id: '74',
      to_station_id: '5065.10',
      qty: 2,
      suggestion_id: suggestion.id,
    }
    await db.insertInto('tasks').values(values).execute()
    await expect(db.insertInto('tasks').values(values).execute()).rejects.toThrow(
      /tasks_suggestion_id_key/,
    )
  })
})

describe('suggestion outcomes', () => {
  it('are decided once: an approved suggestion cannot be rejected', async () => {
    const { id } = await db
      .insertInto('suggestions')
      .values({ system_id: SYSTEM, from_station_id: '74', to_station_id: '00010001', qty: 4 })
      .returning('id')
      .executeTakeFirstOrThrow()
    await db
      .updateTable('suggestions')
      .set({ status: 'approved', decided_at: new Date(), decided_by: 'dispatcher-1' })
      .where('id', '=', id)
      .execute()
    await expect(
      db.updateTable('suggestions').set({ status: 'rejected' }).where('id', '=', id).execute(),
    ).rejects.toThrow(/already approved/)
  })

  it('record when they were decided', async () => {
    const { id } = await db
      .insertInto('suggestions')
      .values({ system_id: SYSTEM, from_station_id: '74', to_station_id: '00010001', qty: 4 })
      .returning('id')
      .executeTakeFirstOrThrow()
    await expect(
      db.updateTable('suggestions').set({ status: 'rejected' }).where('id', '=', id).execute(),
    ).rejects.toThrow(/suggestions_check/)
  })
})

describe('audit log', () => {
  it('is append-only', async () => {
    await db
      .insertInto('audit_log')
      .values({ actor: 'dispatcher-1', action: 'task.cancel', entity: 'task', entity_id: '1' })
      .execute()
    await expect(
      db.updateTable('audit_log').set({ actor: 'someone-else' }).execute(),
    ).rejects.toThrow(/append-only/)
    await expect(db.deleteFrom('audit_log').execute()).rejects.toThrow(/append-only/)
  })

  it('names actions as entity.verb', async () => {
    await expect(
      db
        .insertInto('audit_log')
        .values({ actor: 'x', action: 'Approve Everything', entity: 'task' })
        .execute(),
    ).rejects.toThrow(/audit_log_action_check/)
  })
})

describe('int8 values', () => {
  it('arrive as JavaScript numbers', async () => {
    const { rows } = await sql<{ n: unknown; id: unknown }>`
      select count(*) as n, max(id) as id from tasks`.execute(db)
    expect(typeof rows[0]?.n).toBe('number')
    expect(typeof rows[0]?.id).toBe('number')
  })

  it('that would lose precision are an error, not a wrong number', async () => {
    await expect(sql`select 9007199254740993::int8 as big`.execute(db)).rejects.toThrow(
      /does not fit/,
    )
  })
})
