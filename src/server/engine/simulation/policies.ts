import { segmentsAhead, SLOTS_PER_DAY, isoWeekdayOf, type DemandModel } from '../demand.js'
import { expectedDissatisfaction, type Dissatisfaction } from '../dissatisfaction.js'
import { distanceKm, neighboursWithin } from '../geo.js'
import { selectMoves, serviceRange, type PlanStation } from '../moves.js'
import { seedHeuristicMoves } from '../seed-heuristic.js'
import {
  travelMinutes,
  type Assignment,
  type Policy,
  type PolicyContext,
  type SimStation,
} from './simulator.js'

export const POLICY_NAMES = ['none', 'seed', 'ours', 'runs'] as const
export type PolicyName = (typeof POLICY_NAMES)[number]

export function noPolicy(): Policy {
  return { name: 'none', decide: () => [] }
}

/** At most this many moves in one van's chain. */
const MAX_CHAIN = 4
/**
 * A van busy past the next decision gets one more move when it would otherwise stand idle for
 * longer than this before the decision after (chains end within two decision intervals).
 */
const CHAIN_IDLE_MINUTES = 4

const pairKey = (from: number, to: number) => `${from}>${to}`

/** The seed heuristic's moves, in its order, each to the nearest idle van. */
export function seedPolicy(options: {
  date: string
  stations: readonly SimStation[]
  stationIds: readonly string[]
  seedNetFlow: Float64Array
  index: ReadonlyMap<string, number>
}): Policy {
  const weekday = isoWeekdayOf(options.date) - 1
  const modelIndex = options.stations.map((station) => options.index.get(station.id))
  return {
    name: 'seed',
    decide(context: PolicyContext): Assignment[] {
      const slot = Math.floor(context.minute / 15) % SLOTS_PER_DAY
      const busy = new Set(context.underWay.map((move) => pairKey(move.from, move.to)))
      const moves = seedHeuristicMoves(
        context.stations.map((station, index) => {
          const at = modelIndex[index]
          return {
            lat: station.lat,
            lon: station.lon,
            bikes: context.bikes[index] as number,
            capacity: station.capacity,
            netFlow:
              at === undefined
                ? 0
                : (options.seedNetFlow[(at * 7 + weekday) * SLOTS_PER_DAY + slot] ?? 0),
            usable: station.canRent && station.canReturn,
          }
        }),
        {
          vanCapacity: context.settings.vanCapacity,
          skipPair: (from, to) => busy.has(pairKey(from, to)),
        },
      )
      const idle = [...context.idleCrews]
      const assignments: Assignment[] = []
      for (const move of moves) {
        if (idle.length === 0) break
        let nearest = 0
        for (let k = 1; k < idle.length; k += 1) {
          const here = context.stations[move.from] as SimStation
          const a = context.stations[(idle[k] as { position: number }).position] as SimStation
          const b = context.stations[(idle[nearest] as { position: number }).position] as SimStation
          if (distanceKm(a, here) < distanceKm(b, here)) nearest = k
        }
        const [crew] = idle.splice(nearest, 1)
        if (crew) assignments.push({ crew: crew.crew, from: move.from, to: move.to, qty: move.qty })
      }
      return assignments
    },
  }
}

export interface OursOptions {
  date: string
  stations: readonly SimStation[]
  model: DemandModel
  horizonMinutes: number
  radiusKm: number
}

/**
 * The engine as a simulation policy: F over the horizon for every station at the counts it will
 * have once the moves under way are done, then for each idle van the move (pair and quantity)
 * with the most failures avoided per minute of that van's time (drive to the source, load,
 * drive, unload). A van that would stand idle until the next decision gets a chain: its next
 * move is chosen the same way from the sink where it will be.
 */
export function oursPolicy(options: OursOptions): Policy {
  const neighbours = neighboursWithin(options.stations, options.radiusKm)
  const modelIndex = options.stations.map((station) => options.model.index.get(station.id))
  // F depends on the station and the clock only: the same for every seed of the day.
  const fAt = new Map<number, Dissatisfaction>()
  return {
    name: 'ours',
    decide(context: PolicyContext): Assignment[] {
      const { stations, settings } = context
      const bikes = Array.from(context.bikes)
      for (const move of context.underWay) {
        if (!move.loaded) bikes[move.from] = (bikes[move.from] as number) - move.qty
        bikes[move.to] = (bikes[move.to] as number) + move.qty
      }
      const busy = new Set(context.underWay.map((move) => pairKey(move.from, move.to)))
      const plan: PlanStation[] = stations.map((station, index) => {
        const key = index * 2000 + context.minute
        let f = fAt.get(key)
        if (!f) {
          const at = modelIndex[index]
          const segments =
            at === undefined
              ? []
              : segmentsAhead(
                  options.model,
                  at,
                  options.date,
                  context.minute,
                  options.horizonMinutes,
                  {
                    rentals: station.canRent,
                    returns: station.canReturn,
                  },
                )
          f = expectedDissatisfaction(station.capacity, segments)
          fAt.set(key, f)
        }
        const count = Math.max(0, Math.min(station.capacity, bikes[index] as number))
        return {
          id: station.id,
          name: station.name,
          lat: station.lat,
          lon: station.lon,
          bikes: count,
          capacity: station.capacity,
          movable: count,
          canGive: station.canRent,
          canTake: station.canReturn,
          f,
        }
      })
      const ranges = plan.map((station) => serviceRange(station.f))
      const assignments: Assignment[] = []
      const minutes = (a: number, b: number) =>
        travelMinutes(stations[a] as SimStation, stations[b] as SimStation, settings)
      // Each idle van gets its best move by failures avoided per minute of its time (from where
      // it is); a van whose moves end before the next decision gets another from where it will
      // be then (a chain), rather than standing idle until the next decision.
      const vans = context.idleCrews.map((crew) => ({
        crew: crew.crew,
        at: crew.position,
        busy: 0,
        open: true,
      }))
      for (let round = 0; round < MAX_CHAIN && vans.some((van) => van.open); round += 1) {
        for (const van of vans) {
          if (!van.open) continue
          const [move] = selectMoves(plan, {
            vanCapacity: settings.vanCapacity,
            maxMoves: 1,
            ranges,
            neighbours: (index) => neighbours[index] ?? [],
            skipPair: (from, to) => busy.has(pairKey(from, to)),
            perCost: true,
            cost: (from, to, qty) =>
              minutes(van.at, from) + minutes(from, to) + 2 * qty * settings.handlingMinutes,
          })
          if (!move) {
            van.open = false
            continue
          }
          assignments.push({ crew: van.crew, from: move.from, to: move.to, qty: move.qty })
          busy.add(pairKey(move.from, move.to))
          van.busy +=
            minutes(van.at, move.from) +
            minutes(move.from, move.to) +
            2 * move.qty * settings.handlingMinutes
          van.at = move.to
          // Free before the next decision, or idle for long after it: one more move.
          const idle = Math.ceil(van.busy / settings.policyEvery) * settings.policyEvery - van.busy
          if (
            van.busy >= settings.policyEvery &&
            (idle <= CHAIN_IDLE_MINUTES || van.busy >= 2 * settings.policyEvery)
          ) {
            van.open = false
          }
          const source = plan[move.from] as PlanStation
          const sink = plan[move.to] as PlanStation
          plan[move.from] = {
            ...source,
            bikes: source.bikes - move.qty,
            movable: source.movable - move.qty,
          }
          plan[move.to] = { ...sink, bikes: sink.bikes + move.qty }
        }
      }
      return assignments
    },
  }
}
