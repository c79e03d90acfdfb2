import type { Database } from '../db/database.js'
import { ServiceError } from '../errors.js'
import { listSystems, type SystemRow } from './engine.repository.js'

/** The system asked for, or the only one in the database. */
export async function resolveSystem(
  db: Database,
  systemId: string | undefined,
): Promise<SystemRow> {
  const systems = await listSystems(db)
  if (systemId !== undefined) {
    const found = systems.find((system) => system.system_id === systemId)
    if (!found) {
      throw new ServiceError(
        'unprocessable',
        'unknown_system',
        `system_id: no system "${systemId}"${systems.length ? `; known: ${systems.map((s) => s.system_id).join(', ')}` : ''}`,
      )
    }
    return found
  }
  const [only, ...others] = systems
  if (!only) {
    throw new ServiceError(
      'unprocessable',
      'no_stations',
      'no stations are known yet: poll a GBFS feed (balancer poll-once) or load a station file (balancer import-trips --stations FILE)',
    )
  }
  if (others.length > 0) {
    throw new ServiceError(
      'invalid',
      'invalid_request',
      `system_id: is required: this database holds ${systems.length} systems (${systems.map((s) => s.system_id).join(', ')})`,
    )
  }
  return only
}
