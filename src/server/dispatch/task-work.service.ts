import type {
  CancelRequest,
  ClaimedTask,
  CompleteRequest,
  DispatchRequest,
  ReleaseRequest,
  Task,
  TaskListFilter,
  TaskPage,
  TaskStatus,
  TaskSummary,
} from '../../shared/dispatch.js'
import { describeActor, type Actor } from '../auth/actor.js'
import type { Database } from '../db/database.js'
import { inTransaction, withSavepoint } from '../db/savepoint.js'
import { ServiceError } from '../errors.js'
import { checkQtyMoved, recordRelease } from '../crew/task-limits.js'
import { taskShape } from './task-shape.js'
import {
  claimNextTask,
  endAssignment,
  findCrew,
  getTask,
  isSecondClaim,
  listTasks,
  lockTask,
  notifyTasks,
  readyTasksAboveCapacity,
  taskCountsByStatus,
  updateTask,
  writeAudit,
  type ClaimedRow,
  type TaskRow,
} from './dispatch.repository.js'

/**
 * A task's life once it exists: claimed by a crew (or handed to one), completed, given back,
 * canceled, read. Part of the dispatch service (dispatch.service.ts), apart so that each file
 * stays readable; the same rules hold over HTTP and IPC.
 */

export const DEFAULT_PAGE = 50

// The seed's words for its 404s (seed 001), kept exactly: crew devices may match on them.
export const TASK_NOT_FOUND = 'Task not found'
const NO_AVAILABLE_TASKS = 'No available tasks'

export const iso = (date: Date | null): string | null => date?.toISOString() ?? null

export interface TaskWorkOptions {
  /** An assigned task not completed within this time is flagged stale for the dispatcher. */
  leaseMs: number
  now: () => Date
  emit: (
    event: 'task.dispatched' | 'task.completed' | 'task.released' | 'task.canceled',
    count?: number,
  ) => void
}

export interface TaskWork {
  toTask: (row: TaskRow) => Task
  /**
   * The crew's work. `trx`: the transaction of a request sent with an Idempotency-Key, so that
   * the work and the key's recorded answer commit together (src/server/http/idempotency.ts).
   */
  dispatchNext(input: DispatchRequest, actor: Actor, trx?: Database): Promise<ClaimedTask>
  complete(id: number, input: CompleteRequest, actor: Actor, trx?: Database): Promise<Task>
  release(id: number, input: ReleaseRequest, actor: Actor, trx?: Database): Promise<Task>
  cancel(id: number, input: CancelRequest, actor: Actor): Promise<Task>
  getTask(id: number, actor: Actor): Promise<Task>
  listTasks(filter: TaskListFilter, actor: Actor): Promise<TaskPage>
  summary(): Promise<TaskSummary>
}

/**
 * One task's change: locked, `apply`'d (null: nothing to change, a retry), the boards told. 404
 * in the seed's words when there is no such task.
 */
export function changeLockedTask(
  handle: Database,
  id: number,
  apply: (task: TaskRow, trx: Database) => Promise<TaskRow | null>,
): Promise<{ row: TaskRow; changed: boolean }> {
  return inTransaction(handle, async (trx) => {
    const task = await lockTask(trx, id)
    if (!task) throw new ServiceError('not_found', 'task_not_found', TASK_NOT_FOUND)
    const changed = await apply(task, trx)
    if (!changed) return { row: task, changed: false }
    await notifyTasks(trx, [changed])
    return { row: changed, changed: true }
  })
}

