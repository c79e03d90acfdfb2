import type { Database } from '../db/database.js'

/**
 * The engine's last comparison, per system, of the model in use and a new fit on held-out days
 * (engine_model_checks, 0012): whether it kept the model in use, with both errors.
 */

export interface ModelCheck {
  systemId: string
  checkedAt: Date
  latestFlow: Date
  heldOutFrom: Date
  heldOutTo: Date
  heldOutDays: number
  previousVersion: number
  previousMae: number
  newMae: number
  keptPrevious: boolean
}

export async function lastModelCheck(db: Database, systemId: string): Promise<ModelCheck | null> {
  const row = await db
    .selectFrom('engine_model_checks')
    .selectAll()
    .where('system_id', '=', systemId)
    .executeTakeFirst()
  if (!row) return null
  return {
    systemId: row.system_id,
    checkedAt: row.checked_at,
    latestFlow: row.latest_flow,
    heldOutFrom: row.held_out_from,
    heldOutTo: row.held_out_to,
    heldOutDays: row.held_out_days,
    previousVersion: row.previous_version,
    previousMae: row.previous_mae,
    newMae: row.new_mae,
    keptPrevious: row.kept_previous,
  }
}

export async function saveModelCheck(
  db: Database,
  check: Omit<ModelCheck, 'checkedAt'> & { checkedAt: Date },
): Promise<void> {
  const values = {
    checked_at: check.checkedAt,
    latest_flow: check.latestFlow,
    held_out_from: check.heldOutFrom,
    held_out_to: check.heldOutTo,
    held_out_days: check.heldOutDays,
    previous_version: check.previousVersion,
    previous_mae: check.previousMae,
    new_mae: check.newMae,
    kept_previous: check.keptPrevious,
  }
  await db
    .insertInto('engine_model_checks')
    .values({ system_id: check.systemId, ...values })
    .onConflict((oc) => oc.column('system_id').doUpdateSet(values))
    .execute()
}
