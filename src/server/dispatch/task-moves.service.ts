import type { Task } from '../../shared/dispatch.js'
import type {
  NewTaskRequest,
  TaskAssignRequest,
  TaskChangeRequest,
} from '../../shared/task-moves.js'
import type { Actor } from '../auth/actor.js'
import type { Database } from '../db/database.js'
import { inTransaction } from '../db/savepoint.js'
import { ServiceError } from '../errors.js'
import { chooseSystem } from '../systems/system-choice.js'
import {
  findCrew,
  insertTasks,
  notifyTasks,
  writeAudit,
  type TaskRow,
} from './dispatch.repository.js'
import { checkMoveFits, checkStationsExist } from './move-check.js'
import { changeLockedTask } from './task-work.service.js'

/**
 * What a dispatcher does to tasks beside approving suggestions: a move made by hand, a ready
 * task's bikes and priority changed, a ready task assigned to a crew. Each one audited, each
 * checked as an approval is (move-check.ts). Part of the dispatch service.
 */
export interface TaskMoves {
  createTask(input: NewTaskRequest, actor: Actor, trx?: Database): Promise<Task>
  changeTask(id: number, input: TaskChangeRequest, actor: Actor): Promise<Task>
  assignTask(id: number, input: TaskAssignRequest, actor: Actor): Promise<Task>
}

export interface TaskMovesOptions {
  toTask: (row: TaskRow) => Task
  emit: (event: 'task.created') => void
}

export function createTaskMoves(db: Database, { toTask, emit }: TaskMovesOptions): TaskMoves {
  /** The crew must exist and its van hold the task's bikes: 422 naming crew_id otherwise. */
  async function checkCrew(trx: Database, crewId: string, qty: number): Promise<void> {
    const crew = await findCrew(trx, crewId)
    if (!crew) {
      throw new ServiceError('unprocessable', 'unknown_crew', `crew_id: no crew "${crewId}"`)
    }
    if (crew.van_capacity !== null && qty > crew.van_capacity) {
      throw new ServiceError(
        'unprocessable',
        'qty_over_limit',
        `crew_id: ${crew.name}'s van holds ${crew.van_capacity} bikes, fewer than the task's ${qty}`,
      )
    }
  }

  function onlyReady(task: TaskRow, verb: string): void {
    if (task.status !== 'ready') {
      throw new ServiceError(
        'conflict',
        'invalid_transition',
        `task ${task.id} is ${task.status}${task.worker_id ? ` (crew ${task.worker_id})` : ''}: only a ready task can be ${verb}`,
      )
    }
  }

  return {
    async createTask(input, actor, handle = db) {
      const { systemId } = await chooseSystem(handle, input.system_id, 'system_id')
      const move = {
        system_id: systemId,
        from_station_id: input.from_station_id,
        to_station_id: input.to_station_id,
        qty: input.qty,
      }
      await checkStationsExist(handle, move)
      const created = await inTransaction(handle, async (trx) => {
        if (input.crew_id !== undefined) await checkCrew(trx, input.crew_id, input.qty)
        await checkMoveFits(trx, move, 'ask for')
        const [row] = await insertTasks(trx, [
          {
            ...move,
            reason: input.reason || null,
            priority: input.priority ?? 0,
            suggestion_id: null,
            note: null,
            created_by: actor.name,
            for_crew: input.crew_id ?? null,
          },
        ])
        if (!row) throw new Error('creating a task inserted none')
        await writeAudit(trx, actor, [
          {
            action: 'task.create',
            entity: 'task',
            entityId: row.id,
            detail: { by_hand: true, qty: row.qty, for_crew: row.for_crew },
          },
        ])
        await notifyTasks(trx, [row])
        return row
      })
      emit('task.created')
      return toTask(created)
    },

    async changeTask(id, input, actor) {
      const { row } = await changeLockedTask(db, id, async (task, trx) => {
        onlyReady(task, 'changed')
        const qty = input.qty ?? task.qty
        const priority = input.priority ?? task.priority
        if (qty === task.qty && priority === task.priority) return null
        if (qty !== task.qty) {
          await checkMoveFits(trx, { ...task, qty }, 'ask for')
          if (task.for_crew !== null) await checkCrew(trx, task.for_crew, qty)
        }
        const updated = await trx
          .updateTable('tasks')
          .set({ qty, priority })
          .where('id', '=', id)
          .returningAll()
          .executeTakeFirstOrThrow()
        const detail: Record<string, unknown> = {}
        if (qty !== task.qty) detail.qty = { from: task.qty, to: qty }
        if (priority !== task.priority) detail.priority = { from: task.priority, to: priority }
        await writeAudit(trx, actor, [
          { action: 'task.change', entity: 'task', entityId: id, detail },
        ])
        return updated
      })
      return toTask(row)
    },

    async assignTask(id, input, actor) {
      const { row } = await changeLockedTask(db, id, async (task, trx) => {
        onlyReady(task, 'assigned to a crew')
        if (input.crew_id === task.for_crew) return null
        if (input.crew_id !== null) await checkCrew(trx, input.crew_id, task.qty)
        const updated = await trx
          .updateTable('tasks')
          .set({ for_crew: input.crew_id })
          .where('id', '=', id)
          .returningAll()
          .executeTakeFirstOrThrow()
        await writeAudit(trx, actor, [
          {
            action: 'task.assign',
            entity: 'task',
            entityId: id,
            detail: { crew_id: input.crew_id, was: task.for_crew },
          },
        ])
        return updated
      })
      return toTask(row)
    },
  }
}
