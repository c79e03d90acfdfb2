import { totalAt, type Dissatisfaction } from './dissatisfaction.js'

/**
 * Choosing moves: (from, to, qty) triples that cut the total expected dissatisfaction most.
 *
 * Each station's F(x) is convex in x, so it has a service range [low, high] of bike counts
 * whose F is within a tolerance of its minimum (Schuijbroek, Hampshire & van Hoeve's service
 * level interval). A source never gives below its `low` and a sink never takes above its
 * `high`: no move over-drains one station to fill another. Only stations outside their range
 * start a move (one below `low` wants bikes, one above `high` wants space); the partner is any
 * station within the distance limit that can give or take while staying in its own range. Each
 * candidate pair gets the quantity that maximises the two stations' joint reduction of F; then,
 * greedily, the best pair by value per cost (per move, or per crew-minute in the simulation) is
 * taken, both stations' counts move, and the pairs touching them are valued again.
 */

export interface PlanStation {
  id: string
  name: string
  lat: number
  lon: number
  /** Bikes available now, after moves already on their way (ready or assigned tasks). */
  bikes: number
  /** Bikes plus free docks: the room the process runs in (disabled docks and bikes excluded). */
  capacity: number
  /** Bikes a crew may take away: classic bikes (e-bikes stay for riders and charging). */
  movable: number
  /** Renting and installed (a crew may take bikes); returning and installed (may bring). */
  canGive: boolean
  canTake: boolean
  f: Dissatisfaction
}

export interface Range {
  low: number
  high: number
  /** F at the best count. */
  best: number
}

export interface Move {
  from: number
  to: number
  qty: number
  /** Expected failures avoided over the horizon: the suggestion's value. */
  gain: number
  /** Of which at the source (fewer failed returns, maybe a few more failed rentals)... */
  fromGain: number
  /** ...and at the sink. */
  toGain: number
}

export interface SelectOptions {
  vanCapacity: number
  maxMoves: number
  /** Stations within the distance limit of a station (indexes into the station list). */
  neighbours: (station: number) => readonly number[]
  /** A move smaller than this (expected failures avoided) is not worth a trip. */
  minGain?: number
  /** Pairs not to suggest (already a ready/assigned task or someone else's open suggestion). */
  skipPair?: (from: number, to: number) => boolean
  /** What a move costs (1 per move by default; crew-minutes in the simulation). */
  cost?: (from: number, to: number, qty: number) => number
  /** Choose each pair's quantity for the most value per unit of `cost` (else the most value). */
  perCost?: boolean
  /** F tolerance of the service range: `absolute` failures plus `relative` of the minimum. */
  tolerance?: { absolute: number; relative: number }
  /** The stations' service ranges, when the caller has them (they depend on F only). */
  ranges?: readonly Range[]
}

/** How long a crew takes: what a move costs in crew-minutes. */
export interface CrewTiming {
  /** Van speed over road distance. */
  speedKmh: number
  /** Road distance = straight line x this. */
  detour: number
  /** Minutes per bike loaded, and again per bike unloaded. */
  handlingMinutes: number
}

/** The simulation's defaults (balancer evaluate). */
export const DEFAULT_TIMING: CrewTiming = { speedKmh: 20, detour: 1.3, handlingMinutes: 0.5 }

/** Drive minutes for a straight-line distance. */
export function driveMinutes(km: number, timing: CrewTiming = DEFAULT_TIMING): number {
  return ((km * timing.detour) / timing.speedKmh) * 60
}

/** A move's crew-minutes: drive to the source, load, drive to the sink, unload. */
export function moveMinutes(
  approachKm: number,
  km: number,
  qty: number,
  timing: CrewTiming = DEFAULT_TIMING,
): number {
  return (
    driveMinutes(approachKm, timing) + driveMinutes(km, timing) + 2 * qty * timing.handlingMinutes
  )
}

export const DEFAULT_MIN_GAIN = 0.1
const DEFAULT_TOLERANCE = { absolute: 0.25, relative: 0.05 }
/** A bigger load must avoid at least this many more failures per extra bike. */
const MIN_MARGINAL_GAIN = 0.01

export function serviceRange(
  f: Dissatisfaction,
  tolerance: { absolute: number; relative: number } = DEFAULT_TOLERANCE,
): Range {
  const size = f.failedRentals.length
  let bestAt = 0
  let best = Infinity
  for (let x = 0; x < size; x += 1) {
    const value = totalAt(f, x)
    if (value < best - 1e-12) {
      best = value
      bestAt = x
    }
  }
  const limit = best + tolerance.absolute + tolerance.relative * best
  let low = bestAt
  let high = bestAt
  while (low > 0 && totalAt(f, low - 1) <= limit) low -= 1
  while (high < size - 1 && totalAt(f, high + 1) <= limit) high += 1
  return { low, high, best }
}

interface Pair {
  from: number
  to: number
  move: Move | null
  score: number
}

