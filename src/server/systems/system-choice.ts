import type { Database } from '../db/database.js'
import { ServiceError } from '../errors.js'

export interface SystemRow {
  systemId: string
  name: string
  timezone: string
}

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
 * The system a command is about: the one named, or the only one in the database. Several
 * systems and none named, or a name that does not exist, is an error listing the systems.
 */
export async function chooseSystem(db: Database, requested?: string | null): Promise<SystemRow> {
  const systems = await listSystems(db)
  if (requested) {
    const found = systems.find((s) => s.systemId === requested)
    if (found) return found
    throw new ServiceError(
      'not_found',
      'unknown_system',
      systems.length === 0
        ? `no system "${requested}": the database has no systems yet`
        : `no system "${requested}"; the systems are ${describeSystems(systems)}`,
    )
  }
  const [only, ...others] = systems
  if (!only) {
    throw new ServiceError(
      'not_found',
      'no_systems',
      'the database has no systems yet: poll a GBFS feed first, or name one with --system',
    )
  }
  if (others.length > 0) {
    throw new ServiceError(
      'invalid',
      'system_required',
      `the database has ${systems.length} systems; name one with --system: ${describeSystems(systems)}`,
    )
  }
  return only
}
