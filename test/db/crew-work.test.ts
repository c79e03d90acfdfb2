import { sql } from 'kysely'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import type { CrewTask, PickedTask, Shift, TaskRelease } from '../../src/shared/crew-work.js'
import type { Crew } from '../../src/shared/dispatch.js'
import { startApi, type TestApi } from '../helpers/api.js'
import { insertTask, setLive } from '../helpers/crew-work.js'
import { seedStations } from '../helpers/fixtures.js'
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.js'

// The crew's working day (issue 15): shifts, the task screen's data, pickups and the limits a
// completion must keep, "Can't do" with its cooldown, and the claim that knows where the van is.

let database: TestDatabase
let api: TestApi
let dispatcher: string
let crewNo = 0

beforeAll(async () => {
  database = await createTestDatabase()
  await seedStations(database.db, [
    { station_id: 'N', name: 'Near St', lat: 37.7749, lon: -122.4194 },
    { station_id: 'F', name: 'Far Ave', lat: 37.8049, lon: -122.4194 },
    { station_id: 'S', name: 'Sink Sq', lat: 37.79, lon: -122.41 },
    { station_id: 'X', name: 'Elsewhere', lat: 37.7, lon: -122.45 },
  ])
  await database.db
    .updateTable('stations')
    .set({ short_name: 'NR' })
    .where('station_id', '=', 'N')
    .execute()
  api = await startApi(database)
  dispatcher = await api.token('dispatcher', 'desk')
})

afterAll(async () => {
  await api.close()
  await database.drop()
})

beforeEach(async () => {
  await sql`truncate task_releases, task_assignments, tasks, station_status_latest restart identity cascade`.execute(
    database.db,
  )
})

/** A crew token of a new crew, so tests never share a crew's shift or position. */
async function newCrew(vanCapacity?: number): Promise<{ token: string; id: string }> {
  crewNo += 1
  const id = `van-w${crewNo}`
  return { token: await api.token('crew', `Van W${crewNo}`, { crewId: id, vanCapacity }), id }
}

function post(token: string, path: string, body: unknown = {}, key?: string) {
  return api.call('POST', path, {
    token,
    body,
    headers: key === undefined ? {} : { 'idempotency-key': key },
  })
}

