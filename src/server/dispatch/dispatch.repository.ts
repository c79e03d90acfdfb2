import { sql, type Kysely, type Selectable } from 'kysely'
import type { DB, Suggestions, Tasks } from '../db/schema.js'
import type { Actor } from '../auth/actor.js'
import type { TaskListFilter } from '../../shared/dispatch.js'
import type { SuggestionListFilter } from '../../shared/suggestion-list.js'
import { RELEASE_COOLDOWN_MINUTES } from '../crew/task-limits.js'
import { DEFAULT_TIMING } from '../engine/moves.js'

export type TaskRow = Selectable<Tasks>
export type SuggestionRow = Selectable<Suggestions> & { task_id: number | null }

/** Works on the pool or inside a transaction. */
type Db = Kysely<DB>

/** Channel the claim, approvals and status changes notify on, for live task boards. */
export const TASKS_CHANNEL = 'tasks'

export interface AuditEntry {
  action: string
  entity: string
  entityId: string | number
  detail?: Record<string, unknown>
}

export async function writeAudit(db: Db, actor: Actor, entries: AuditEntry[]): Promise<void> {
  if (entries.length === 0) return
  await db
    .insertInto('audit_log')
    .values(
      entries.map((entry) => ({
        actor: actor.name,
        actor_role: actor.role,
        action: entry.action,
        entity: entry.entity,
        entity_id: String(entry.entityId),
        detail: (entry.detail ?? {}) as never,
        request_id: actor.requestId ?? null,
      })),
    )
    .execute()
}

/** Tells every console listening that these tasks changed (delivered on commit). */
export async function notifyTasks(db: Db, tasks: readonly TaskRow[]): Promise<void> {
  if (tasks.length === 0) return
  const payload = JSON.stringify(tasks.map((task) => ({ id: task.id, status: task.status })))
  await sql`select pg_notify(${TASKS_CHANNEL}, ${payload})`.execute(db)
}

/** A claimed task, and whether the crew already held it (a retried claim) or got it now. */
export type ClaimedRow = TaskRow & { already_held: boolean }

/** The partial unique index of migration 0007: one assigned task per crew. */
export const ONE_TASK_PER_CREW = 'tasks_one_assigned_per_crew'

/**
 * The claim: ONE statement, so ONE short transaction and one round trip. A crew works one task at
 * a time: if it already holds an assigned task (its phone retried after a lost answer, or the
 * answer was cut at a shutdown), that task comes back and nothing changes. Otherwise it takes the
 * head of the ready queue: highest priority; of equal priorities, the shortest drive from the
 * crew's last known position (crews.last_lat/last_lon, from its heartbeats) to the source, drive
 * time being the straight line x the engine's detour factor / its van speed (DEFAULT_TIMING in
 * engine/moves.ts); then the oldest (the seed's order, and the whole order for a crew with no
 * position). It skips rows other claims hold locked and tasks this crew gave back with a
 * reason_code ("Can't do" on the phone) in the last RELEASE_COOLDOWN_MINUTES (a give-back without
 * one, as the seed's clients send, leaves the task claimable at once, as before), records the
 * hand-out in the assignment history and the audit log, and notifies the task boards. A crew
 * whose van is smaller than a task is not handed it. The held look-up is one probe of the index
 * tasks_one_assigned_per_crew; when it finds a task the queue is not read at all (a one-time
 * filter), and which of the two queue reads runs (with or without a
 * position) is a one-time filter too: without a position the plan is the index order as before.
 * Two racing claims by one crew both see no held task (one snapshot per statement), so the second
 * fails on that unique index (23505) and its caller runs the statement again, which then returns
 * the first one's task. The statement is the PL/pgSQL function claim_next_task (migration 0011),
 * so that a pooled connection plans it once. Measured on 2 cores, 64 clients: see
 * bench/dispatch.bench.ts.
 */
export async function claimNextTask(
  db: Db,
  crewId: string,
  actor: Actor,
): Promise<ClaimedRow | undefined> {
  // One statement, in the function claim_next_task (migration 0011): the crew's van capacity and
  // position are read inside it, so no extra round trip, and each pooled connection plans it once.
  const { detour, speedKmh } = DEFAULT_TIMING
  const { rows } = await sql<ClaimedRow>`
    select (c.task).*, c.already_held
      from claim_next_task(${crewId}, ${actor.name}, ${actor.role}::api_role,
                           ${actor.requestId ?? null}, ${detour}::float8, ${speedKmh}::float8,
                           ${RELEASE_COOLDOWN_MINUTES}::int) as c`.execute(db)
  return rows[0]
}