/**
 * The best quantity for one pair at the stations' current counts, or null if none helps.
 * Without `cost`, the quantity that avoids the most failures (a bigger load only if each extra
 * bike avoids at least MIN_MARGINAL_GAIN more); with it (what the move costs for a quantity, in
 * crew-minutes), the quantity that avoids the most failures per unit of cost: the fixed part of a
 * trip (driving) argues for a fuller van, the handling per bike and F's diminishing returns for
 * fewer bikes.
 */
export function bestMove(
  source: PlanStation,
  sink: PlanStation,
  sourceRange: Range,
  sinkRange: Range,
  vanCapacity: number,
  cost?: (qty: number) => number,
): (Omit<Move, 'from' | 'to'> & { score: number }) | null {
  const most = Math.min(
    vanCapacity,
    source.movable,
    source.bikes - sourceRange.low,
    sinkRange.high - sink.bikes,
    sink.capacity - sink.bikes,
  )
  if (most < 1) return null
  const sourceNow = totalAt(source.f, source.bikes)
  const sinkNow = totalAt(sink.f, sink.bikes)
  let chosen: (Omit<Move, 'from' | 'to'> & { score: number }) | null = null
  for (let qty = 1; qty <= most; qty += 1) {
    const fromGain = sourceNow - totalAt(source.f, source.bikes - qty)
    const toGain = sinkNow - totalAt(sink.f, sink.bikes + qty)
    const gain = fromGain + toGain
    if (cost) {
      const score = gain / Math.max(cost(qty), 1e-9)
      if (!chosen || score > chosen.score + 1e-12) chosen = { qty, gain, fromGain, toGain, score }
    } else if (!chosen || gain > chosen.gain + MIN_MARGINAL_GAIN * (qty - chosen.qty)) {
      chosen = { qty, gain, fromGain, toGain, score: gain }
    }
  }
  return chosen && chosen.gain > 0 ? chosen : null
}

export function selectMoves(stations: readonly PlanStation[], options: SelectOptions): Move[] {
  const minGain = options.minGain ?? DEFAULT_MIN_GAIN
  const cost = options.cost ?? (() => 1)
  const ranges =
    options.ranges ?? stations.map((station) => serviceRange(station.f, options.tolerance))
  // The plan moves bikes; the caller's stations stay as they were.
  const bikes = stations.map((station) => station.bikes)
  const movable = stations.map((station) => station.movable)
  const current = (index: number): PlanStation => {
    const station = stations[index] as PlanStation
    return { ...station, bikes: bikes[index] as number, movable: movable[index] as number }
  }

  const pairs: Pair[] = []
  const byStation = new Map<number, number[]>()
  const seen = new Set<number>()
  const addPair = (from: number, to: number) => {
    if (from === to) return
    const key = from * stations.length + to
    if (seen.has(key) || options.skipPair?.(from, to)) return
    seen.add(key)
    const index = pairs.push({ from, to, move: null, score: -Infinity }) - 1
    for (const station of [from, to]) {
      const list = byStation.get(station)
      if (list) list.push(index)
      else byStation.set(station, [index])
    }
  }
  stations.forEach((station, index) => {
    const range = ranges[index] as Range
    if (station.canTake && station.bikes < range.low) {
      for (const other of options.neighbours(index)) {
        const partner = stations[other] as PlanStation
        if (partner.canGive && partner.bikes > (ranges[other] as Range).low) addPair(other, index)
      }
    }
    if (station.canGive && station.bikes > range.high && station.movable > 0) {
      for (const other of options.neighbours(index)) {
        const partner = stations[other] as PlanStation
        if (partner.canTake && partner.bikes < (ranges[other] as Range).high) addPair(index, other)
      }
    }
  })

  const value = (pair: Pair) => {
    const found = bestMove(
      current(pair.from),
      current(pair.to),
      ranges[pair.from] as Range,
      ranges[pair.to] as Range,
      options.vanCapacity,
      options.cost && options.perCost ? (qty) => cost(pair.from, pair.to, qty) : undefined,
    )
    if (found && found.gain >= minGain) {
      const { qty, gain, fromGain, toGain } = found
      pair.move = { from: pair.from, to: pair.to, qty, gain, fromGain, toGain }
      pair.score = gain / cost(pair.from, pair.to, qty)
    } else {
      pair.move = null
      pair.score = -Infinity
    }
  }
  pairs.forEach(value)

  const chosen: Move[] = []
  const used = new Set<Pair>()
  while (chosen.length < options.maxMoves) {
    let best: Pair | null = null
    for (const pair of pairs) {
      if (pair.move && (!best || pair.score > best.score)) best = pair
    }
    if (!best?.move) break
    const move = best.move
    chosen.push(move)
    bikes[move.from] = (bikes[move.from] as number) - move.qty
    movable[move.from] = (movable[move.from] as number) - move.qty
    bikes[move.to] = (bikes[move.to] as number) + move.qty
    // One suggestion per pair: the same pair again is the same trip.
    used.add(best)
    best.move = null
    best.score = -Infinity
    const touched = new Set([
      ...(byStation.get(move.from) ?? []),
      ...(byStation.get(move.to) ?? []),
    ])
    for (const index of touched) {
      const pair = pairs[index] as Pair
      if (!used.has(pair)) value(pair)
    }
  }
  return chosen
}
