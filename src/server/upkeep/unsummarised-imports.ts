import { sql } from 'kysely'
import type { Database } from '../db/database.js'
import { describeError } from '../errors.js'
import type { Logger } from '../logger.js'

/** Recomputes the daily service summaries of the local days [fromDay, toDay) of a system. */
export type RefreshDays = (systemId: string, fromDay: string, toDay: string) => Promise<unknown>

export interface SummarisedImport {
  importId: number
  systemId: string
  /** Local days [from, to); null for an import without snapshots (nothing to summarise). */
  from: string | null
  to: string | null
}

export interface LeftoverImports {
  summarised: SummarisedImport[]
  failed: (SummarisedImport & { error: string })[]
}

/**
 * At most this many per call: each is a recompute of its days (about 0.2 s a day for 500
 * stations), and a killed import is rare; the rest wait for the next call.
 */
const MAX_PER_CALL = 20

/** After an import's days were recomputed: the next run has nothing to do for it. */
export async function markImportSummarised(db: Database, importId: number): Promise<void> {
  await db
    .updateTable('status_imports')
    .set({ days_summarised_at: sql<Date>`now()` })
    .where('import_id', '=', importId)
    .execute()
}

/**
 * Imports that committed but whose days were never summarised (the process was killed, or the
 * refresh failed, between the commit and the end of the recompute): their days are recomputed
 * now and the imports marked. Run by every `import-status` before its own file and by the
 * leader's upkeep. Two processes finding the same import both recompute its days: wasted work,
 * with the same result.
 */
export async function summariseLeftoverImports(
  db: Database,
  refreshDays: RefreshDays,
  logger: Logger,
): Promise<LeftoverImports> {
  const { rows } = await sql<{
    import_id: number
    system_id: string
    from_day: string | null
    to_day: string | null
  }>`
    select i.import_id, i.system_id,
           to_char((i.first_snapshot_at at time zone s.timezone)::date, 'YYYY-MM-DD') as from_day,
           to_char((i.last_snapshot_at at time zone s.timezone)::date + 1, 'YYYY-MM-DD') as to_day
      from status_imports i
      join systems s using (system_id)
     where i.days_summarised_at is null
     order by i.import_id
     limit ${MAX_PER_CALL}`.execute(db)
  const result: LeftoverImports = { summarised: [], failed: [] }
  for (const row of rows) {
    const found: SummarisedImport = {
      importId: row.import_id,
      systemId: row.system_id,
      from: row.from_day,
      to: row.to_day,
    }
    try {
      if (row.from_day && row.to_day) await refreshDays(row.system_id, row.from_day, row.to_day)
      await markImportSummarised(db, row.import_id)
      result.summarised.push(found)
      logger.info(found, 'summarised the days of an import that had stopped before doing so')
    } catch (error) {
      result.failed.push({ ...found, error: describeError(error) })
      logger.warn(
        { ...found, err: describeError(error) },
        'could not summarise the days of an earlier import; the next run tries again',
      )
    }
  }
  return result
}
