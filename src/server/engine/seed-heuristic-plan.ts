import type { Database } from '../db/database.js'
import { isoWeekdayOf, SLOT_MINUTES } from './demand.js'
import type { SystemRow } from '../systems/system-choice.js'
import { flowDates, seedNetFlows } from './flows.repository.js'
import type { Live, Proposal } from './live-stations.js'
import { seedHeuristicMoves } from './seed-heuristic.js'

/**
 * The seed heuristic as a suggestion source: its moves over the live stations, from the average
 * net flow of this local weekday and quarter-hour, told in the seed's own terms.
 */
export async function planSeedHeuristic(
  db: Database,
  system: SystemRow,
  live: readonly Live[],
  options: {
    clock: { date: string; minute: number }
    vanCapacity: number
    maxMoves: number
    skipPair: (from: number, to: number) => boolean
  },
): Promise<{ proposals: Proposal[]; note: string | null }> {
  const { clock, vanCapacity, skipPair } = options
  const slot = Math.floor(clock.minute / SLOT_MINUTES)
  const dates = await flowDates(db, system)
  const net = await seedNetFlows(db, system, isoWeekdayOf(clock.date), slot)
  const moves = seedHeuristicMoves(
    live.map((station) => ({
      lat: station.row.lat,
      lon: station.row.lon,
      bikes: station.bikes,
      capacity: station.capacity,
      netFlow: net.get(station.row.station_id) ?? 0,
      usable: station.canGive && station.canTake,
    })),
    { vanCapacity, skipPair },
  ).slice(0, options.maxMoves)
  return {
    note: moves.length
      ? null
      : 'the seed heuristic finds no station predicted outside its 50 % target with a partner within 5 km',
    proposals: moves.map((move) => {
      const from = live[move.from] as Live
      const to = live[move.to] as Live
      const flags = [
        move.fullSoon ? `${from.row.name} full soon` : null,
        move.emptySoon ? `${to.row.name} empty soon` : null,
      ].filter(Boolean)
      return {
        from,
        to,
        qty: move.qty,
        // The seed ranked full_soon sources first; its value is only an order.
        value: (move.fullSoon ? 2 : 0) + (move.emptySoon ? 1 : 0),
        reason:
          `Seed heuristic: ${from.row.name} predicted ${move.predictedFrom.toFixed(1)} bikes in 15 min, ${to.row.name} ${move.predictedTo.toFixed(1)}; target half of capacity` +
          (flags.length ? ` (${flags.join(', ')})` : '') +
          `. Flows averaged over ${dates ? `${dates.first} to ${dates.last}` : 'the imported trips'}.`,
      }
    }),
  }
}
