import { segmentsAhead, type DemandModel } from './demand.js'
import { expectedDissatisfaction, totalAt, type Dissatisfaction } from './dissatisfaction.js'
import { SLOT_MINUTES } from './demand.js'

/**
 * A stop's value at the van's arrival: the station's expected count then (its bikes now, moved
 * by the model's expected returns minus rentals until the arrival, kept within 0..capacity), and
 * F over the horizon from the arrival's 15-minute slot (the model's time-varying rates from
 * then on): F_t(x_t) - F_t(x_t + delta). Failures before the arrival are the same with or
 * without the stop. F is kept per station and slot: it depends on neither the counts nor the
 * vans, so a day's decisions share it.
 */

export interface ValueStation {
  capacity: number
  canRent: boolean
  canReturn: boolean
}

export interface ArrivalValueOptions {
  model: DemandModel
  date: string
  /** Minute of the local day now (the decision's time). */
  minute: number
  horizonMinutes: number
  stations: readonly ValueStation[]
  /** Each station's position in the model (undefined: no demand known). */
  modelIndex: readonly (number | undefined)[]
  /** Bikes at each station now (work under way applied). */
  bikes: ArrayLike<number>
  /** F per station and slot start, shared across decisions of the same day. */
  cache: Map<number, Dissatisfaction>
}

/** The run planner's `gain(station, delta, minutesFromNow)`. */
export function arrivalValue(
  options: ArrivalValueOptions,
): (station: number, delta: number, minutes: number) => number {
  const { model, date, stations, modelIndex } = options
  // Expected net change until each slot boundary ahead, per station (computed when first asked).
  const drift = new Map<number, Float64Array>()
  const slots = Math.ceil(options.horizonMinutes / SLOT_MINUTES) + 2
  const driftOf = (station: number): Float64Array => {
    let cumulative = drift.get(station)
    if (cumulative) return cumulative
    cumulative = new Float64Array(slots + 1)
    const at = modelIndex[station]
    const spec = stations[station] as ValueStation
    const capacity = spec.capacity
    let level = options.bikes[station] as number
    if (at !== undefined) {
      let k = 0
      let elapsed = 0
      for (const segment of segmentsAhead(model, at, date, options.minute, slots * SLOT_MINUTES, {
        rentals: spec.canRent,
        returns: spec.canReturn,
      })) {
        level = Math.max(
          0,
          Math.min(capacity, level + (segment.returns - segment.rentals) * segment.minutes),
        )
        elapsed += segment.minutes
        while (k < slots && elapsed >= (k + 1) * SLOT_MINUTES - 1e-9) {
          k += 1
          cumulative[k] = level
        }
      }
    }
    cumulative[0] = options.bikes[station] as number
    for (let k = 1; k <= slots; k += 1) if (at === undefined) cumulative[k] = cumulative[0]
    drift.set(station, cumulative)
    return cumulative
  }
  const fAt = (station: number, slotStart: number): Dissatisfaction => {
    const key = station * 4096 + slotStart
    let f = options.cache.get(key)
    if (!f) {
      const at = modelIndex[station]
      const spec = stations[station] as ValueStation
      const segments =
        at === undefined
          ? []
          : segmentsAhead(model, at, date, slotStart, options.horizonMinutes, {
              rentals: spec.canRent,
              returns: spec.canReturn,
            })
      f = expectedDissatisfaction(spec.capacity, segments)
      options.cache.set(key, f)
    }
    return f
  }
  return (station, delta, minutes) => {
    const capacity = (stations[station] as ValueStation).capacity
    const k = Math.max(0, Math.floor(minutes / SLOT_MINUTES))
    const levels = driftOf(station)
    const x = Math.round(levels[Math.min(k, levels.length - 1)] as number)
    if (x + delta < 0 || x + delta > capacity) return -Infinity
    const slotStart = Math.floor((options.minute + minutes) / SLOT_MINUTES) * SLOT_MINUTES
    const f = fAt(station, slotStart)
    return totalAt(f, x) - totalAt(f, x + delta)
  }
}
