import type {
  ApproveBatchRequest,
  ApproveRequest,
  CreateSuggestionRequest,
  RejectRequest,
  Suggestion,
  SuggestionSource,
  Task,
} from '../../shared/dispatch.js'
import {
  SUGGESTION_PAGE,
  type SuggestionListFilter,
  type SuggestionPage,
} from '../../shared/suggestion-list.js'
import type { Actor } from '../auth/actor.js'
import type { Database } from '../db/database.js'
import { ServiceError } from '../errors.js'
import { chooseSystem } from '../systems/system-choice.js'
import {
  decideSuggestions,
  getSuggestion,
  insertSuggestion,
  insertTasks,
  listSuggestions,
  lockSuggestions,
  notifyTasks,
  writeAudit,
  type SuggestionRow,
} from './dispatch.repository.js'
import { createTaskWork, iso, type TaskWork } from './task-work.service.js'
import { seedMove, SUGGESTION_NOT_FOUND } from './task-shape.js'
import { checkMoveFits, checkStationsExist, type Move } from './move-check.js'
import { createTaskMoves, type TaskMoves } from './task-moves.service.js'
import { undoDecision } from './suggestion-undo.js'

export { DEFAULT_PAGE } from './task-work.service.js'

/** What the metrics (and, later, live views) hear about. */
export type DispatchEvent =
  'task.created' | 'task.dispatched' | 'task.completed' | 'task.released' | 'task.canceled'

export interface DispatchOptions {
  /** An assigned task not completed within this time is flagged stale for the dispatcher. */
  leaseMs: number
  onEvent?: (event: DispatchEvent, count: number) => void
  now?: () => Date
}

/** Suggestions and approvals here; the tasks' life after that in task-work.service.ts. */
export interface DispatchService extends Omit<TaskWork, 'toTask'>, TaskMoves {
  listSuggestions(filter: SuggestionListFilter): Promise<SuggestionPage>
  createSuggestion(
    input: CreateSuggestionRequest,
    actor: Actor,
    source?: SuggestionSource,
  ): Promise<Suggestion>
  rejectSuggestion(id: number, input: RejectRequest, actor: Actor): Promise<Suggestion>
  approve(input: ApproveRequest, actor: Actor): Promise<Task>
  approveBatch(input: ApproveBatchRequest, actor: Actor): Promise<Task[]>
  /** A decision taken back moments after it was made (suggestion-undo.ts). */
  undoDecision(id: number, actor: Actor): Promise<Suggestion>
}

export function toSuggestion(row: SuggestionRow): Suggestion {
  return {
    ...seedMove(row),
    system_id: row.system_id,
    source: row.source,
    value: row.value,
    status: row.status,
    created_at: row.created_at.toISOString(),
    created_by: row.created_by,
    decided_at: iso(row.decided_at),
    decided_by: row.decided_by,
    decision_note: row.decision_note,
    task_id: row.task_id,
    from_bikes: row.from_bikes,
    from_docks: row.from_docks,
    to_bikes: row.to_bikes,
    to_docks: row.to_docks,
  }
}

/** The bikes an approval asks for: the suggestion's, or fewer (a 422 naming qty if more). */
function approvedQty(suggestion: { id: number; qty: number }, qty: number | undefined): number {
  if (qty === undefined) return suggestion.qty
  if (qty > suggestion.qty) {
    throw new ServiceError(
      'unprocessable',
      'qty_over_suggestion',
      `qty: at most ${suggestion.qty}, what suggestion ${suggestion.id} proposes`,
    )
  }
  return qty
}

/** A batch is all or nothing: one move that does not fit refuses it, naming the suggestion. */
async function checkBatchMove(trx: Database, suggestion: Move & { id: number }): Promise<void> {
  try {
    await checkMoveFits(trx, suggestion, 'approve')
  } catch (error) {
    if (!(error instanceof ServiceError)) throw error
    throw new ServiceError(
      error.kind,
      error.code,
      `suggestion ${suggestion.id}: ${error.detail}; nothing was approved`,
      error.extra,
    )
  }
}