describe('shifts', () => {
  it('start is retry-safe: a second start returns the open shift; end needs one open', async () => {
    const crew = await newCrew()
    const start = { van_capacity: 12, bikes_on_board: 2, lat: 37.77, lon: -122.42, battery: 0.8 }
    const first = await post(crew.token, '/crew/shift/start', start)
    expect(first.status).toBe(200)
    const shift = first.body as Shift
    expect(shift).toMatchObject({ van_capacity: 12, bikes_on_board: 2, ended_at: null })
    const again = await post(crew.token, '/crew/shift/start', { ...start, van_capacity: 10 })
    expect(again.body).toEqual(shift)
    const open = await database.db
      .selectFrom('crew_shifts')
      .select('shift_id')
      .where('crew_id', '=', crew.id)
      .execute()
    expect(open).toHaveLength(1)
    const crewRow = await database.db
      .selectFrom('crews')
      .select(['van_capacity', 'last_lat'])
      .where('crew_id', '=', crew.id)
      .executeTakeFirstOrThrow()
    expect(crewRow).toEqual({ van_capacity: 12, last_lat: 37.77 })

    const ended = await post(crew.token, '/crew/shift/end', { bikes_on_board: 1 }, 'end-1')
    expect(ended.body).toMatchObject({ shift_id: shift.shift_id, bikes_on_board: 1 })
    expect((ended.body as Shift).ended_at).not.toBeNull()
    const replay = await post(crew.token, '/crew/shift/end', { bikes_on_board: 1 }, 'end-1')
    expect(replay.body).toEqual(ended.body)
    expect(replay.headers.get('idempotent-replayed')).toBe('true')
    const noShift = await post(crew.token, '/crew/shift/end', { bikes_on_board: 1 })
    expect(noShift).toMatchObject({ status: 409, body: { code: 'no_open_shift' } })
  })

  it('GET /crew/me carries the open shift and the bikes moved today', async () => {
    const crew = await newCrew()
    const before = await api.call('GET', '/crew/me', { token: crew.token })
    expect(before.body).toMatchObject({ crew_id: crew.id, shift: null, bikes_moved_today: 0 })
    const started = await post(crew.token, '/crew/shift/start', {
      van_capacity: 10,
      bikes_on_board: 0,
    })
    const shift = started.body as Shift
    await setLive(database.db, 'N', 7, 10)
    const id = await insertTask(database.db, { from: 'N', to: 'S', qty: 3 })
    await post(crew.token, '/dispatch/next')
    await post(crew.token, `/task/${id}/pickup`, { qty_picked: 3 })
    expect((await post(crew.token, `/task/${id}/complete`, { qty_moved: 3 })).status).toBe(200)
    const me = await api.call('GET', '/crew/me', { token: crew.token })
    expect(me).toMatchObject({
      status: 200,
      body: {
        crew_id: crew.id,
        shift: { shift_id: shift.shift_id, ended_at: null, bikes_moved: 3 },
        bikes_moved_today: 3,
      },
    })
  })

  it('refuses more bikes on board than the van holds, naming the field', async () => {
    const crew = await newCrew()
    const bad = await post(crew.token, '/crew/shift/start', { van_capacity: 5, bikes_on_board: 6 })
    expect(bad.status).toBe(400)
    expect((bad.body as { detail: string }).detail).toMatch(/^body\.bikes_on_board:/)
    expect(await database.db.selectFrom('crew_shifts').selectAll().execute()).toEqual(
      expect.not.arrayContaining([expect.objectContaining({ crew_id: crew.id })]),
    )
  })
})

describe('the task screen', () => {
  it("shows the held task with both stations' names, codes, live numbers and the distance", async () => {
    const crew = await newCrew()
    await setLive(database.db, 'N', 9, 4)
    await post(crew.token, '/crews/heartbeat', { lat: 37.7749, lon: -122.4294 })
    expect((await api.call('GET', '/crew/task', { token: crew.token })).body).toEqual({
      task: null,
    })
    const id = await insertTask(database.db, { from: 'N', to: 'S', qty: 4 })
    await post(crew.token, '/dispatch/next')
    const answer = await api.call('GET', '/crew/task', { token: crew.token })
    const task = (answer.body as { task: CrewTask }).task
    expect(task).toMatchObject({
      id,
      qty: 4,
      qty_picked: null,
      from: { station_id: 'N', name: 'Near St', short_name: 'NR', bikes: 9, docks: 4 },
      to: { station_id: 'S', name: 'Sink Sq', bikes: null, docks: null, stale: true },
    })
    expect(task.from.lat).toBeCloseTo(37.7749)
    // 0.01 degrees of longitude at 37.77 N: about 879 m.
    expect(task.distance_m).toBeGreaterThan(850)
    expect(task.distance_m).toBeLessThan(910)
    expect(task.reason).toBe('test move')
  })

  it('a crew reads the stations of its task only: every other station look-up stays 403', async () => {
    const crew = await newCrew()
    await insertTask(database.db, { from: 'N', to: 'S' })
    await post(crew.token, '/dispatch/next')
    const task = (await api.call('GET', '/crew/task', { token: crew.token })).body as {
      task: CrewTask
    }
    expect([task.task.from.station_id, task.task.to.station_id]).toEqual(['N', 'S'])
    for (const path of ['/feeds/stations', '/stations/N/history', '/stations/X/nearby']) {
      expect((await api.call('GET', path, { token: crew.token })).status, path).toBe(403)
    }
    expect((await api.call('GET', '/crew/task', { token: dispatcher })).status).toBe(403)
  })
})

