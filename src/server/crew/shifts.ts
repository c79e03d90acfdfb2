import { sql } from 'kysely'
import type { CrewSummary, ShiftEndRequest, ShiftStartRequest } from '../../shared/crew-work.js'
import type { Shift } from '../../shared/shift.js'
import type { Actor } from '../auth/actor.js'
import { recordHeartbeat } from '../crews/crews.repository.js'
import type { Database } from '../db/database.js'
import { inTransaction } from '../db/savepoint.js'
import { ServiceError } from '../errors.js'
import { crewOf, type CrewWorkDeps } from './crew-work.js'

interface ShiftRow {
  shift_id: number
  crew_id: string
  started_at: Date
  ended_at: Date | null
  van_capacity: number
  bikes_on_board: number
  bikes_moved: number
}

export function toShift(row: ShiftRow): Shift {
  return {
    shift_id: row.shift_id,
    crew_id: row.crew_id,
    started_at: row.started_at.toISOString(),
    ended_at: row.ended_at?.toISOString() ?? null,
    van_capacity: row.van_capacity,
    bikes_on_board: row.bikes_on_board,
    bikes_moved: row.bikes_moved,
  }
}

/** A shift with the bikes its crew moved in it (completed tasks' qty_moved). */
const SHIFT_COLUMNS = sql`
  s.shift_id, s.crew_id, s.started_at, s.ended_at, s.van_capacity, s.bikes_on_board,
  (select coalesce(sum(t.qty_moved), 0)::int from tasks t
    where t.worker_id = s.crew_id and t.status = 'completed'
      and t.completed_at >= s.started_at
      and (s.ended_at is null or t.completed_at <= s.ended_at)) as bikes_moved`

export async function openShift(db: Database, crewId: string): Promise<Shift | null> {
  const { rows } = await sql<ShiftRow>`
    select ${SHIFT_COLUMNS} from crew_shifts s
     where s.crew_id = ${crewId} and s.ended_at is null`.execute(db)
  return rows[0] ? toShift(rows[0]) : null
}

/**
 * Start shift: records the van's capacity (also the crew's, which the claim reads) and the bikes
 * on board, and the position if sent. Retry-safe: while a shift is open, starting returns it and
 * changes nothing (the partial unique index crew_shifts_one_open decides a race).
 */
export async function startShift(
  deps: CrewWorkDeps,
  input: ShiftStartRequest,
  actor: Actor,
  trx: Database = deps.db,
): Promise<Shift> {
  const crewId = crewOf(actor)
  return inTransaction(trx, async (db) => {
    const open = await openShift(db, crewId)
    if (open) return open
    await sql`
      insert into crew_shifts (crew_id, van_capacity, bikes_on_board_at_start, bikes_on_board)
      values (${crewId}, ${input.van_capacity}, ${input.bikes_on_board}, ${input.bikes_on_board})
      on conflict (crew_id) where ended_at is null do nothing`.execute(db)
    await db
      .updateTable('crews')
      .set({ van_capacity: input.van_capacity })
      .where('crew_id', '=', crewId)
      .execute()
    await recordHeartbeat(db, {
      crewId,
      lat: input.lat ?? null,
      lon: input.lon ?? null,
      battery: input.battery ?? null,
    })
    const started = await openShift(db, crewId)
    if (!started) throw new Error(`crew ${crewId}: the shift just started is not there`)
    return started
  })
}

/** End shift with the bikes left on board. No open shift: 409. */
export async function endShift(
  deps: CrewWorkDeps,
  input: ShiftEndRequest,
  actor: Actor,
  trx: Database = deps.db,
): Promise<Shift> {
  const crewId = crewOf(actor)
  return inTransaction(trx, async (db) => {
    const { rows } = await sql<{ shift_id: number; van_capacity: number }>`
      select shift_id, van_capacity from crew_shifts
       where crew_id = ${crewId} and ended_at is null for update`.execute(db)
    const open = rows[0]
    if (!open) {
      throw new ServiceError(
        'conflict',
        'no_open_shift',
        `crew ${crewId} has no open shift to end; start one with POST /crew/shift/start`,
      )
    }
    if (input.bikes_on_board > open.van_capacity) {
      throw new ServiceError(
        'invalid',
        'invalid_request',
        `body.bikes_on_board: must be at most ${open.van_capacity}, the van's capacity`,
      )
    }
    await sql`
      update crew_shifts set ended_at = greatest(now(), started_at), bikes_on_board = ${input.bikes_on_board}
       where shift_id = ${open.shift_id}`.execute(db)
    const { rows: ended } = await sql<ShiftRow>`
      select ${SHIFT_COLUMNS} from crew_shifts s where s.shift_id = ${open.shift_id}`.execute(db)
    return toShift(ended[0] as ShiftRow)
  })
}

/** Bikes a crew moved since midnight (the database server's day). */
export async function bikesMovedToday(db: Database, crewId: string): Promise<number> {
  const { rows } = await sql<{ moved: number }>`
    select coalesce(sum(qty_moved), 0)::int as moved from tasks
     where worker_id = ${crewId} and status = 'completed'
       and completed_at >= date_trunc('day', now())`.execute(db)
  return rows[0]?.moved ?? 0
}

/** What crew-work adds to GET /crew/me: the open shift and the bikes moved today. */
export async function crewSummary(deps: CrewWorkDeps, actor: Actor): Promise<CrewSummary> {
  const crewId = crewOf(actor)
  const [shift, moved] = await Promise.all([
    openShift(deps.db, crewId),
    bikesMovedToday(deps.db, crewId),
  ])
  return { shift, bikes_moved_today: moved }
}