export function createDispatchService(db: Database, options: DispatchOptions): DispatchService {
  const now = options.now ?? (() => new Date())
  const emit = (event: DispatchEvent, count = 1) => {
    if (count > 0) options.onEvent?.(event, count)
  }
  const { toTask, ...taskWork } = createTaskWork(db, { leaseMs: options.leaseMs, now, emit })
  const taskMoves = createTaskMoves(db, { toTask, emit })

  async function decideOne(
    id: number,
    actor: Actor,
    status: 'approved' | 'rejected',
    note: string | null,
    trx: Database,
  ) {
    const [locked] = await lockSuggestions(trx, [id])
    if (!locked) {
      throw new ServiceError('not_found', 'suggestion_not_found', SUGGESTION_NOT_FOUND)
    }
    if (locked.status !== 'open') throw await alreadyDecided(trx, locked.id)
    const [decided] = await decideSuggestions(trx, [id], { status, decidedBy: actor.name, note })
    if (!decided) throw await alreadyDecided(trx, id)
    return decided
  }

  async function alreadyDecided(trx: Database, id: number): Promise<ServiceError> {
    const row = await getSuggestion(trx, id)
    const outcome =
      row?.status === 'approved' && row.task_id !== null
        ? `approved into task ${row.task_id}`
        : (row?.status ?? 'decided')
    return new ServiceError(
      'conflict',
      'suggestion_decided',
      `suggestion ${id} was already ${outcome}${row?.decided_by ? ` by ${row.decided_by}` : ''}`,
    )
  }

  return {
    async listSuggestions(filter) {
      const limit = filter.limit ?? SUGGESTION_PAGE
      // One more than asked: whether a next page exists, so the last page says none.
      const rows = await listSuggestions(db, filter, limit + 1)
      const page = rows.slice(0, limit)
      const last = page.at(-1)
      return {
        suggestions: page.map(toSuggestion),
        next_cursor: rows.length > limit && last ? String(last.id) : null,
      }
    },

    async createSuggestion(input, actor, source) {
      const { systemId } = await chooseSystem(db, input.system_id, 'system_id')
      await checkStationsExist(db, { ...input, system_id: systemId })
      const row = await db.transaction().execute(async (trx) => {
        const created = await insertSuggestion(trx, {
          system_id: systemId,
          from_station_id: input.from_station_id,
          to_station_id: input.to_station_id,
          qty: input.qty,
          reason: input.reason ?? '',
          value: input.value ?? 0,
          source: source ?? (actor.role === 'engine' ? 'external' : 'dispatcher'),
          created_by: actor.name,
        })
        await writeAudit(trx, actor, [
          {
            action: 'suggestion.create',
            entity: 'suggestion',
            entityId: created.id,
            detail: { from: created.from_station_id, to: created.to_station_id, qty: created.qty },
          },
        ])
        return created
      })
      return toSuggestion({ ...row, task_id: null })
    },

    async rejectSuggestion(id, input, actor) {
      const row = await db.transaction().execute(async (trx) => {
        const decided = await decideOne(id, actor, 'rejected', input.note ?? null, trx)
        await writeAudit(trx, actor, [
          {
            action: 'suggestion.reject',
            entity: 'suggestion',
            entityId: id,
            detail: input.note ? { note: input.note } : {},
          },
        ])
        return decided
      })
      return toSuggestion({ ...row, task_id: null })
    },

    async approve(input, actor) {
      const task = await db.transaction().execute(async (trx) => {
        const suggestion = await decideOne(
          input.suggestion_id,
          actor,
          'approved',
          input.note ?? null,
          trx,
        )
        const qty = approvedQty(suggestion, input.qty)
        await checkMoveFits(trx, { ...suggestion, qty }, 'approve')
        const [created] = await insertTasks(trx, [
          {
            system_id: suggestion.system_id,
            from_station_id: suggestion.from_station_id,
            to_station_id: suggestion.to_station_id,
            qty,
            reason: suggestion.reason || null,
            priority: input.priority ?? suggestion.value,
            suggestion_id: suggestion.id,
            note: input.note ?? null,
            created_by: actor.name,
          },
        ])
        if (!created) throw new Error('approving inserted no task')
        await writeAudit(trx, actor, [
          {
            action: 'suggestion.approve',
            entity: 'suggestion',
            entityId: suggestion.id,
            detail: qty === suggestion.qty ? {} : { qty, suggested: suggestion.qty },
          },
          {
            action: 'task.create',
            entity: 'task',
            entityId: created.id,
            detail: { suggestion_id: suggestion.id, qty: created.qty },
          },
        ])
        await notifyTasks(trx, [created])
        return created
      })
      emit('task.created')
      return toTask(task)
    },

    async approveBatch(input, actor) {
      const ids = input.suggestion_ids
      const tasks = await db.transaction().execute(async (trx) => {
        const locked = await lockSuggestions(trx, ids)
        const found = new Set(locked.map((row) => row.id))
        const missing = ids.filter((id) => !found.has(id))
        if (missing.length > 0) {
          throw new ServiceError(
            'not_found',
            'suggestion_not_found',
            `${SUGGESTION_NOT_FOUND}: ${missing.join(', ')}; nothing was approved`,
          )
        }
        const decided = locked.filter((row) => row.status !== 'open')
        if (decided.length > 0) {
          throw new ServiceError(
            'conflict',
            'suggestion_decided',
            `suggestion${decided.length > 1 ? 's' : ''} ${decided
              .map((row) => `${row.id} (${row.status})`)
              .join(
                ', ',
              )} ${decided.length > 1 ? 'were' : 'was'} already decided; nothing was approved`,
          )
        }
        const approved = await decideSuggestions(trx, ids, {
          status: 'approved',
          decidedBy: actor.name,
          note: input.note ?? null,
        })
        const byId = new Map(approved.map((row) => [row.id, row]))
        const ordered = ids.map((id) => byId.get(id)).filter((row) => row !== undefined)
        for (const suggestion of ordered) await checkBatchMove(trx, suggestion)
        const created = await insertTasks(
          trx,
          ordered.map((suggestion) => ({
            system_id: suggestion.system_id,
            from_station_id: suggestion.from_station_id,
            to_station_id: suggestion.to_station_id,
            qty: suggestion.qty,
            reason: suggestion.reason || null,
            priority: suggestion.value,
            suggestion_id: suggestion.id,
            note: input.note ?? null,
            created_by: actor.name,
          })),
        )
        await writeAudit(trx, actor, [
          ...ordered.map((suggestion) => ({
            action: 'suggestion.approve',
            entity: 'suggestion',
            entityId: suggestion.id,
            detail: { batch: ids.length },
          })),
          ...created.map((task) => ({
            action: 'task.create',
            entity: 'task',
            entityId: task.id,
            detail: { suggestion_id: task.suggestion_id, qty: task.qty },
          })),
        ])
        await notifyTasks(trx, created)
        return created
      })
      emit('task.created', tasks.length)
      return tasks.map(toTask)
    },

    async undoDecision(id, actor) {
      const { row, taskId } = await undoDecision(db, id, actor, now())
      if (taskId !== null) emit('task.canceled')
      return toSuggestion({ ...row, task_id: null })
    },

    ...taskWork,
    ...taskMoves,
  }
}
