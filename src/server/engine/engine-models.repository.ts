import type { EngineModelStatus } from '../../shared/operations/engine-model.js'
import type { Database } from '../db/database.js'

/** Each system's demand model in use and the last comparison with a new fit (engine:models). */
export async function engineModels(db: Database): Promise<EngineModelStatus[]> {
  const systems = await db
    .selectFrom('systems as s')
    .leftJoin('engine_models as m', (join) =>
      join.onRef('m.system_id', '=', 's.system_id').on('m.is_active', '=', true),
    )
    .leftJoin('engine_model_metrics as x', 'x.model_id', 'm.model_id')
    .leftJoin('engine_model_checks as c', 'c.system_id', 's.system_id')
    .select([
      's.system_id',
      'm.version',
      'm.fitted_from',
      'm.fitted_to',
      'm.trained_at',
      'm.weekdays',
      'm.weekend_days',
      'x.mae',
      'x.baseline_mae',
      'c.checked_at',
      'c.held_out_from',
      'c.held_out_to',
      'c.held_out_days',
      'c.previous_version',
      'c.previous_mae',
      'c.new_mae',
      'c.kept_previous',
    ])
    .where((eb) => eb.or([eb('m.model_id', 'is not', null), eb('c.system_id', 'is not', null)]))
    .orderBy('s.system_id')
    .execute()
  const iso = (at: Date | null) => at?.toISOString() ?? ''
  return systems.map((row) => ({
    system_id: row.system_id,
    active:
      row.version === null
        ? null
        : {
            version: row.version,
            fitted_from: iso(row.fitted_from),
            fitted_to: iso(row.fitted_to),
            trained_at: iso(row.trained_at),
            weekdays: row.weekdays ?? 0,
            weekend_days: row.weekend_days ?? 0,
            mae: row.mae,
            baseline_mae: row.baseline_mae,
          },
    last_check:
      row.checked_at === null
        ? null
        : {
            checked_at: iso(row.checked_at),
            held_out_from: iso(row.held_out_from),
            held_out_to: iso(row.held_out_to),
            held_out_days: row.held_out_days ?? 0,
            previous_version: row.previous_version ?? 0,
            previous_mae: row.previous_mae ?? 0,
            new_mae: row.new_mae ?? 0,
            kept_previous: row.kept_previous ?? false,
          },
  }))
}
