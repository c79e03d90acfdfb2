import type { Actor } from '../auth/actor.js'
import type { Database } from '../db/database.js'
import { ServiceError } from '../errors.js'

/**
 * What the crew's working day needs from the process: the database, the lease (a task's shape
 * shows it) and the clock. Every crew-work service function takes these first:
 * `(deps, input, actor[, trx]) => result`, so that each becomes an operation later unchanged.
 */
export interface CrewWorkDeps {
  db: Database
  leaseMs: number
  now: () => Date
}

/** The crew a crew token speaks for; other roles are refused with the route's words. */
export function crewOf(actor: Actor): string {
  if (actor.role !== 'crew' || !actor.crewId) {
    throw new ServiceError('forbidden', 'crew_only', 'only a crew token has a shift and a task')
  }
  return actor.crewId
}
