import type { Task } from '../../shared/dispatch.js'
import type { TaskRow } from './dispatch.repository.js'

const iso = (date: Date | null): string | null => date?.toISOString() ?? null

type SeedMove = 'id' | 'from_station_id' | 'to_station_id' | 'qty' | 'reason'

/** The move a suggestion proposes and a task carries out, first in both, in the seed's order. */
export function seedMove<
  R extends Pick<TaskRow, Exclude<SeedMove, 'reason'>> & { reason: string | null },
>(row: R): Pick<R, SeedMove> {
  return {
    id: row.id,
    from_station_id: row.from_station_id,
    to_station_id: row.to_station_id,
    qty: row.qty,
    reason: row.reason,
  }
}

/**
 * A task row as the API shows it: the seed's fields first, in the seed's order (its clients see
 * the same bytes), then what a depot adds. An assigned task not completed within `leaseMs` of its
 * hand-out is flagged stale for the dispatcher.
 */
export function taskShape(row: TaskRow, leaseMs: number, now: Date): Task {
  const leaseExpires =
    row.status === 'assigned' && row.assigned_at
      ? new Date(row.assigned_at.getTime() + leaseMs)
      : null
  return {
    ...seedMove(row),
    status: row.status,
    worker_id: row.worker_id,
    created_at: row.created_at.toISOString(),
    system_id: row.system_id,
    priority: row.priority,
    qty_moved: row.qty_moved,
    note: row.note,
    suggestion_id: row.suggestion_id,
    assigned_at: iso(row.assigned_at),
    completed_at: iso(row.completed_at),
    canceled_at: iso(row.canceled_at),
    updated_at: row.updated_at.toISOString(),
    lease_expires_at: iso(leaseExpires),
    stale: leaseExpires !== null && leaseExpires.getTime() <= now.getTime(),
    for_crew: row.for_crew,
  }
}

// The seed's words for its 404s (seed 001), kept exactly: crew devices may match on them.
export const SUGGESTION_NOT_FOUND = 'Suggestion not found'
