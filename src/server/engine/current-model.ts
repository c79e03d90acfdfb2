import type { Database } from '../db/database.js'
import type { Logger } from '../logger.js'
import {
  addDays,
  DAY_TYPES,
  modelFromProfiles,
  profileOf,
  SLOT_MINUTES,
  type DemandModel,
} from './demand.js'
import { activeModel, modelRates, saveModel, type ModelRow } from './engine-model.repository.js'
import type { SystemRow } from '../systems/system-choice.js'
import { flowDates, latestFlow, localMidnight } from './flows.repository.js'
import { dateRange, fitFromDatabase, measureAccuracy } from './fit.js'

/** Days of flows held out to measure a new model against seasonal-naive. */
const HELD_OUT_DAYS = 7
/** A model older than this is fitted again even without new trips (status history grows). */
const MODEL_MAX_AGE_MS = 24 * 3_600_000

/** The active model, fitted again when trips newer than it arrived or it is a day old. */
export async function currentModel(
  db: Database,
  system: SystemRow,
  stationIds: readonly string[],
  context: { now: () => Date; logger: Logger },
): Promise<{ row: ModelRow; model: DemandModel; fitted: boolean } | null> {
  const active = await activeModel(db, system.systemId)
  const latest = await latestFlow(db, system.systemId)
  if (!latest) return null
  const fresh =
    active &&
    active.fitted_to.getTime() > latest.getTime() &&
    context.now().getTime() - active.trained_at.getTime() < MODEL_MAX_AGE_MS
  if (active && fresh) {
    const profiles = new Map<
      string,
      Partial<Record<(typeof DAY_TYPES)[number], { rentals: number[]; returns: number[] }>>
    >()
    for (const rate of await modelRates(db, active.model_id)) {
      const entry = profiles.get(rate.station_id) ?? {}
      entry[rate.day_type] = {
        rentals: rate.rentals_per_hour.map((value) => value / 60),
        returns: rate.returns_per_hour.map((value) => value / 60),
      }
      profiles.set(rate.station_id, entry)
    }
    return { row: active, model: modelFromProfiles(stationIds, profiles), fitted: false }
  }
  const dates = await flowDates(db, system)
  if (!dates) return null
  const to = addDays(dates.last, 1)
  const all = dateRange(dates.first, to)
  const fit = await fitFromDatabase(db, system, stationIds, dates.first, to)
  let metrics = null
  if (all.length >= 2 * HELD_OUT_DAYS) {
    // Accuracy of the same method fitted without the last week, on that week.
    const heldFrom = addDays(to, -HELD_OUT_DAYS)
    const trial = await fitFromDatabase(db, system, stationIds, dates.first, heldFrom)
    const measured = await measureAccuracy(db, system, trial.model, heldFrom, to)
    metrics = {
      heldOutFrom: await localMidnight(db, system.timezone, heldFrom),
      heldOutTo: await localMidnight(db, system.timezone, to),
      cells: measured.cells,
      mae: measured.mae,
      baselineMae: measured.baselineMae,
      rmse: measured.rmse,
      baselineRmse: measured.baselineRmse,
      detail: {
        fitted_for_measurement: { from: dates.first, to: heldFrom },
        unit: 'trips per 15 minutes',
        point_forecast: 'median of Poisson(rate x 15 min)',
        mae_of_mean: measured.meanMae,
      },
    }
  }
  const rates = fit.model.stationIds.flatMap((stationId, station) =>
    ([0, 1] as const).map((dayType) => {
      const profile = profileOf(fit.model, station, dayType)
      return {
        station_id: stationId,
        day_type: DAY_TYPES[dayType],
        rentals_per_hour: Array.from(profile.rentals, (value) => value * 60),
        returns_per_hour: Array.from(profile.returns, (value) => value * 60),
      }
    }),
  )
  const row = await saveModel(db, {
    systemId: system.systemId,
    fittedFrom: await localMidnight(db, system.timezone, dates.first),
    fittedTo: await localMidnight(db, system.timezone, to),
    weekdays: fit.days[0],
    weekendDays: fit.days[1],
    censoredCells: fit.censoredCells,
    parameters: {
      slot_minutes: SLOT_MINUTES,
      day_types: DAY_TYPES,
      smoothing: 'weights 1-2-3-2-1 over neighbouring slots (ratio of counts to usable minutes)',
      censoring:
        'minutes empty (or not renting) / full (or not returning) from station_status removed from the exposure',
      fitted_dates: { from: dates.first, to },
    },
    rates,
    metrics,
  })
  context.logger.info(
    {
      system: system.systemId,
      version: row.version,
      mae: metrics?.mae,
      baselineMae: metrics?.baselineMae,
    },
    'engine: demand model fitted',
  )
  return { row, model: fit.model, fitted: true }
}
