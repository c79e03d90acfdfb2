import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ServiceCrews, ServiceTaskEffects } from '../../src/shared/service-levels.js'
import { startApi, type TestApi } from '../helpers/api.js'
import { pdt, pollTimes, writeHistory, type StateSpec } from '../helpers/service-history.js'
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.js'

let database: TestDatabase
let api: TestApi

const PLENTY: StateSpec = { bikes: 8, docks: 7 }
const at = (time: string) => pdt(`2023-07-12 ${time}`)

/**
 * S (the source) stands full from 09:00 and K (the sink) empty from 08:00 until van-1 takes 4
 * bikes from S to K, done at 10:00. Then a task van-1 gives back and van-2 finishes, and one a
 * dispatcher cancels.
 */
beforeAll(async () => {
  database = await createTestDatabase()
  const { db } = database
  await writeHistory(db, {
    systemId: 'crewday',
    stations: [
      { id: 'S', lat: 37.7749, lon: -122.4194, name: 'Source St' },
      { id: 'K', lat: 37.7849, lon: -122.4094, name: 'Sink St' },
    ],
    polls: pollTimes('2023-07-12 05:00', '2023-07-12 23:00', 1).map((t) => ({
      at: t,
      states: {
        S: t >= at('09:00') && t < at('10:00') ? { bikes: 15, docks: 0 } : PLENTY,
        K: t >= at('08:00') && t < at('10:00') ? { bikes: 0, docks: 15 } : PLENTY,
      },
    })),
  })
  await db
    .insertInto('crews')
    .values([
      { crew_id: 'van-1', name: 'Van 1' },
      { crew_id: 'van-2', name: 'Van 2' },
    ])
    .execute()
  const suggestion = await db
    .insertInto('suggestions')
    .values({
      system_id: 'crewday',
      from_station_id: 'S',
      to_station_id: 'K',
      qty: 5,
      source: 'engine',
      status: 'approved',
      created_at: at('09:40'),
      decided_at: at('09:45'),
    })
    .returning('id')
    .executeTakeFirstOrThrow()
  const task = (values: Record<string, unknown>) =>
    db
      .insertInto('tasks')
      .values({
        system_id: 'crewday',
        from_station_id: 'S',
        to_station_id: 'K',
        ...values,
      } as never)
      .returning('id')
      .executeTakeFirstOrThrow()
  const first = await task({
    qty: 5,
    qty_moved: 4,
    status: 'completed',
    worker_id: 'van-1',
    suggestion_id: suggestion.id,
    created_at: at('09:45'),
    assigned_at: at('09:50'),
    completed_at: at('10:00'),
  })
  const second = await task({
    qty: 3,
    status: 'completed',
    worker_id: 'van-2',
    created_at: at('11:00'),
    assigned_at: at('11:30'),
    completed_at: at('12:10'),
  })
  await task({ qty: 2, status: 'canceled', created_at: at('13:00'), canceled_at: at('13:30') })
  await db
    .insertInto('task_assignments')
    .values([
      {
        task_id: first.id,
        worker_id: 'van-1',
        assigned_at: at('09:50'),
        ended_at: at('10:00'),
        outcome: 'completed',
      },
      {
        task_id: second.id,
        worker_id: 'van-1',
        assigned_at: at('11:10'),
        ended_at: at('11:20'),
        outcome: 'released',
        end_reason: 'flat tyre',
      },
      {
        task_id: second.id,
        worker_id: 'van-2',
        assigned_at: at('11:30'),
        ended_at: at('12:10'),
        outcome: 'completed',
      },
    ])
    .execute()
  // Van 1's phone reports every 5 minutes 09:30-11:30; van 2's at most 15 minutes apart.
  const beats = [
    ...pollTimes('2023-07-12 09:30', '2023-07-12 11:30', 5).map((t) => ({
      crew_id: 'van-1',
      at: t,
    })),
    ...['11:25', '11:35', '11:50', '12:05', '12:10'].map((t) => ({ crew_id: 'van-2', at: at(t) })),
  ]
  await db.insertInto('crew_heartbeats').values(beats).execute()
  api = await startApi(database)
})
afterAll(async () => {
  await api.close()
  await database.drop()
})

