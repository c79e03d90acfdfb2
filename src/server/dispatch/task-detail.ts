import type { TaskDetail } from '../../shared/operations/tasks.js'
import type { Actor } from '../auth/actor.js'
import type { Services } from '../services.js'
import { toSuggestion } from './dispatch.service.js'

const iso = (at: Date | string) => new Date(at).toISOString()

/**
 * `tasks:get`: the task as the dispatch service gives it (which also says no to another crew's
 * task), and around it what the database recorded: its suggestion, every hand-out, the audit log.
 */
export async function taskDetail(
  { dispatch, db }: Services,
  taskId: number,
  actor: Actor,
): Promise<TaskDetail> {
  const task = await dispatch.getTask(taskId, actor)
  const [suggestion, assignments, audit] = await Promise.all([
    task.suggestion_id === null
      ? null
      : db
          .selectFrom('suggestions as s')
          .leftJoin('tasks as t', 't.suggestion_id', 's.id')
          .selectAll('s')
          .select('t.id as task_id')
          .where('s.id', '=', task.suggestion_id)
          .executeTakeFirst(),
    db
      .selectFrom('task_assignments')
      .select(['worker_id', 'assigned_at', 'ended_at', 'outcome', 'end_reason'])
      .where('task_id', '=', taskId)
      .orderBy('assignment_id')
      .execute(),
    db
      .selectFrom('audit_log')
      .select(['at', 'action', 'actor', 'actor_role', 'detail'])
      .where('entity', '=', 'task')
      .where('entity_id', '=', String(taskId))
      .orderBy('audit_id')
      .execute(),
  ])
  const handOuts = assignments.map((row) => ({
    worker_id: row.worker_id,
    assigned_at: iso(row.assigned_at),
    ended_at: row.ended_at === null ? null : iso(row.ended_at),
    outcome: row.outcome as TaskDetail['assignments'][number]['outcome'],
    reason: row.end_reason,
  }))
  return {
    task,
    suggestion: suggestion ? toSuggestion(suggestion) : null,
    qty: { asked: task.qty, moved: task.qty_moved },
    note: task.note,
    assignments: handOuts,
    releases: handOuts
      .filter((handOut) => handOut.outcome === 'released')
      .map((handOut) => ({
        worker_id: handOut.worker_id,
        at: handOut.ended_at ?? handOut.assigned_at,
        reason: handOut.reason,
      })),
    audit: audit.map((row) => ({
      at: iso(row.at),
      action: row.action,
      actor: row.actor,
      actor_role: row.actor_role,
      detail: (row.detail ?? {}) as Record<string, unknown>,
    })),
  }
}
