import type {
  CrewStation,
  CrewTaskAnswer,
  PickedTask,
  PickupRequest,
} from '../../shared/crew-work.js'
import type { Actor } from '../auth/actor.js'
import type { Database } from '../db/database.js'
import { inTransaction } from '../db/savepoint.js'
import { lockTask, notifyTasks, writeAudit, type TaskRow } from '../dispatch/dispatch.repository.js'
import { taskShape } from '../dispatch/task-shape.js'
import { TASK_NOT_FOUND } from '../dispatch/task-work.service.js'
import { distanceKm } from '../engine/geo.js'
import { ServiceError } from '../errors.js'
import { stationLiveRows, type StationLiveRow } from '../gbfs/station-status.repository.js'
import { crewOf, type CrewWorkDeps } from './crew-work.js'
import { checkQtyPicked, vanState } from './task-limits.js'

function toStation(row: StationLiveRow): CrewStation {
  return {
    station_id: row.station_id,
    name: row.name,
    short_name: row.short_name,
    lat: row.lat,
    lon: row.lon,
    bikes: row.bikes,
    docks: row.docks,
    capacity: row.capacity,
    reported_at: row.last_reported?.toISOString() ?? null,
    stale: row.stale,
  }
}

function picked(deps: CrewWorkDeps, row: TaskRow): PickedTask {
  return { ...taskShape(row, deps.leaseMs, deps.now()), qty_picked: row.qty_picked }
}

/** A task's reason in words: the engine's own, else what the move is. */
function reasonInWords(row: TaskRow, from: CrewStation, to: CrewStation): string {
  if (row.reason && /\s/.test(row.reason.trim())) return row.reason
  const bikes = `${row.qty} bike${row.qty === 1 ? '' : 's'}`
  return `Move ${bikes} from ${from.name} to ${to.name}${row.reason ? ` (${row.reason})` : ''}.`
}

/**
 * The task the crew holds, with both stations' names, short codes, positions and live numbers,
 * the straight-line distance from the van's last known position to the source, the bikes picked
 * up and the reason in words. The stations of its task are the only ones a crew token may read.
 */
export async function crewTask(deps: CrewWorkDeps, actor: Actor): Promise<CrewTaskAnswer> {
  const crewId = crewOf(actor)
  const [task, crew] = await Promise.all([
    deps.db
      .selectFrom('tasks')
      .selectAll()
      .where('worker_id', '=', crewId)
      .where('status', '=', 'assigned')
      .executeTakeFirst(),
    deps.db
      .selectFrom('crews')
      .select(['last_lat', 'last_lon'])
      .where('crew_id', '=', crewId)
      .executeTakeFirst(),
  ])
  if (!task) return { task: null }
  const rows = await stationLiveRows(
    deps.db,
    { systemId: task.system_id, stationIds: [task.from_station_id, task.to_station_id] },
    deps.now(),
  )
  const byId = new Map(rows.map((row) => [row.station_id, toStation(row)]))
  const from = byId.get(task.from_station_id)
  const to = byId.get(task.to_station_id)
  if (!from || !to) {
    throw new ServiceError(
      'conflict',
      'station_inactive',
      `task ${task.id}: station ${from ? task.to_station_id : task.from_station_id} is no longer active; give the task back`,
    )
  }
  const position =
    crew && crew.last_lat !== null && crew.last_lon !== null
      ? { lat: crew.last_lat, lon: crew.last_lon }
      : null
  return {
    task: {
      ...picked(deps, task),
      from,
      to,
      distance_m: position ? Math.round(distanceKm(position, from) * 1000) : null,
      reason: reasonInWords(task, from, to),
    },
  }
}

/**
 * "Picked up": the bikes actually taken at the source, and what the source showed then (which
 * bounds the completion). Retry-safe: the same quantity again returns the task unchanged; another
 * quantity once recorded is a 409 naming the recorded one.
 */
export async function pickup(
  deps: CrewWorkDeps,
  taskId: number,
  input: PickupRequest,
  actor: Actor,
  trx: Database = deps.db,
): Promise<PickedTask> {
  const crewId = crewOf(actor)
  return inTransaction(trx, async (db) => {
    const task = await lockTask(db, taskId)
    if (!task) throw new ServiceError('not_found', 'task_not_found', TASK_NOT_FOUND)
    if (task.worker_id !== crewId || task.status === 'ready') {
      throw new ServiceError(
        'forbidden',
        'not_your_task',
        `task ${task.id} is not assigned to crew ${crewId}; claim work with POST /dispatch/next`,
      )
    }
    if (task.qty_picked !== null) {
      if (task.qty_picked === input.qty_picked) return picked(deps, task)
      throw new ServiceError(
        'conflict',
        'already_picked',
        `task ${task.id} was already picked up with qty_picked ${task.qty_picked}; this request says ${input.qty_picked}`,
      )
    }
    if (task.status !== 'assigned') {
      throw new ServiceError(
        'conflict',
        'invalid_transition',
        `task ${task.id} is ${task.status}: only an assigned task can be picked up`,
      )
    }
    const van = await vanState(db, task)
    checkQtyPicked(van, input.qty_picked)
    const updated = await db
      .updateTable('tasks')
      .set({
        qty_picked: input.qty_picked,
        picked_at: deps.now(),
        source_bikes_at_pickup: van.sourceBikes,
      })
      .where('id', '=', task.id)
      .returningAll()
      .executeTakeFirstOrThrow()
    await writeAudit(db, actor, [
      {
        action: 'task.pickup',
        entity: 'task',
        entityId: task.id,
        detail: { qty_picked: input.qty_picked, source_bikes: van.sourceBikes },
      },
    ])
    await notifyTasks(db, [updated])
    return picked(deps, updated)
  })
}