describe('the crews’ day', () => {
  it('counts tasks created, dispatched, completed, canceled and given back per day and hour', async () => {
    const crews: ServiceCrews = await api.services.serviceLevels.crews({
      system: 'crewday',
      from: '2023-07-12',
      to: '2023-07-13',
    })
    expect(crews.totals).toEqual({
      created: 3,
      dispatched: 3,
      completed: 2,
      canceled: 1,
      released: 1,
      bikes_moved: 7,
    })
    expect(crews.days).toEqual([{ day: '2023-07-12', ...crews.totals }])
    expect(crews.hours).toHaveLength(24)
    const hour = (local: string) => crews.hours.find((h) => h.local === `2023-07-12 ${local}`)
    expect(hour('09:00')).toMatchObject({ created: 1, dispatched: 1, completed: 0 })
    expect(hour('10:00')).toMatchObject({ completed: 1, bikes_moved: 4 })
    expect(hour('11:00')).toMatchObject({ created: 1, dispatched: 2, released: 1 })
    expect(hour('13:00')).toMatchObject({ created: 1, canceled: 1 })
  })

  it('times each step: suggestion to approval, approval to claim, claim to completion', async () => {
    const { durations } = await api.services.serviceLevels.crews({
      system: 'crewday',
      from: '2023-07-12',
      to: '2023-07-13',
    })
    expect(durations.suggestion_to_approval).toMatchObject({ count: 1, median_minutes: 5 })
    // The second task's first claim is van 1's at 11:10, 10 minutes after it was made.
    expect(durations.approval_to_claim).toMatchObject({ count: 2, median_minutes: 7.5 })
    expect(durations.claim_to_completion).toMatchObject({
      count: 2,
      median_minutes: 25,
      mean_minutes: 25,
    })
  })

  it('gives each crew its bikes per hour on shift, a task held and a phone reporting counted once', async () => {
    const { crews } = await api.services.serviceLevels.crews({
      system: 'crewday',
      from: '2023-07-12',
      to: '2023-07-13',
    })
    expect(crews).toEqual([
      expect.objectContaining({
        crew_id: 'van-1',
        name: 'Van 1',
        claimed: 2,
        completed: 1,
        released: 1,
        bikes_moved: 4,
        hours_on_shift: 2,
        bikes_per_hour: 2,
      }),
      expect.objectContaining({
        crew_id: 'van-2',
        claimed: 1,
        completed: 1,
        bikes_moved: 3,
        hours_on_shift: 0.75,
        bikes_per_hour: 4,
      }),
    ])
    expect(crews[0]?.claim_to_completion).toMatchObject({ count: 1, median_minutes: 10 })
  })

  it('shows each completed task’s stations before and after it', async () => {
    const effects: ServiceTaskEffects = await api.services.serviceLevels.taskEffects({
      system: 'crewday',
      from: '2023-07-12',
      to: '2023-07-13',
    })
    expect(effects.window_minutes).toBe(120)
    expect(effects.tasks).toHaveLength(2)
    const [first] = effects.tasks
    expect(first).toMatchObject({
      worker_id: 'van-1',
      bikes_moved: 4,
      from_station: { station_id: 'S', minutes_full_before: 60, minutes_full_after: 0 },
      to_station: {
        station_id: 'K',
        name: 'Sink St',
        minutes_empty_before: 120,
        minutes_empty_after: 0,
        minutes_unknown_before: 0,
      },
      after_minutes: 120,
    })
    expect(effects.totals).toEqual({
      tasks: 2,
      source_minutes_full_before: 60,
      source_minutes_full_after: 0,
      sink_minutes_empty_before: 120,
      sink_minutes_empty_after: 0,
    })
  })

  it('exports the crews and the task effects as CSV', async () => {
    const analyst = await api.token('analyst')
    const crews = await api.call(
      'GET',
      '/service/crews?system=crewday&from=2023-07-12&to=2023-07-13',
      {
        token: analyst,
        headers: { accept: 'text/csv' },
      },
    )
    expect((crews.body as string).split('\r\n').slice(0, 2)).toEqual([
      'crew_id,name,claimed,completed,released,canceled,bikes_moved,hours_on_shift,bikes_per_hour,claim_to_completion_count,claim_to_completion_median_minutes,claim_to_completion_p90_minutes,claim_to_completion_mean_minutes',
      'van-1,Van 1,2,1,1,0,4,2,2,1,10,10,10',
    ])
    const tasks = await api.call(
      'GET',
      '/service/tasks?system=crewday&from=2023-07-12&to=2023-07-13&format=csv',
      { token: analyst },
    )
    expect((tasks.body as string).trimEnd().split('\r\n')).toHaveLength(3)
  })
})
