import { CLOCK_FORMAT } from '../systems/time-zone.js'
import type { CoveringRow } from './run-suggestions.repository.js'
import type { StationStateRow } from './station-state.repository.js'

/** A station as a run plans for it: its status row, with pending tasks already applied. */
export interface Live {
  row: StationStateRow
  bikes: number
  capacity: number
  movable: number
  canGive: boolean
  canTake: boolean
}

/** A move a planner proposes, ready to be kept as a suggestion. */
export interface Proposal {
  from: Live
  to: Live
  qty: number
  value: number
  reason: string
}

/** The local date and minute of the day of an instant in a time zone. */
export function localClock(at: Date, timeZone: string): { date: string; minute: number } {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-CA', { timeZone, ...CLOCK_FORMAT })
      .formatToParts(at)
      .map((part) => [part.type, part.value]),
  )
  return {
    date: `${parts.year}-${parts.month}-${parts.day}`,
    minute: Number(parts.hour) * 60 + Number(parts.minute) + Number(parts.second) / 60,
  }
}

/** Stations the engine can plan for: installed, with a status; pending tasks already applied. */
export function liveStations(rows: readonly StationStateRow[]): Live[] {
  const live: Live[] = []
  for (const row of rows) {
    if (row.num_bikes_available === null || row.num_docks_available === null) continue
    const installed = row.is_installed ?? true
    const bikes = row.num_bikes_available
    const capacity = bikes + row.num_docks_available
    if (capacity <= 0) continue
    live.push({
      row,
      bikes,
      capacity,
      // E-bikes stay where riders want them; a van takes classic bikes.
      movable: Math.max(0, bikes - (row.num_ebikes_available ?? 0)),
      canGive: Boolean(installed && row.is_renting),
      canTake: Boolean(installed && row.is_returning),
    })
  }
  return live
}

/**
 * Applies what already covers a pair to the live stations (a ready or assigned task's bikes are
 * as good as moved) and answers which pairs (by position in `live`) a run must leave alone.
 */
export function applyCoveringWork(
  live: Live[],
  index: ReadonlyMap<string, number>,
  covering: readonly CoveringRow[],
): (from: number, to: number) => boolean {
  const covered = new Set<string>()
  for (const work of covering) {
    covered.add(`${work.from_station_id}\u001f${work.to_station_id}`)
    // A ready or assigned task's bikes are as good as moved.
    if (work.kind !== 'task') continue
    const from = index.get(work.from_station_id)
    const to = index.get(work.to_station_id)
    if (from !== undefined) {
      const station = live[from] as Live
      station.bikes = Math.max(0, station.bikes - work.qty)
      station.movable = Math.max(0, station.movable - work.qty)
    }
    if (to !== undefined) {
      const station = live[to] as Live
      station.bikes = Math.min(station.capacity, station.bikes + work.qty)
    }
  }
  return (from: number, to: number) =>
    covered.has(`${(live[from] as Live).row.station_id}\u001f${(live[to] as Live).row.station_id}`)
}