/** Two claims by one crew raced and this one lost: running it again returns the winner's task. */
export function isSecondClaim(error: unknown): boolean {
  const { code, constraint } = (error ?? {}) as { code?: unknown; constraint?: unknown }
  return code === '23505' && constraint === ONE_TASK_PER_CREW
}

/** A task locked for a status change by this transaction. */
export function lockTask(db: Db, id: number): Promise<TaskRow | undefined> {
  return db.selectFrom('tasks').selectAll().where('id', '=', id).forUpdate().executeTakeFirst()
}

export function getTask(db: Db, id: number): Promise<TaskRow | undefined> {
  return db.selectFrom('tasks').selectAll().where('id', '=', id).executeTakeFirst()
}

export interface TaskChange {
  status: TaskRow['status']
  worker_id?: string | null
  assigned_at?: Date | null
  completed_at?: Date
  canceled_at?: Date
  qty_moved?: number | null
  note?: string | null
  for_crew?: string | null
}

export function updateTask(db: Db, id: number, change: TaskChange): Promise<TaskRow> {
  return db
    .updateTable('tasks')
    .set(change)
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirstOrThrow()
}

/** Ends the open assignment of a task (there is at most one), if any. */
export async function endAssignment(
  db: Db,
  taskId: number,
  outcome: 'completed' | 'released' | 'canceled',
  reason: string | null,
): Promise<void> {
  await db
    .updateTable('task_assignments')
    .set({ ended_at: new Date(), outcome, end_reason: reason })
    .where('task_id', '=', taskId)
    .where('ended_at', 'is', null)
    .execute()
}

export interface TaskQuery extends TaskListFilter {
  /** Only tasks assigned before this time (stale leases). */
  assignedBefore?: Date
  /** Only tasks assigned at or after this time (fresh leases). */
  assignedSince?: Date
  limit: number
}

/** A page of tasks, newest first, after the cursor (a task id). */
export function listTasks(db: Db, query: TaskQuery): Promise<TaskRow[]> {
  let select = db.selectFrom('tasks').selectAll().orderBy('id', 'desc').limit(query.limit)
  if (query.status) select = select.where('status', '=', query.status)
  if (query.crew) select = select.where('worker_id', '=', query.crew)
  if (query.system) select = select.where('system_id', '=', query.system)
  const station = query.station
  if (station) {
    select = select.where((eb) =>
      eb.or([eb('from_station_id', '=', station), eb('to_station_id', '=', station)]),
    )
  }
  if (query.assignedBefore) {
    select = select.where('status', '=', 'assigned').where('assigned_at', '<', query.assignedBefore)
  }
  if (query.assignedSince) {
    select = select.where((eb) =>
      eb.or([eb('status', '<>', 'assigned'), eb('assigned_at', '>=', query.assignedSince ?? null)]),
    )
  }
  if (query.cursor) select = select.where('id', '<', Number(query.cursor))
  return select.execute()
}

function suggestionsWithTask(db: Db) {
  return db
    .selectFrom('suggestions as s')
    .leftJoin('tasks as t', 't.suggestion_id', 's.id')
    .selectAll('s')
    .select('t.id as task_id')
}

/** Oldest first, after the cursor (a suggestion id). */
export function listSuggestions(
  db: Db,
  filter: SuggestionListFilter,
  limit: number,
): Promise<SuggestionRow[]> {
  let select = suggestionsWithTask(db).orderBy('s.id').limit(limit)
  if (filter.cursor) select = select.where('s.id', '>', Number(filter.cursor))
  const status = filter.status ?? 'open'
  if (status !== 'all') select = select.where('s.status', '=', status)
  if (filter.system) select = select.where('s.system_id', '=', filter.system)
  const station = filter.station
  if (station) {
    select = select.where((eb) =>
      eb.or([eb('s.from_station_id', '=', station), eb('s.to_station_id', '=', station)]),
    )
  }
  return select.execute()
}

export function getSuggestion(db: Db, id: number): Promise<SuggestionRow | undefined> {
  return suggestionsWithTask(db).where('s.id', '=', id).executeTakeFirst()
}

/** Suggestions locked in id order, so that two batches naming the same ones cannot deadlock. */
export function lockSuggestions(
  db: Db,
  ids: readonly number[],
): Promise<Selectable<Suggestions>[]> {
  return db
    .selectFrom('suggestions')
    .selectAll()
    .where('id', 'in', ids)
    .orderBy('id')
    .forUpdate()
    .execute()
}