describe('pickup and the limits of a completion', () => {
  it('pickup is retry-safe and records the bikes taken', async () => {
    const crew = await newCrew()
    await setLive(database.db, 'N', 7, 10)
    const id = await insertTask(database.db, { from: 'N', to: 'S', qty: 5 })
    await post(crew.token, '/dispatch/next')
    const first = await post(crew.token, `/task/${id}/pickup`, { qty_picked: 5 }, 'pick-1')
    expect(first).toMatchObject({ status: 200, body: { id, qty_picked: 5, status: 'assigned' } })
    const replay = await post(crew.token, `/task/${id}/pickup`, { qty_picked: 5 }, 'pick-1')
    expect(replay.body).toEqual(first.body)
    expect(replay.headers.get('idempotent-replayed')).toBe('true')
    const same = await post(crew.token, `/task/${id}/pickup`, { qty_picked: 5 })
    expect((same.body as PickedTask).updated_at).toBe((first.body as PickedTask).updated_at)
    const other = await post(crew.token, `/task/${id}/pickup`, { qty_picked: 4 })
    expect(other).toMatchObject({ status: 409, body: { code: 'already_picked' } })
    const row = await database.db
      .selectFrom('tasks')
      .select(['qty_picked', 'source_bikes_at_pickup'])
      .where('id', '=', id)
      .executeTakeFirstOrThrow()
    expect(row).toEqual({ qty_picked: 5, source_bikes_at_pickup: 7 })
    const stranger = await newCrew()
    expect((await post(stranger.token, `/task/${id}/pickup`, { qty_picked: 5 })).status).toBe(403)
  })

  it("refuses qty_moved above the van's capacity, naming the limit, and changes nothing", async () => {
    const crew = await newCrew(12)
    const id = await insertTask(database.db, { from: 'N', to: 'S', qty: 5 })
    await post(crew.token, '/dispatch/next')
    const over = await post(crew.token, `/task/${id}/complete`, { qty_moved: 40 })
    expect(over).toMatchObject({
      status: 422,
      body: { code: 'qty_over_limit', detail: "qty_moved: at most 12, the van's capacity" },
    })
    const task = await database.db
      .selectFrom('tasks')
      .select(['status', 'qty_moved'])
      .where('id', '=', id)
      .executeTakeFirstOrThrow()
    expect(task).toEqual({ status: 'assigned', qty_moved: null })
    const ok = await post(crew.token, `/task/${id}/complete`, { qty_moved: 12 })
    expect(ok).toMatchObject({ status: 200, body: { status: 'completed', qty_moved: 12 } })
  })

  it('refuses qty_moved above what the source had at pickup plus what was on board', async () => {
    const crew = await newCrew()
    await post(crew.token, '/crew/shift/start', { van_capacity: 20, bikes_on_board: 2 })
    await setLive(database.db, 'N', 7, 10)
    const id = await insertTask(database.db, { from: 'N', to: 'S', qty: 5 })
    await post(crew.token, '/dispatch/next')
    await post(crew.token, `/task/${id}/pickup`, { qty_picked: 6 })
    // The station's numbers move on after the pickup: the pickup's count is the one that binds.
    await setLive(database.db, 'N', 15, 2)
    const over = await post(crew.token, `/task/${id}/complete`, { qty_moved: 10 })
    expect(over).toMatchObject({
      status: 422,
      body: {
        code: 'qty_over_limit',
        detail: 'qty_moved: at most 9, the 7 bikes Near St showed at pickup plus 2 on board',
      },
    })
    const ok = await post(crew.token, `/task/${id}/complete`, { qty_moved: 9 })
    expect(ok).toMatchObject({ status: 200, body: { qty_moved: 9 } })
    const crews = (await api.call('GET', '/crews', { token: dispatcher })).body as Crew[]
    expect(crews.find((row) => row.crew_id === crew.id)).toMatchObject({
      task_id: null,
      bikes_moved_today: 9,
      shift: { van_capacity: 20, bikes_on_board: 2, bikes_moved: 9 },
    })
  })

  it('refuses a pickup larger than the room left in the van', async () => {
    const crew = await newCrew()
    await post(crew.token, '/crew/shift/start', { van_capacity: 10, bikes_on_board: 4 })
    const id = await insertTask(database.db, { from: 'N', to: 'S', qty: 5 })
    await post(crew.token, '/dispatch/next')
    const over = await post(crew.token, `/task/${id}/pickup`, { qty_picked: 7 })
    expect(over).toMatchObject({
      status: 422,
      body: {
        code: 'qty_over_limit',
        detail: 'qty_picked: at most 6, the room left in the van (10 capacity, 4 on board)',
      },
    })
  })
})

