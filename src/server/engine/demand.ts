import type { RateSegment } from './dissatisfaction.js'

/**
 * The demand model: rentals and returns per station per 15-minute slot of the local day, one
 * profile for weekdays and one for weekends, as Poisson rates. A rate is the count of trips in
 * that slot over the fitted days divided by the minutes the station could serve them: a station
 * that stood empty could not rent, a full one could not take returns (censoring), so those
 * minutes, where the status history shows them, do not count. Slots are smoothed with their
 * neighbours (weights 1-2-3-2-1 over an hour and a quarter): three weeks give only 15 weekdays
 * and 6 weekend days per slot, and a ratio over five slots is far steadier than one over one.
 */

export const SLOTS_PER_DAY = 96
export const SLOT_MINUTES = 15
export const DAY_TYPES = ['weekday', 'weekend'] as const
export type DayTypeName = (typeof DAY_TYPES)[number]
/** 0: Monday-Friday, 1: Saturday and Sunday. */
export type DayType = 0 | 1

const KERNEL = [1, 2, 3, 2, 1] as const
/** A station's usable minutes are never taken below this share of the slot's minutes. */
const MIN_USABLE_SHARE = 0.2

/** Day type of a local calendar date `YYYY-MM-DD`. */
export function dayTypeOf(date: string): DayType {
  const weekday = new Date(`${date}T12:00:00Z`).getUTCDay()
  return weekday === 0 || weekday === 6 ? 1 : 0
}

/** ISO day of week (1 = Monday .. 7 = Sunday) of a local date. */
export function isoWeekdayOf(date: string): number {
  return ((new Date(`${date}T12:00:00Z`).getUTCDay() + 6) % 7) + 1
}

/** The local date `days` after `date`. */
export function addDays(date: string, days: number): string {
  const at = new Date(`${date}T12:00:00Z`)
  at.setUTCDate(at.getUTCDate() + days)
  return at.toISOString().slice(0, 10)
}

const cell = (station: number, dayType: DayType, slot: number) =>
  (station * 2 + dayType) * SLOTS_PER_DAY + slot

/** Trip counts and usable minutes per station, day type and slot, summed over a date range. */
export interface SlotCounts {
  stationIds: readonly string[]
  /** Days of each type in the range. */
  days: [number, number]
  rentals: Float64Array
  returns: Float64Array
  /** Minutes the station could rent (not empty) / take returns (not full). */
  rentMinutes: Float64Array
  returnMinutes: Float64Array
  /** Station-slot cells whose minutes the status history reduced. */
  censoredCells: number
}

export function emptyCounts(stationIds: readonly string[], days: [number, number]): SlotCounts {
  const size = stationIds.length * 2 * SLOTS_PER_DAY
  const counts: SlotCounts = {
    stationIds,
    days,
    rentals: new Float64Array(size),
    returns: new Float64Array(size),
    rentMinutes: new Float64Array(size),
    returnMinutes: new Float64Array(size),
    censoredCells: 0,
  }
  for (let station = 0; station < stationIds.length; station += 1) {
    for (const dayType of [0, 1] as const) {
      for (let slot = 0; slot < SLOTS_PER_DAY; slot += 1) {
        const at = cell(station, dayType, slot)
        counts.rentMinutes[at] = days[dayType] * SLOT_MINUTES
        counts.returnMinutes[at] = days[dayType] * SLOT_MINUTES
      }
    }
  }
  return counts
}

export function addTrips(
  counts: SlotCounts,
  station: number,
  dayType: DayType,
  slot: number,
  rentals: number,
  returns: number,
): void {
  const at = cell(station, dayType, slot)
  counts.rentals[at] = (counts.rentals[at] as number) + rentals
  counts.returns[at] = (counts.returns[at] as number) + returns
}

