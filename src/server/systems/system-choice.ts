import type { Database } from '../db/database.js'
import { describeError, ServiceError } from '../errors.js'
import type { Logger } from '../logger.js'

/**
 * "Which system does this request mean", for every edge: the console's channels, the HTTP API
 * and the command line. A request that names no system means the only one in the database; one
 * that names a system that does not exist, or none where the database holds several or none, is
 * bad input (`invalid`, HTTP 400) naming the field: every route that takes a system documents
 * 400, and an unknown system is the same answer wherever it is asked.
 */

/** A system as the services see it. */
export interface SystemRow {
  systemId: string
  name: string
  timezone: string
}

/** How the request names the system: `system` (a query field, `--system` on the command line) or `system_id` (a body field). */
export type SystemField = 'system' | 'system_id'

export async function listSystems(db: Database): Promise<SystemRow[]> {
  const rows = await db
    .selectFrom('systems')
    .select(['system_id', 'name', 'timezone'])
    .orderBy('system_id')
    .execute()
  return rows.map((row) => ({ systemId: row.system_id, name: row.name, timezone: row.timezone }))
}

export function describeSystems(systems: readonly SystemRow[]): string {
  return systems.map((s) => `${s.systemId} (${s.name})`).join(', ')
}

/**
 * The system a request is about: the one named, or the only one in the database. Several
 * systems and none named, or a name that does not exist, is an error listing the systems.
 */
export async function chooseSystem(
  db: Database,
  requested?: string | null,
  field: SystemField = 'system',
): Promise<SystemRow> {
  const systems = await listSystems(db)
  if (requested) {
    const found = systems.find((s) => s.systemId === requested)
    if (found) return found
    throw new ServiceError(
      'invalid',
      'unknown_system',
      systems.length === 0
        ? `${field}: no system "${requested}": the database has no systems yet`
        : `${field}: no system "${requested}"; the systems are ${describeSystems(systems)}`,
    )
  }
  const [only, ...others] = systems
  if (!only) {
    throw new ServiceError(
      'invalid',
      'no_systems',
      `${field}: the database has no systems yet: poll a GBFS feed first (balancer poll-once), or load a station file (balancer import-trips --stations FILE)`,
    )
  }
  if (others.length > 0) {
    const how = field === 'system' ? '--system' : field
    throw new ServiceError(
      'invalid',
      'system_required',
      `${field}: the database has ${systems.length} systems; name one with ${how}: ${describeSystems(systems)}`,
    )
  }
  return only
}

/** `work` for every system in turn, for the scheduled jobs: one that fails is logged, the others still run. */
export async function forEachSystem(
  db: Database,
  logger: Logger,
  failure: string,
  work: (system: SystemRow) => Promise<unknown>,
): Promise<void> {
  for (const system of await listSystems(db)) {
    try {
      await work(system)
    } catch (error) {
      logger.warn({ system: system.systemId, err: describeError(error) }, failure)
    }
  }
}
