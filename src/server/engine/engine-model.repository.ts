import { sql } from 'kysely'
import type { Database } from '../db/database.js'

/** The fitted demand models the engine keeps: versions, per-station rates and accuracy. */

type Db = Database

export interface ModelRow {
  model_id: number
  system_id: string
  version: number
  fitted_from: Date
  fitted_to: Date
  weekdays: number
  weekend_days: number
  censored_cells: number
  trained_at: Date
  parameters: unknown
}

/** A model's columns, as read and as returned when saved. */
const MODEL_COLUMNS = [
  'model_id',
  'system_id',
  'version',
  'fitted_from',
  'fitted_to',
  'weekdays',
  'weekend_days',
  'censored_cells',
  'trained_at',
  'parameters',
] as const

export async function activeModel(db: Db, systemId: string): Promise<ModelRow | undefined> {
  return db
    .selectFrom('engine_models')
    .select(MODEL_COLUMNS)
    .where('system_id', '=', systemId)
    .where('is_active', '=', true)
    .executeTakeFirst()
}

export interface RateRow {
  station_id: string
  day_type: 'weekday' | 'weekend'
  rentals_per_hour: number[]
  returns_per_hour: number[]
}

export async function modelRates(db: Db, modelId: number): Promise<RateRow[]> {
  const rows = await db
    .selectFrom('engine_station_rates')
    .select(['station_id', 'day_type', 'rentals_per_hour', 'returns_per_hour'])
    .where('model_id', '=', modelId)
    .execute()
  return rows as RateRow[]
}

export interface NewModel {
  systemId: string
  fittedFrom: Date
  fittedTo: Date
  weekdays: number
  weekendDays: number
  censoredCells: number
  parameters: Record<string, unknown>
  rates: RateRow[]
  metrics: {
    heldOutFrom: Date
    heldOutTo: Date
    cells: number
    mae: number
    baselineMae: number
    rmse: number
    baselineRmse: number
    detail: Record<string, unknown>
  } | null
}

/** Models kept per system: the active one and a few before it, to compare. */
const MODELS_KEPT = 5

/** Stores a fit as the system's next version and makes it the active one, in one transaction. */
export async function saveModel(db: Db, model: NewModel): Promise<ModelRow> {
  return db.transaction().execute(async (trx) => {
    // Two fits of one system at once would both want the next version number.
    await sql`select pg_advisory_xact_lock(hashtext('engine_models'), hashtext(${model.systemId}))`.execute(
      trx,
    )
    const { rows } = await sql<{ next: number }>`
      select coalesce(max(version), 0) + 1 as next from engine_models
       where system_id = ${model.systemId} and name = 'station-demand'`.execute(trx)
    await trx
      .updateTable('engine_models')
      .set({ is_active: false })
      .where('system_id', '=', model.systemId)
      .where('is_active', '=', true)
      .execute()
    const saved = await trx
      .insertInto('engine_models')
      .values({
        system_id: model.systemId,
        version: rows[0]?.next ?? 1,
        parameters: JSON.stringify(model.parameters),
        fitted_from: model.fittedFrom,
        fitted_to: model.fittedTo,
        weekdays: model.weekdays,
        weekend_days: model.weekendDays,
        censored_cells: model.censoredCells,
        is_active: true,
      })
      .returning(MODEL_COLUMNS)
      .executeTakeFirstOrThrow()
    for (let at = 0; at < model.rates.length; at += 1_000) {
      await trx
        .insertInto('engine_station_rates')
        .values(
          model.rates.slice(at, at + 1_000).map((rate) => ({
            model_id: saved.model_id,
            system_id: model.systemId,
            station_id: rate.station_id,
            day_type: rate.day_type,
            rentals_per_hour: rate.rentals_per_hour,
            returns_per_hour: rate.returns_per_hour,
          })),
        )
        .execute()
    }
    if (model.metrics) {
      await trx
        .insertInto('engine_model_metrics')
        .values({
          model_id: saved.model_id,
          held_out_from: model.metrics.heldOutFrom,
          held_out_to: model.metrics.heldOutTo,
          cells: model.metrics.cells,
          mae: model.metrics.mae,
          baseline_mae: model.metrics.baselineMae,
          rmse: model.metrics.rmse,
          baseline_rmse: model.metrics.baselineRmse,
          detail: JSON.stringify(model.metrics.detail),
        })
        .execute()
    }
    await sql`
      delete from engine_models
       where system_id = ${model.systemId} and not is_active
         and model_id not in (select model_id from engine_models where system_id = ${model.systemId}
                               order by version desc limit ${MODELS_KEPT})`.execute(trx)
    return saved
  })
}

export async function modelMetrics(db: Db, modelId: number) {
  return db
    .selectFrom('engine_model_metrics')
    .selectAll()
    .where('model_id', '=', modelId)
    .orderBy('held_out_from', 'desc')
    .executeTakeFirst()
}