/** Minutes the status history shows the station empty (cannot rent) or full (cannot return). */
export function removeUnusableMinutes(
  counts: SlotCounts,
  station: number,
  dayType: DayType,
  slot: number,
  emptyMinutes: number,
  fullMinutes: number,
): void {
  const at = cell(station, dayType, slot)
  const nominal = counts.days[dayType] * SLOT_MINUTES
  const floor = nominal * MIN_USABLE_SHARE
  if (emptyMinutes > 0 || fullMinutes > 0) counts.censoredCells += 1
  counts.rentMinutes[at] = Math.max(floor, (counts.rentMinutes[at] as number) - emptyMinutes)
  counts.returnMinutes[at] = Math.max(floor, (counts.returnMinutes[at] as number) - fullMinutes)
}

/** Fitted rates, in trips per minute. */
export interface DemandModel {
  stationIds: readonly string[]
  index: ReadonlyMap<string, number>
  rentals: Float64Array
  returns: Float64Array
}

export function fitDemand(counts: SlotCounts): DemandModel {
  const size = counts.rentals.length
  const rentals = new Float64Array(size)
  const returns = new Float64Array(size)
  const half = (KERNEL.length - 1) / 2
  for (let station = 0; station < counts.stationIds.length; station += 1) {
    for (const dayType of [0, 1] as const) {
      if (counts.days[dayType] === 0) continue
      for (let slot = 0; slot < SLOTS_PER_DAY; slot += 1) {
        let rented = 0
        let rentMinutes = 0
        let returned = 0
        let returnMinutes = 0
        for (let k = 0; k < KERNEL.length; k += 1) {
          const weight = KERNEL[k] as number
          const other = (slot + k - half + SLOTS_PER_DAY) % SLOTS_PER_DAY
          const at = cell(station, dayType, other)
          rented += weight * (counts.rentals[at] as number)
          rentMinutes += weight * (counts.rentMinutes[at] as number)
          returned += weight * (counts.returns[at] as number)
          returnMinutes += weight * (counts.returnMinutes[at] as number)
        }
        const at = cell(station, dayType, slot)
        rentals[at] = rentMinutes > 0 ? rented / rentMinutes : 0
        returns[at] = returnMinutes > 0 ? returned / returnMinutes : 0
      }
    }
    // A range without weekend days (or weekdays) borrows the other profile.
    for (const dayType of [0, 1] as const) {
      if (counts.days[dayType] > 0) continue
      const from = cell(station, dayType === 0 ? 1 : 0, 0)
      const to = cell(station, dayType, 0)
      rentals.copyWithin(to, from, from + SLOTS_PER_DAY)
      returns.copyWithin(to, from, from + SLOTS_PER_DAY)
    }
  }
  return {
    stationIds: counts.stationIds,
    index: new Map(counts.stationIds.map((id, position) => [id, position])),
    rentals,
    returns,
  }
}

export function rateAt(
  model: DemandModel,
  station: number,
  dayType: DayType,
  slot: number,
): { rentals: number; returns: number } {
  const at = cell(station, dayType, slot)
  return { rentals: model.rentals[at] ?? 0, returns: model.returns[at] ?? 0 }
}

/** A station's rates per minute for one day type, for storage (96 values each). */
export function profileOf(
  model: DemandModel,
  station: number,
  dayType: DayType,
): { rentals: Float64Array; returns: Float64Array } {
  const from = cell(station, dayType, 0)
  return {
    rentals: model.rentals.subarray(from, from + SLOTS_PER_DAY),
    returns: model.returns.subarray(from, from + SLOTS_PER_DAY),
  }
}

/** Rebuilds a model from stored profiles (rates per minute). */
export function modelFromProfiles(
  stationIds: readonly string[],
  profiles: ReadonlyMap<
    string,
    Partial<Record<DayTypeName, { rentals: number[]; returns: number[] }>>
  >,
): DemandModel {
  const size = stationIds.length * 2 * SLOTS_PER_DAY
  const rentals = new Float64Array(size)
  const returns = new Float64Array(size)
  stationIds.forEach((id, station) => {
    const stored = profiles.get(id)
    for (const dayType of [0, 1] as const) {
      const profile = stored?.[DAY_TYPES[dayType]]
      if (!profile) continue
      const from = cell(station, dayType, 0)
      rentals.set(profile.rentals.slice(0, SLOTS_PER_DAY), from)
      returns.set(profile.returns.slice(0, SLOTS_PER_DAY), from)
    }
  })
  return { stationIds, index: new Map(stationIds.map((id, i) => [id, i])), rentals, returns }
}

