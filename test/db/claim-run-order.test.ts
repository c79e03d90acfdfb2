import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startApi, type TestApi } from '../helpers/api.js'
import { insertTask } from '../helpers/crew-work.js'
import { seedStations } from '../helpers/fixtures.js'
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.js'

// Runs reach the crews (issue 17, migration 0015): a task planned for a crew goes to that crew
// only, before anything else, in its run's order; other crews never get it.

let database: TestDatabase
let api: TestApi

beforeAll(async () => {
  database = await createTestDatabase()
  await seedStations(database.db, [
    { station_id: 'N', name: 'Near St', lat: 37.7749, lon: -122.4194 },
    { station_id: 'F', name: 'Far Ave', lat: 37.8049, lon: -122.4194 },
    { station_id: 'S', name: 'Sink Sq', lat: 37.79, lon: -122.41 },
    { station_id: 'X', name: 'Elsewhere', lat: 37.7, lon: -122.45 },
  ])
  api = await startApi(database)
})

afterAll(async () => {
  await api.close()
  await database.drop()
})

async function crew(id: string, lat: number, lon: number): Promise<string> {
  const token = await api.token('crew', id, { crewId: id })
  await api.call('POST', '/crews/heartbeat', { token, body: { lat, lon } })
  return token
}

async function planFor(task: number, crewId: string, order: number | null): Promise<void> {
  await sql`update tasks set for_crew = ${crewId}, run_order = ${order} where id = ${task}`.execute(
    database.db,
  )
}

async function next(token: string): Promise<number | undefined> {
  const answer = await api.call('POST', '/dispatch/next', { token, body: {} })
  return (answer.body as { id?: number } | null)?.id
}

async function complete(token: string, id: number): Promise<void> {
  const answer = await api.call('POST', `/task/${id}/complete`, { token, body: { qty_moved: 3 } })
  expect(answer.status).toBe(200)
}

describe("the claim follows the crew's planned run", () => {
  it('hands out a run in its order, before nearer and higher-priority work, to its crew only', async () => {
    const north = await crew('van-north', 37.805, -122.4194)
    const south = await crew('van-south', 37.7749, -122.4194)
    // Anyone's work: right next to the south van, and urgent.
    const urgentNear = await insertTask(database.db, { from: 'N', to: 'S', priority: 5 })
    // The north van's run: three stops' moves, inserted out of order.
    const third = await insertTask(database.db, { from: 'X', to: 'S' })
    const first = await insertTask(database.db, { from: 'F', to: 'S' })
    const second = await insertTask(database.db, { from: 'S', to: 'N' })
    await planFor(third, 'van-north', 3)
    await planFor(first, 'van-north', 1)
    await planFor(second, 'van-north', 2)
    // A dispatcher's assignment to the north van, in no run: after the run's stops.
    const assigned = await insertTask(database.db, { from: 'N', to: 'X', priority: 9 })
    await planFor(assigned, 'van-north', null)

    // The south van never gets the north van's run: it gets anyone's work.
    expect(await next(south)).toBe(urgentNear)
    await complete(south, urgentNear)
    expect(await next(south)).toBeUndefined()

    const handed: number[] = []
    for (let k = 0; k < 4; k += 1) {
      const id = await next(north)
      if (id === undefined) break
      handed.push(id)
      await complete(north, id)
    }
    expect(handed).toEqual([first, second, third, assigned])
  })

  it('refuses a run order on a task planned for no crew', async () => {
    const task = await insertTask(database.db, { from: 'N', to: 'S' })
    await expect(
      sql`update tasks set run_order = 1 where id = ${task}`.execute(database.db),
    ).rejects.toThrow(/tasks_run_order_for_crew/)
  })
})