export interface Decision {
  status: 'approved' | 'rejected'
  decidedBy: string
  note: string | null
}

export function decideSuggestions(
  db: Db,
  ids: readonly number[],
  decision: Decision,
): Promise<Selectable<Suggestions>[]> {
  return db
    .updateTable('suggestions')
    .set({
      status: decision.status,
      decided_at: new Date(),
      decided_by: decision.decidedBy,
      decision_note: decision.note,
    })
    .where('id', 'in', ids)
    .where('status', '=', 'open')
    .returningAll()
    .execute()
}

export interface NewTask {
  system_id: string
  from_station_id: string
  to_station_id: string
  qty: number
  reason: string | null
  priority: number
  suggestion_id: number | null
  note: string | null
  created_by: string
  for_crew?: string | null
}

export function insertTasks(db: Db, tasks: readonly NewTask[]): Promise<TaskRow[]> {
  return db.insertInto('tasks').values(tasks).returningAll().execute()
}

/** Bikes and free docks at both ends, as the proposer saw them. */
export interface SeenNumbers {
  from_bikes: number | null
  from_docks: number | null
  to_bikes: number | null
  to_docks: number | null
}

export interface NewSuggestion {
  system_id: string
  from_station_id: string
  to_station_id: string
  qty: number
  reason: string
  value: number
  source: Selectable<Suggestions>['source']
  created_by: string
  /** What the proposer saw (the engine's run); else the stations' latest status now. */
  seen?: SeenNumbers
}

/** The stations' latest bikes and free docks (nulls where no status is known). */
async function latestNumbers(db: Db, suggestion: NewSuggestion): Promise<SeenNumbers> {
  const rows = await db
    .selectFrom('station_status_latest')
    .select(['station_id', 'num_bikes_available', 'num_docks_available'])
    .where('system_id', '=', suggestion.system_id)
    .where('station_id', 'in', [suggestion.from_station_id, suggestion.to_station_id])
    .execute()
  const of = (id: string) => rows.find((row) => row.station_id === id)
  const from = of(suggestion.from_station_id)
  const to = of(suggestion.to_station_id)
  return {
    from_bikes: from?.num_bikes_available ?? null,
    from_docks: from?.num_docks_available ?? null,
    to_bikes: to?.num_bikes_available ?? null,
    to_docks: to?.num_docks_available ?? null,
  }
}

export async function insertSuggestion(db: Db, { seen, ...suggestion }: NewSuggestion) {
  const numbers = seen ?? (await latestNumbers(db, { ...suggestion }))
  return db
    .insertInto('suggestions')
    .values({ ...suggestion, ...numbers })
    .returningAll()
    .executeTakeFirstOrThrow()
}

/** Which of these station ids the system knows. */
export async function knownStations(
  db: Db,
  systemId: string,
  stationIds: readonly string[],
): Promise<Set<string>> {
  const rows = await db
    .selectFrom('stations')
    .select('station_id')
    .where('system_id', '=', systemId)
    .where('station_id', 'in', stationIds)
    .execute()
  return new Set(rows.map((row) => row.station_id))
}

export function taskCountsByStatus(db: Db, staleBefore: Date) {
  return db
    .selectFrom('tasks')
    .select(['status', (eb) => eb.fn.countAll<number>().as('count')])
    .select((eb) =>
      eb.fn
        .countAll<number>()
        .filterWhere((w) =>
          w.and([w('status', '=', 'assigned'), w('assigned_at', '<', staleBefore)]),
        )
        .as('stale'),
    )
    .groupBy('status')
    .execute()
}

export function findCrew(db: Db, crewId: string) {
  return db.selectFrom('crews').selectAll().where('crew_id', '=', crewId).executeTakeFirst()
}

/** Ready tasks too big for this crew's van: explains an empty claim. */
export async function readyTasksAboveCapacity(
  db: Db,
  crewId: string,
): Promise<{ count: number; capacity: number | null }> {
  const { rows } = await sql<{ count: number; capacity: number | null }>`
    select (select van_capacity from crews where crew_id = ${crewId}) as capacity,
           count(*)::int as count
      from tasks
     where status = 'ready'
       and qty > coalesce((select van_capacity from crews where crew_id = ${crewId}), 2147483647)`.execute(
    db,
  )
  return rows[0] ?? { count: 0, capacity: null }
}