export function createTaskWork(db: Database, options: TaskWorkOptions): TaskWork {
  const { now, emit } = options

  const toTask = (row: TaskRow): Task => taskShape(row, options.leaseMs, now())

  /** A crew acts only on its own tasks; dispatchers on any. */
  function assertHolder(task: TaskRow, actor: Actor, verb: string): void {
    if (actor.role === 'crew' && task.worker_id !== actor.crewId) {
      throw new ServiceError(
        'forbidden',
        'not_your_task',
        task.worker_id
          ? `task ${task.id} is held by crew ${task.worker_id}; ${describeActor(actor)} cannot ${verb} it`
          : `task ${task.id} is not assigned to ${describeActor(actor)}; claim work with POST /dispatch/next`,
      )
    }
  }

  function wrongState(task: TaskRow, verb: string, allowed: string): ServiceError {
    const since =
      task.status === 'canceled'
        ? ` (canceled ${iso(task.canceled_at) ?? ''})`
        : task.status === 'completed'
          ? ` (completed by ${task.worker_id ?? 'a crew'} ${iso(task.completed_at) ?? ''})`
          : ''
    return new ServiceError(
      'conflict',
      'invalid_transition',
      `task ${task.id} is ${task.status}${since}: only ${allowed} task can be ${verb}`,
    )
  }

  /**
   * A completed task completed again: a retry changes nothing (null), but a different quantity
   * or note than the one recorded is a 409 naming it. A field left out does not contradict: the
   * seed's crews complete with no body at all.
   */
  function sameCompletion(task: TaskRow, input: CompleteRequest): null {
    if (input.qty_moved !== undefined && input.qty_moved !== task.qty_moved) {
      const recorded =
        task.qty_moved === null ? 'without a qty_moved' : `with qty_moved ${task.qty_moved}`
      throw new ServiceError(
        'conflict',
        'already_completed',
        `task ${task.id} was already completed ${recorded}; this request says qty_moved ${input.qty_moved}`,
      )
    }
    if (input.note !== undefined && input.note !== task.note) {
      throw new ServiceError(
        'conflict',
        'already_completed',
        `task ${task.id} was already completed with ${task.note === null ? 'no note' : 'another note'}; this request's note differs`,
      )
    }
    return null
  }

  const changeTask = (
    id: number,
    apply: (task: TaskRow, trx: Database) => Promise<TaskRow | null>,
    handle: Database = db,
  ) => changeLockedTask(handle, id, apply)

  // Two racing claims by one crew: the loser's second run returns the winner's task. A third
  // failure would take a crew completing and claiming again within the same milliseconds.
  const CLAIM_ATTEMPTS = 3

  async function claim(
    handle: Database,
    crewId: string,
    actor: Actor,
  ): Promise<ClaimedRow | undefined> {
    for (let attempt = 1; ; attempt++) {
      try {
        // Inside a caller's transaction a failed statement would abort it: fence it off.
        return handle.isTransaction
          ? await withSavepoint(handle, 'claim', () => claimNextTask(handle, crewId, actor))
          : await claimNextTask(handle, crewId, actor)
      } catch (error) {
        if (attempt < CLAIM_ATTEMPTS && isSecondClaim(error)) continue
        throw error
      }
    }
  }

  return {
    toTask,

    async dispatchNext(input, actor, trx = db) {
      let crewId: string
      if (actor.role === 'crew') {
        if (!actor.crewId) throw new Error('a crew actor without a crew')
        if (input.worker_id !== undefined && input.worker_id !== actor.crewId) {
          throw new ServiceError(
            'forbidden',
            'worker_mismatch',
            `worker_id: "${input.worker_id}" is not this token's crew ("${actor.crewId}")`,
          )
        }
        crewId = actor.crewId
      } else {
        if (input.worker_id === undefined) {
          throw new ServiceError(
            'invalid',
            'invalid_request',
            'worker_id: is required when a dispatcher hands out a task',
          )
        }
        if (!(await findCrew(trx, input.worker_id))) {
          throw new ServiceError(
            'not_found',
            'crew_not_found',
            `worker_id: no crew "${input.worker_id}"; create its token first (balancer token create --role crew)`,
          )
        }
        crewId = input.worker_id
      }
      const claimed = await claim(trx, crewId, actor)
      if (!claimed) {
        const tooBig = await readyTasksAboveCapacity(trx, crewId)
        throw new ServiceError(
          'not_found',
          'no_available_tasks',
          tooBig.count > 0 && tooBig.capacity !== null
            ? `${NO_AVAILABLE_TASKS} (${tooBig.count} ready task${tooBig.count > 1 ? 's need' : ' needs'} more than this van's ${tooBig.capacity} bikes)`
            : NO_AVAILABLE_TASKS,
        )
      }
      const { already_held: alreadyHeld, ...row } = claimed
      if (!alreadyHeld) emit('task.dispatched')
      return { ...toTask(row), already_held: alreadyHeld }
    },

    async complete(id, input, actor, handle) {
      const { row, changed } = await changeTask(
        id,
        async (task, trx) => {
          assertHolder(task, actor, 'complete')
          // A crew device retrying after a dropped answer gets the same answer, not an error; a
          // request that says something else than what was recorded is not a retry.
          if (task.status === 'completed') return sameCompletion(task, input)
          if (task.status !== 'assigned') throw wrongState(task, 'completed', 'an assigned')
          await checkQtyMoved(trx, task, input.qty_moved)
          const updated = await updateTask(trx, id, {
            status: 'completed',
            completed_at: now(),
            qty_moved: input.qty_moved ?? null,
            note: input.note ?? task.note,
          })
          await endAssignment(trx, id, 'completed', null)
          await writeAudit(trx, actor, [
            {
              action: 'task.complete',
              entity: 'task',
              entityId: id,
              detail: { worker_id: task.worker_id, qty_moved: input.qty_moved ?? null },
            },
          ])
          return updated
        },
        handle,
      )
      if (changed) emit('task.completed')
      return toTask(row)
    },

    async release(id, input, actor, handle) {
      const { row } = await changeTask(
        id,
        async (task, trx) => {
          assertHolder(task, actor, 'give back')
          if (task.status !== 'assigned') throw wrongState(task, 'given back', 'an assigned')
          // Given back, it is anyone's again: the crew a dispatcher assigned it to could not.
          const updated = await updateTask(trx, id, {
            status: 'ready',
            worker_id: null,
            assigned_at: null,
            for_crew: null,
          })
          await endAssignment(trx, id, 'released', input.reason)
          await recordRelease(trx, task, input, actor)
          await writeAudit(trx, actor, [
            {
              action: 'task.release',
              entity: 'task',
              entityId: id,
              detail: {
                worker_id: task.worker_id,
                reason: input.reason,
                reason_code: input.reason_code ?? null,
              },
            },
          ])
          return updated
        },
        handle,
      )
      emit('task.released')
      return toTask(row)
    },

    async cancel(id, input, actor) {
      const { row } = await changeTask(id, async (task, trx) => {
        if (task.status !== 'ready' && task.status !== 'assigned') {
          throw wrongState(task, 'canceled', 'a ready or an assigned')
        }
        const updated = await updateTask(trx, id, {
          status: 'canceled',
          canceled_at: now(),
          note: input.reason ?? task.note,
        })
        await endAssignment(trx, id, 'canceled', input.reason ?? null)
        await writeAudit(trx, actor, [
          {
            action: 'task.cancel',
            entity: 'task',
            entityId: id,
            detail: { was: task.status, worker_id: task.worker_id, reason: input.reason ?? null },
          },
        ])
        return updated
      })
      emit('task.canceled')
      return toTask(row)
    },

    async getTask(id, actor) {
      const task = await getTask(db, id)
      if (!task) throw new ServiceError('not_found', 'task_not_found', TASK_NOT_FOUND)
      assertHolder(task, actor, 'see')
      return toTask(task)
    },

    async listTasks(filter, actor) {
      let crew = filter.crew
      if (actor.role === 'crew') {
        if (crew !== undefined && crew !== actor.crewId) {
          throw new ServiceError(
            'forbidden',
            'not_your_tasks',
            `crew: ${describeActor(actor)} may list only its own tasks`,
          )
        }
        crew = actor.crewId ?? undefined
      }
      const limit = filter.limit ?? DEFAULT_PAGE
      const leaseStart = new Date(now().getTime() - options.leaseMs)
      // One more than asked: whether a next page exists, so the last page says none.
      const rows = await listTasks(db, {
        ...filter,
        crew,
        limit: limit + 1,
        assignedBefore: filter.stale === true ? leaseStart : undefined,
        assignedSince: filter.stale === false ? leaseStart : undefined,
      })
      const page = rows.slice(0, limit)
      const last = page.at(-1)
      return {
        tasks: page.map(toTask),
        next_cursor: rows.length > limit && last ? String(last.id) : null,
      }
    },

    async summary() {
      const rows = await taskCountsByStatus(db, new Date(now().getTime() - options.leaseMs))
      const byStatus: Record<TaskStatus, number> = {
        ready: 0,
        assigned: 0,
        completed: 0,
        canceled: 0,
      }
      let stale = 0
      for (const row of rows) {
        byStatus[row.status] = row.count
        stale += row.stale
      }
      return { byStatus, stale }
    },
  }
}
