import type { Crew, CrewHealth, HeartbeatRequest } from '../../shared/dispatch.js'
import type { Actor } from '../auth/actor.js'
import type { Database } from '../db/database.js'
import { ServiceError } from '../errors.js'
import { listCrews, recordHeartbeat, type CrewRow } from './crews.repository.js'

/** Seed 003's device health: Healthy within 5 minutes, Warning within 15, else Critical. */
export const HEALTHY_MS = 5 * 60_000
export const WARNING_MS = 15 * 60_000

export function crewHealth(lastSeen: Date | null, now: Date): CrewHealth {
  if (!lastSeen) return 'Never seen'
  const age = now.getTime() - lastSeen.getTime()
  if (age <= HEALTHY_MS) return 'Healthy'
  if (age <= WARNING_MS) return 'Warning'
  return 'Critical'
}

export interface CrewsService {
  /** `trx`: the transaction of a request sent with an Idempotency-Key (see dispatch.service). */
  heartbeat(input: HeartbeatRequest, actor: Actor, trx?: Database): Promise<Crew>
  list(): Promise<Crew[]>
}

export function createCrewsService(db: Database, now: () => Date = () => new Date()): CrewsService {
  function toCrew(row: CrewRow): Crew {
    return {
      crew_id: row.crew_id,
      name: row.name,
      van_capacity: row.van_capacity,
      last_seen_at: row.last_seen_at?.toISOString() ?? null,
      last_position:
        row.last_lat !== null && row.last_lon !== null
          ? { lat: row.last_lat, lon: row.last_lon }
          : null,
      health: crewHealth(row.last_seen_at, now()),
      assigned_tasks: row.assigned_tasks,
      active_tokens: row.active_tokens,
      shift:
        row.shift_id !== null && row.shift_started_at !== null
          ? {
              shift_id: row.shift_id,
              crew_id: row.crew_id,
              started_at: row.shift_started_at.toISOString(),
              ended_at: null,
              van_capacity: row.shift_van_capacity ?? 0,
              bikes_on_board: row.shift_bikes_on_board ?? 0,
              bikes_moved: row.shift_bikes_moved ?? 0,
            }
          : null,
      task_id: row.task_id,
      bikes_moved_today: row.bikes_moved_today,
    }
  }

  return {
    async heartbeat(input, actor, trx = db) {
      const crewId = actor.role === 'crew' ? actor.crewId : (input.worker_id ?? null)
      if (!crewId) {
        throw new ServiceError('invalid', 'invalid_request', 'worker_id: is required')
      }
      if (actor.role === 'crew' && input.worker_id !== undefined && input.worker_id !== crewId) {
        throw new ServiceError(
          'forbidden',
          'worker_mismatch',
          `worker_id: "${input.worker_id}" is not this token's crew ("${crewId}")`,
        )
      }
      const found = await recordHeartbeat(trx, {
        crewId,
        lat: input.lat ?? null,
        lon: input.lon ?? null,
        battery: input.battery ?? null,
      })
      if (!found) throw new ServiceError('not_found', 'crew_not_found', `no crew "${crewId}"`)
      const [crew] = await listCrews(trx, crewId)
      if (!crew) throw new ServiceError('not_found', 'crew_not_found', `no crew "${crewId}"`)
      return toCrew(crew)
    },

    async list() {
      return (await listCrews(db)).map(toCrew)
    },
  }
}
