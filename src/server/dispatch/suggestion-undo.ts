import { sql, type Selectable } from 'kysely'
import type { Suggestions } from '../db/schema.js'
import type { Actor } from '../auth/actor.js'
import type { Database } from '../db/database.js'
import { ServiceError } from '../errors.js'
import { lockSuggestions, notifyTasks, writeAudit } from './dispatch.repository.js'
import { SUGGESTION_NOT_FOUND } from './task-shape.js'

/** How long after a decision the console's Undo may take it back (its toast shows for less). */
export const UNDO_WINDOW_MS = 2 * 60_000

function refused(code: string, detail: string): ServiceError {
  return new ServiceError('conflict', code, detail)
}

/**
 * `suggestions:undo`: a decision taken back moments after it was made, in one transaction. A
 * rejection: the suggestion is open again. An approval: the task it became is canceled (only
 * while still ready: a crew's claim is not undone behind its back) and let go of the suggestion
 * (a task's suggestion_id is unique, and the suggestion may be approved again), and the suggestion
 * is open again. The status trigger of migration 0014 allows approved/rejected -> open only to
 * this transaction (SET LOCAL balancer.undo). Audited; the boards and lists hear it live.
 */
export async function undoDecision(
  db: Database,
  id: number,
  actor: Actor,
  now: Date = new Date(),
): Promise<{ row: Selectable<Suggestions>; taskId: number | null }> {
  return db.transaction().execute(async (trx) => {
    const [locked] = await lockSuggestions(trx, [id])
    if (!locked) throw new ServiceError('not_found', 'suggestion_not_found', SUGGESTION_NOT_FOUND)
    if (locked.status === 'open') {
      throw refused('undo_not_decided', `suggestion ${id} is open: there is no decision to undo`)
    }
    if (locked.status === 'superseded') {
      throw refused(
        'undo_refused',
        `suggestion ${id} was superseded${locked.superseded_by ? ` by suggestion ${locked.superseded_by}` : ''}: only an approval or a rejection can be undone`,
      )
    }
    const decidedAt = locked.decided_at ?? now
    if (now.getTime() - decidedAt.getTime() > UNDO_WINDOW_MS) {
      throw refused(
        'undo_too_late',
        `suggestion ${id} was ${locked.status} at ${decidedAt.toISOString()}: a decision can be undone within ${UNDO_WINDOW_MS / 60_000} minutes of it`,
      )
    }
    const newer = await trx
      .selectFrom('suggestions')
      .select('id')
      .where('system_id', '=', locked.system_id)
      .where('from_station_id', '=', locked.from_station_id)
      .where('to_station_id', '=', locked.to_station_id)
      .where('status', '=', 'open')
      .executeTakeFirst()
    if (newer) {
      throw refused(
        'undo_refused',
        `suggestion ${newer.id} now proposes the same move; decide that one instead`,
      )
    }
    const task =
      locked.status === 'approved'
        ? await trx
            .selectFrom('tasks')
            .selectAll()
            .where('suggestion_id', '=', id)
            .forUpdate()
            .executeTakeFirst()
        : undefined
    if (task && task.status !== 'ready') {
      throw refused(
        'undo_refused',
        `task ${task.id} is already ${task.status}${task.worker_id ? ` (crew ${task.worker_id})` : ''}: the approval of suggestion ${id} stands`,
      )
    }
    if (task) {
      const canceled = await trx
        .updateTable('tasks')
        .set({
          status: 'canceled',
          canceled_at: now,
          suggestion_id: null,
          note: `approval of suggestion ${id} undone`,
        })
        .where('id', '=', task.id)
        .returningAll()
        .executeTakeFirstOrThrow()
      await notifyTasks(trx, [canceled])
    }
    await sql`select set_config('balancer.undo', 'on', true)`.execute(trx)
    const reopened = await trx
      .updateTable('suggestions')
      .set({ status: 'open', decided_at: null, decided_by: null, decision_note: null })
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirstOrThrow()
    await sql`select set_config('balancer.undo', 'off', true)`.execute(trx)
    await writeAudit(trx, actor, [
      {
        action: 'suggestion.undo',
        entity: 'suggestion',
        entityId: id,
        detail: {
          was: locked.status,
          decided_by: locked.decided_by,
          decided_at: decidedAt.toISOString(),
          task_id: task?.id ?? null,
        },
      },
      ...(task
        ? [
            {
              action: 'task.cancel',
              entity: 'task',
              entityId: task.id,
              detail: {
                was: 'ready',
                reason: `approval of suggestion ${id} undone`,
                suggestion_id: id,
              },
            },
          ]
        : []),
    ])
    return { row: reopened, taskId: task?.id ?? null }
  })
}
