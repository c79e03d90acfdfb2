import { sql } from 'kysely'
import type { ReleaseRequest } from '../../shared/dispatch.js'
import type { Actor } from '../auth/actor.js'
import type { Database } from '../db/database.js'
import type { TaskRow } from '../dispatch/dispatch.repository.js'
import { ServiceError } from '../errors.js'

/** A task a crew gave back with a reason_code is not handed to that crew again for this long. */
export const RELEASE_COOLDOWN_MINUTES = 30

export interface VanState {
  /** The open shift's capacity, else the crew's; null when neither is known. */
  capacity: number | null
  /** Bikes on board as the open shift says; null without an open shift. */
  onBoard: number | null
  /** Bikes the source showed at pickup, else now; null when its status is not known. */
  sourceBikes: number | null
  sourceName: string
  picked: boolean
}

/** What bounds a task's quantities for the crew holding it: one round trip. */
export async function vanState(db: Database, task: TaskRow): Promise<VanState> {
  const crewId = task.worker_id
  const { rows } = await sql<VanState>`
    select coalesce(
             (select van_capacity from crew_shifts where crew_id = ${crewId} and ended_at is null),
             (select van_capacity from crews where crew_id = ${crewId})) as "capacity",
           (select bikes_on_board from crew_shifts
             where crew_id = ${crewId} and ended_at is null) as "onBoard",
           coalesce(${task.source_bikes_at_pickup}::int, l.num_bikes_available) as "sourceBikes",
           s.name as "sourceName",
           ${task.picked_at !== null}::boolean as picked
      from stations s
      left join station_status_latest l using (system_id, station_id)
     where s.system_id = ${task.system_id} and s.station_id = ${task.from_station_id}`.execute(db)
  const row = rows[0]
  if (!row) throw new Error(`task ${task.id}: its source station is gone`)
  return row
}

function overLimit(field: string, limit: number, why: string): ServiceError {
  return new ServiceError('unprocessable', 'qty_over_limit', `${field}: at most ${limit}, ${why}`)
}

/**
 * A completion's qty_moved may not exceed the van's capacity, nor (with an open shift, which
 * says what was on board) what the source had at pickup (or now, without a pickup) plus what was
 * on board. 422 `qty_over_limit` naming the limit; nothing changes.
 */
export async function checkQtyMoved(
  db: Database,
  task: TaskRow,
  qtyMoved: number | undefined,
): Promise<void> {
  if (qtyMoved === undefined) return
  const van = await vanState(db, task)
  if (van.capacity !== null && qtyMoved > van.capacity) {
    throw overLimit('qty_moved', van.capacity, "the van's capacity")
  }
  if (van.onBoard !== null && van.sourceBikes !== null) {
    const limit = van.sourceBikes + van.onBoard
    if (qtyMoved > limit) {
      const when = van.picked ? 'at pickup' : 'now'
      throw overLimit(
        'qty_moved',
        limit,
        `the ${van.sourceBikes} bikes ${van.sourceName} showed ${when} plus ${van.onBoard} on board`,
      )
    }
  }
}

/** A pickup may not take more bikes than the van has room for. */
export function checkQtyPicked(van: VanState, qtyPicked: number): void {
  if (van.capacity === null) return
  const room = van.capacity - (van.onBoard ?? 0)
  if (qtyPicked > room) {
    throw overLimit(
      'qty_picked',
      room,
      van.onBoard
        ? `the room left in the van (${van.capacity} capacity, ${van.onBoard} on board)`
        : "the van's capacity",
    )
  }
}

/** Keeps a give-back and its reason: the console reads it, the claim honours the cooldown. */
export async function recordRelease(
  db: Database,
  task: TaskRow,
  input: ReleaseRequest,
  actor: Actor,
): Promise<void> {
  if (!task.worker_id) return
  await db
    .insertInto('task_releases')
    .values({
      task_id: task.id,
      crew_id: task.worker_id,
      reason_code: input.reason_code ?? null,
      reason: input.reason,
      released_by: actor.name,
    })
    .execute()
}
