import type { Database } from '../db/database.js'

/**
 * The engine's SQL, by role: the systems it runs for (here), flows and status history
 * (flows.repository.ts), stations with their status and neighbours (station-state.repository.ts),
 * the work already covering a pair and the supersession of old suggestions
 * (run-suggestions.repository.ts), and the fitted models with their rates and accuracy
 * (engine-model.repository.ts). Dates are the system's local calendar dates (`YYYY-MM-DD`); a
 * range [from, to) of them is cut at local midnight.
 */

export interface SystemRow {
  system_id: string
  timezone: string
  name: string
}

export async function listSystems(db: Database): Promise<SystemRow[]> {
  return db
    .selectFrom('systems')
    .select(['system_id', 'timezone', 'name'])
    .orderBy('system_id')
    .execute()
}