describe("can't do", () => {
  it('keeps the reason for the console and does not hand the task back for 30 minutes', async () => {
    const crew = await newCrew()
    const other = await newCrew()
    const id = await insertTask(database.db, { from: 'N', to: 'S', priority: 5 })
    const second = await insertTask(database.db, { from: 'F', to: 'S', priority: 1 })
    await post(crew.token, '/dispatch/next')
    const released = await post(crew.token, `/task/${id}/release`, {
      reason: 'only 2 bikes there',
      reason_code: 'fewer_bikes',
    })
    expect(released).toMatchObject({ status: 200, body: { status: 'ready' } })
    const releases = await api.call('GET', `/task/${id}/releases`, { token: dispatcher })
    expect(releases.body).toMatchObject([
      { task_id: id, crew_id: crew.id, reason_code: 'fewer_bikes', reason: 'only 2 bikes there' },
    ] satisfies Partial<TaskRelease>[])
    expect(
      (await post(crew.token, `/task/${id}/release`, { reason: 'x', reason_code: 'nope' })).status,
    ).toBe(400)
    // This crew gets the next task; another crew still gets the given-back one.
    expect((await post(crew.token, '/dispatch/next')).body).toMatchObject({ id: second })
    expect((await post(other.token, '/dispatch/next')).body).toMatchObject({ id })
    await post(other.token, `/task/${id}/release`, { reason: 'van full', reason_code: 'van_full' })
    await post(crew.token, `/task/${second}/complete`)
    expect((await post(crew.token, '/dispatch/next')).status).toBe(404)
    // 31 minutes later it may have it again.
    await sql`update task_releases set at = now() - interval '31 minutes' where crew_id = ${crew.id}`.execute(
      database.db,
    )
    expect((await post(crew.token, '/dispatch/next')).body).toMatchObject({ id })
  })
})

describe('the claim knows where the van is', () => {
  it('of two equal-priority tasks hands out the nearer first; without a position, the oldest', async () => {
    const older = new Date(Date.now() - 60_000)
    const far = await insertTask(database.db, { from: 'F', to: 'S', createdAt: older })
    const near = await insertTask(database.db, { from: 'N', to: 'S' })
    const placed = await newCrew()
    await post(placed.token, '/crews/heartbeat', { lat: 37.775, lon: -122.42 })
    expect((await post(placed.token, '/dispatch/next')).body).toMatchObject({ id: near })
    await post(placed.token, `/task/${near}/release`, { reason: 'test' })

    const unplaced = await newCrew()
    expect((await post(unplaced.token, '/dispatch/next')).body).toMatchObject({ id: far })
  })

  it('a higher priority still comes first, however far', async () => {
    const far = await insertTask(database.db, { from: 'F', to: 'S', priority: 3 })
    await insertTask(database.db, { from: 'N', to: 'S', priority: 2 })
    const placed = await newCrew()
    await post(placed.token, '/crews/heartbeat', { lat: 37.775, lon: -122.42 })
    expect((await post(placed.token, '/dispatch/next')).body).toMatchObject({ id: far })
  })
})