/**
 * The rate segments a station faces from `minuteOfDay` on `date` for `horizon` minutes: the rest
 * of the current slot, then whole slots, into the next day (and its day type) past midnight.
 */
export function segmentsAhead(
  model: DemandModel,
  station: number,
  date: string,
  minuteOfDay: number,
  horizon: number,
  options: { rentals?: boolean; returns?: boolean } = {},
): RateSegment[] {
  const segments: RateSegment[] = []
  let left = horizon
  let minute = minuteOfDay
  let day = date
  let dayType = dayTypeOf(day)
  while (left > 1e-9) {
    if (minute >= SLOTS_PER_DAY * SLOT_MINUTES) {
      minute -= SLOTS_PER_DAY * SLOT_MINUTES
      day = addDays(day, 1)
      dayType = dayTypeOf(day)
    }
    const slot = Math.floor(minute / SLOT_MINUTES)
    const length = Math.min(left, (slot + 1) * SLOT_MINUTES - minute)
    const rate = rateAt(model, station, dayType, slot)
    segments.push({
      minutes: length,
      rentals: options.rentals === false ? 0 : rate.rentals,
      returns: options.returns === false ? 0 : rate.returns,
    })
    left -= length
    minute += length
  }
  return segments
}

/** The median of a Poisson distribution with this mean. */
export function poissonMedian(mean: number): number {
  if (mean <= 0) return 0
  let k = 0
  let pmf = Math.exp(-mean)
  let cdf = pmf
  while (cdf < 0.5) {
    k += 1
    pmf *= mean / k
    cdf += pmf
  }
  return k
}

/** One station's observed counts on one held-out day (96 slots). */
export interface DayCounts {
  station: number
  date: string
  rentals: Float64Array
  returns: Float64Array
}

export interface Accuracy {
  /** Station-slot cells compared (held-out days x stations x 96, where a baseline exists). */
  cells: number
  /**
   * MAE of the model's point forecast: the median of Poisson(rate x 15 min), the forecast that
   * minimises absolute error (most cells are quiet, and the mean's 0.2 is never observed).
   */
  mae: number
  /** MAE of the mean (rate x 15 min) itself. */
  meanMae: number
  baselineMae: number
  rmse: number
  baselineRmse: number
}

/**
 * Mean absolute error of 15-minute counts (rentals and returns, each a cell) on held-out days,
 * against the seasonal-naive forecast: the same station and slot one week earlier.
 */
export function accuracy(
  model: DemandModel,
  heldOut: readonly DayCounts[],
  weekBefore: (station: number, date: string) => DayCounts | undefined,
): Accuracy {
  let cells = 0
  let absolute = 0
  let meanAbsolute = 0
  let baselineAbsolute = 0
  let squared = 0
  let baselineSquared = 0
  for (const day of heldOut) {
    const before = weekBefore(day.station, day.date)
    if (!before) continue
    const dayType = dayTypeOf(day.date)
    for (let slot = 0; slot < SLOTS_PER_DAY; slot += 1) {
      const rate = rateAt(model, day.station, dayType, slot)
      for (const [observed, predicted, naive] of [
        [day.rentals[slot], rate.rentals * SLOT_MINUTES, before.rentals[slot]],
        [day.returns[slot], rate.returns * SLOT_MINUTES, before.returns[slot]],
      ] as const) {
        const error = (observed as number) - predicted
        const naiveError = (observed as number) - (naive as number)
        cells += 1
        absolute += Math.abs((observed as number) - poissonMedian(predicted))
        meanAbsolute += Math.abs(error)
        baselineAbsolute += Math.abs(naiveError)
        squared += error * error
        baselineSquared += naiveError * naiveError
      }
    }
  }
  const mean = (value: number) => (cells > 0 ? value / cells : 0)
  return {
    cells,
    mae: mean(absolute),
    meanMae: mean(meanAbsolute),
    baselineMae: mean(baselineAbsolute),
    rmse: Math.sqrt(mean(squared)),
    baselineRmse: Math.sqrt(mean(baselineSquared)),
  }
}
