import { distanceKm } from './geo.js'

/**
 * The previous system's heuristic (as the issue restates it; the seed documents describe only
 * the service that received its output), kept as a baseline to measure the engine against and
 * usable as a suggestion source of its own (`seed_heuristic`):
 *   - predicted bikes in 15 min = current bikes + the average net flow (returns - rentals) of
 *     that ISO weekday, hour and quarter over the fitted days;
 *   - empty_soon if predicted <= 2, full_soon if predicted >= capacity - 3;
 *   - target = 50 % of capacity; sources are stations predicted above target (full_soon first),
 *     sinks those predicted below it (empty_soon first);
 *   - each source is paired with its nearest sink within 5 km and moves min(surplus, need).
 * Where the rules leave a choice open, this reading is taken: sources in order full_soon first,
 * then by surplus, largest first; a source looks for the nearest empty_soon sink within 5 km,
 * else the nearest other sink within 5 km; a sink's remaining need shrinks as sources are paired
 * with it (so two sources do not both fill it); surplus and need are whole bikes (rounded down),
 * and a move carries no more than the bikes there and the van's capacity.
 */

export interface SeedStation {
  lat: number
  lon: number
  bikes: number
  capacity: number
  /** Average net flow (returns - rentals) in the coming quarter for this weekday/hour/quarter. */
  netFlow: number
  /** Excluded from pairing (not installed, not renting/returning, unknown capacity). */
  usable: boolean
}

export interface SeedMove {
  from: number
  to: number
  qty: number
  fullSoon: boolean
  emptySoon: boolean
  predictedFrom: number
  predictedTo: number
}

export const SEED_RADIUS_KM = 5

export function seedHeuristicMoves(
  stations: readonly SeedStation[],
  options: {
    vanCapacity: number
    radiusKm?: number
    skipPair?: (from: number, to: number) => boolean
  },
): SeedMove[] {
  const radius = options.radiusKm ?? SEED_RADIUS_KM
  const view = stations.map((station, index) => {
    const predicted = station.bikes + station.netFlow
    const target = station.capacity * 0.5
    return {
      index,
      predicted,
      target,
      emptySoon: predicted <= 2,
      fullSoon: predicted >= station.capacity - 3,
      surplus: Math.floor(predicted - target),
      need: Math.floor(target - predicted),
    }
  })
  const usable = view.filter((entry) => (stations[entry.index] as SeedStation).usable)
  const sources = usable
    .filter((entry) => entry.predicted > entry.target && entry.surplus >= 1)
    .sort(
      (a, b) =>
        Number(b.fullSoon) - Number(a.fullSoon) || b.surplus - a.surplus || a.index - b.index,
    )
  const sinks = usable.filter((entry) => entry.predicted < entry.target && entry.need >= 1)
  const needLeft = new Map(sinks.map((sink) => [sink.index, sink.need]))

  const moves: SeedMove[] = []
  for (const source of sources) {
    const from = stations[source.index] as SeedStation
    let nearest: { index: number; km: number; emptySoon: boolean } | null = null
    for (const sink of sinks) {
      if ((needLeft.get(sink.index) ?? 0) < 1) continue
      if (options.skipPair?.(source.index, sink.index)) continue
      const km = distanceKm(from, stations[sink.index] as SeedStation)
      if (km > radius) continue
      const better =
        !nearest ||
        (sink.emptySoon && !nearest.emptySoon) ||
        (sink.emptySoon === nearest.emptySoon && km < nearest.km)
      if (better) nearest = { index: sink.index, km, emptySoon: sink.emptySoon }
    }
    if (!nearest) continue
    const need = needLeft.get(nearest.index) ?? 0
    const qty = Math.min(source.surplus, need, options.vanCapacity, Math.floor(from.bikes))
    if (qty < 1) continue
    needLeft.set(nearest.index, need - qty)
    const sink = view[nearest.index] as (typeof view)[number]
    moves.push({
      from: source.index,
      to: nearest.index,
      qty,
      fullSoon: source.fullSoon,
      emptySoon: sink.emptySoon,
      predictedFrom: source.predicted,
      predictedTo: sink.predicted,
    })
  }
  return moves
}
