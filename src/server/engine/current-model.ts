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
import { flowDates, flowDays, latestFlow, localMidnight } from './flows.repository.js'
import { fitFromDatabase, measureAccuracy } from './fit.js'
import { lastModelCheck, saveModelCheck } from './model-check.repository.js'

/** Days of flows held out to measure a new model against seasonal-naive. */
const HELD_OUT_DAYS = 7
/** A model older than this is fitted again even without new trips (status history grows). */
const MODEL_MAX_AGE_MS = 24 * 3_600_000

/** Fits use the last 8 weeks of data (from the last day with trips back). */
export const FIT_WINDOW_DAYS = 56

/** The active model's rates as a model over `stationIds`. */
async function loadModel(
  db: Database,
  active: ModelRow,
  stationIds: readonly string[],
): Promise<DemandModel> {
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
  return modelFromProfiles(stationIds, profiles)
}

/**
 * The active model, fitted again when trips newer than it arrived or it is a day old. A fit uses
 * the days with trips of the last FIT_WINDOW_DAYS. With two weeks of such days, the new method is
 * measured on the last week of them (fitted without it); when the model in use did not see those
 * days and erred less on them, it is kept (engine_model_checks says so, with both errors).
 */
export async function currentModel(
  db: Database,
  system: SystemRow,
  stationIds: readonly string[],
  context: { now: () => Date; logger: Logger },
): Promise<{ row: ModelRow; model: DemandModel; fitted: boolean } | null> {
  const active = await activeModel(db, system.systemId)
  const latest = await latestFlow(db, system.systemId)
  if (!latest) return null
  const now = context.now().getTime()
  const check = active ? await lastModelCheck(db, system.systemId) : null
  const fresh =
    active &&
    ((active.fitted_to.getTime() > latest.getTime() &&
      now - active.trained_at.getTime() < MODEL_MAX_AGE_MS) ||
      (check?.keptPrevious === true &&
        check.previousVersion === active.version &&
        check.latestFlow.getTime() >= latest.getTime() &&
        now - check.checkedAt.getTime() < MODEL_MAX_AGE_MS))
  if (active && fresh) {
    return { row: active, model: await loadModel(db, active, stationIds), fitted: false }
  }
  const dates = await flowDates(db, system)
  if (!dates) return null
  const to = addDays(dates.last, 1)
  const windowFrom = addDays(to, -FIT_WINDOW_DAYS)
  const from = dates.first > windowFrom ? dates.first : windowFrom
  const days = await flowDays(db, system, from, to)
  const fit = await fitFromDatabase(db, system, stationIds, from, to, days)
  let metrics = null
  if (days.length >= 2 * HELD_OUT_DAYS) {
    // Accuracy of the same method fitted without the last week of days, on that week.
    const heldFrom = days[days.length - HELD_OUT_DAYS] as string
    const heldOut = days.slice(-HELD_OUT_DAYS)
    const trial = await fitFromDatabase(
      db,
      system,
      stationIds,
      from,
      heldFrom,
      days.slice(0, -HELD_OUT_DAYS),
    )
    const measured = await measureAccuracy(db, system, trial.model, heldFrom, to, heldOut)
    metrics = {
      heldOutFrom: await localMidnight(db, system.timezone, heldFrom),
      heldOutTo: await localMidnight(db, system.timezone, to),
      cells: measured.cells,
      mae: measured.mae,
      baselineMae: measured.baselineMae,
      rmse: measured.rmse,
      baselineRmse: measured.baselineRmse,
      detail: {
        fitted_for_measurement: { from, to: heldFrom, days: days.length - HELD_OUT_DAYS },
        held_out_days: heldOut,
        unit: 'trips per 15 minutes',
        point_forecast: 'median of Poisson(rate x 15 min)',
        mae_of_mean: measured.meanMae,
      },
    }
    // The model in use, on days it never saw: is the new fit any better?
    if (active && active.fitted_to.getTime() <= metrics.heldOutFrom.getTime()) {
      const previous = await loadModel(db, active, stationIds)
      const before = await measureAccuracy(db, system, previous, heldFrom, to, heldOut)
      const keptPrevious = before.mae < measured.mae
      await saveModelCheck(db, {
        systemId: system.systemId,
        checkedAt: context.now(),
        latestFlow: latest,
        heldOutFrom: metrics.heldOutFrom,
        heldOutTo: metrics.heldOutTo,
        heldOutDays: heldOut.length,
        previousVersion: active.version,
        previousMae: before.mae,
        newMae: measured.mae,
        keptPrevious,
      })
      if (keptPrevious) {
        context.logger.warn(
          {
            system: system.systemId,
            version: active.version,
            previousMae: before.mae,
            newMae: measured.mae,
          },
          'engine: new fit is worse on the held-out days; the previous model is kept',
        )
        return { row: active, model: previous, fitted: false }
      }
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
    fittedFrom: await localMidnight(db, system.timezone, from),
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
      fitted_dates: { from, to, days_with_trips: days.length, window_days: FIT_WINDOW_DAYS },
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
