import type { Database } from '../db/database.js'
import {
  accuracy,
  addDays,
  addTrips,
  dayTypeOf,
  emptyCounts,
  fitDemand,
  isoWeekdayOf,
  removeUnusableMinutes,
  SLOTS_PER_DAY,
  type Accuracy,
  type DayCounts,
  type DayType,
  type DemandModel,
} from './demand.js'
import type { SystemRow } from '../systems/system-choice.js'
import { flowsByDay, flowsBySlot, unusableMinutes } from './flows.repository.js'

/** A demand model fitted over local dates [from, to), and the seed heuristic's net flows. */
export interface Fit {
  from: string
  to: string
  model: DemandModel
  days: [number, number]
  censoredCells: number
  /**
   * The seed's "average net flow of that weekday/hour/quarter": returns - rentals per station,
   * ISO weekday (index 0 = Monday) and slot, averaged over the fitted days of that weekday.
   */
  seedNetFlow: Float64Array
}

export function dateRange(from: string, to: string): string[] {
  const dates: string[] = []
  for (let day = from; day < to; day = addDays(day, 1)) dates.push(day)
  return dates
}

/**
 * Fits over local dates [from, to). Rates are averaged over `dates`: the days of the range that
 * have trips (flowDays), so a calendar gap between two files dilutes nothing. Default: every day.
 */
export async function fitFromDatabase(
  db: Database,
  system: SystemRow,
  stationIds: readonly string[],
  from: string,
  to: string,
  dates: readonly string[] = dateRange(from, to),
): Promise<Fit> {
  const days: [number, number] = [0, 0]
  const perWeekday = new Array<number>(7).fill(0)
  for (const date of dates) {
    days[dayTypeOf(date)] += 1
    perWeekday[isoWeekdayOf(date) - 1] = (perWeekday[isoWeekdayOf(date) - 1] as number) + 1
  }
  const index = new Map(stationIds.map((id, position) => [id, position]))
  const counts = emptyCounts(stationIds, days)
  const seedNetFlow = new Float64Array(stationIds.length * 7 * SLOTS_PER_DAY)
  const [flows, unusable] = await Promise.all([
    flowsBySlot(db, system, from, to),
    unusableMinutes(db, system, from, to),
  ])
  for (const row of flows) {
    const station = index.get(row.station_id)
    if (station === undefined) continue
    const dayType: DayType = row.isodow >= 6 ? 1 : 0
    addTrips(counts, station, dayType, row.slot, row.outflow, row.inflow)
    const at = (station * 7 + row.isodow - 1) * SLOTS_PER_DAY + row.slot
    seedNetFlow[at] = (seedNetFlow[at] as number) + (row.inflow - row.outflow)
  }
  for (let station = 0; station < stationIds.length; station += 1) {
    for (let weekday = 0; weekday < 7; weekday += 1) {
      const n = perWeekday[weekday] as number
      if (n === 0) continue
      for (let slot = 0; slot < SLOTS_PER_DAY; slot += 1) {
        const at = (station * 7 + weekday) * SLOTS_PER_DAY + slot
        seedNetFlow[at] = (seedNetFlow[at] as number) / n
      }
    }
  }
  // Unusable minutes per (station, day type, slot), summed over the weekdays of each type.
  const merged = new Map<
    string,
    { station: number; dayType: DayType; slot: number; empty: number; full: number }
  >()
  for (const row of unusable) {
    const station = index.get(row.station_id)
    if (station === undefined) continue
    const dayType: DayType = row.isodow >= 6 ? 1 : 0
    const key = `${station}:${dayType}:${row.slot}`
    const entry = merged.get(key) ?? { station, dayType, slot: row.slot, empty: 0, full: 0 }
    entry.empty += row.empty_minutes
    entry.full += row.full_minutes
    merged.set(key, entry)
  }
  for (const entry of merged.values()) {
    removeUnusableMinutes(counts, entry.station, entry.dayType, entry.slot, entry.empty, entry.full)
  }
  return {
    from,
    to,
    model: fitDemand(counts),
    days,
    censoredCells: counts.censoredCells,
    seedNetFlow,
  }
}

/**
 * Accuracy of 15-minute counts on the held-out dates [from, to) against seasonal-naive; only on
 * `dates` of them (default all), the days that have trips.
 */
export async function measureAccuracy(
  db: Database,
  system: SystemRow,
  model: DemandModel,
  from: string,
  to: string,
  dates: readonly string[] = dateRange(from, to),
): Promise<Accuracy> {
  const rows = await flowsByDay(db, system, addDays(from, -7), to)
  const byKey = new Map<string, DayCounts>()
  const dayOf = (station: number, date: string): DayCounts => {
    const key = `${station}:${date}`
    let day = byKey.get(key)
    if (!day) {
      day = {
        station,
        date,
        rentals: new Float64Array(SLOTS_PER_DAY),
        returns: new Float64Array(SLOTS_PER_DAY),
      }
      byKey.set(key, day)
    }
    return day
  }
  for (const row of rows) {
    const station = model.index.get(row.station_id)
    if (station === undefined) continue
    const day = dayOf(station, row.day)
    day.rentals[row.slot] = (day.rentals[row.slot] as number) + row.outflow
    day.returns[row.slot] = (day.returns[row.slot] as number) + row.inflow
  }
  const heldOut: DayCounts[] = []
  for (const date of dates) {
    for (let station = 0; station < model.stationIds.length; station += 1) {
      heldOut.push(dayOf(station, date))
    }
  }
  // Every station has a week-before day (zeros when it saw no trip), as long as it is in the data.
  const firstKnown = rows.reduce((min, row) => (row.day < min ? row.day : min), '9999-12-31')
  return accuracy(model, heldOut, (station, date) => {
    const before = addDays(date, -7)
    return before >= firstKnown ? dayOf(station, before) : undefined
  })
}
