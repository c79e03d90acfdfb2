import { sql } from 'kysely'
import type { CrewTaskEvent } from '../../shared/crew-work.js'
import { parseDeviceEvent } from '../crew-access/device-events.js'
import type { Database } from '../db/database.js'

/** The task ids a `tasks` notification names (`[{id, status}, ...]`); none if unreadable. */
export function taskIdsOf(payload: string): number[] {
  try {
    const parsed = JSON.parse(payload) as unknown
    const list = Array.isArray(parsed) ? parsed : [parsed]
    return list
      .map((item) => (item as { id?: unknown } | null)?.id)
      .filter((id): id is number => typeof id === 'number' && Number.isSafeInteger(id))
  } catch {
    return []
  }
}

/** Whether a `devices` notification revokes this token. */
/** Whether a `devices` notification revokes this token (src/server/crew-access/device-events.ts). */
export function revokesToken(payload: string, tokenId: number | null): boolean {
  const event = parseDeviceEvent(payload)
  return tokenId !== null && event?.event === 'revoked' && event.token_id === tokenId
}

/**
 * Of these tasks, the ones that are or were this crew's (it holds or held them last), as the
 * crew's stream tells them: canceled (with the dispatcher's reason), assigned to it, or changed.
 */
export async function crewTaskEvents(
  db: Database,
  crewId: string,
  ids: readonly number[],
): Promise<CrewTaskEvent[]> {
  if (ids.length === 0) return []
  const { rows } = await sql<{
    id: number
    status: string
    worker_id: string | null
    end_reason: string | null
  }>`
    select t.id, t.status, t.worker_id, a.end_reason
      from tasks t
      left join lateral (
        select worker_id, end_reason from task_assignments
         where task_id = t.id order by assigned_at desc, assignment_id desc limit 1
      ) a on true
     where t.id = any(${[...ids]}::bigint[])
       and (t.worker_id = ${crewId} or a.worker_id = ${crewId})
     order by t.id`.execute(db)
  return rows.map((row) => ({
    id: row.id,
    status: row.status,
    change:
      row.status === 'canceled'
        ? 'canceled'
        : row.status === 'assigned' && row.worker_id === crewId
          ? 'assigned'
          : 'changed',
    reason: row.status === 'canceled' ? row.end_reason : null,
  }))
}
