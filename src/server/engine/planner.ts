import type { Database } from '../db/database.js'
import { segmentsAhead, type DemandModel } from './demand.js'
import { expectedDissatisfaction, totalAt, type RateSegment } from './dissatisfaction.js'
import type { SystemRow } from '../systems/system-choice.js'
import { nearestStations } from './station-state.repository.js'
import { distanceKm } from './geo.js'
import type { Live, Proposal } from './live-stations.js'
import {
  moveMinutes,
  selectMoves,
  serviceRange,
  type Move,
  type PlanStation,
  type Range,
} from './moves.js'
import { moveReason } from './reasons.js'

export const DEFAULT_HORIZON_MINUTES = 180
/** Moves are looked for between stations this close (and the seed heuristic's 5 km). */
export const DEFAULT_RADIUS_KM = 5
/** Nearest stations considered as partners of a station in trouble. */
const NEIGHBOURS = 40
/**
 * Where a van comes from is not known when suggesting: a move's crew-minutes assume a drive of
 * this length to its source, then the drive to the sink and the handling of each bike.
 */
const APPROACH_KM = 2

function clockText(minuteOfDay: number): string {
  const minute = Math.round(minuteOfDay) % 1440
  return `${String(Math.floor(minute / 60)).padStart(2, '0')}:${String(minute % 60).padStart(2, '0')}`
}

/** A station's expected failures over the horizon, for each count of bikes it could hold. */
export interface StationFailures {
  stationId: string
  /** Index x: expected failed rentals plus returns when the station starts with x bikes. */
  byBikes: number[]
}

/** F(x) for x = 0..capacity, to 3 decimals: what the Stations table orders by. */
function failuresByBikes(station: PlanStation): number[] {
  const out: number[] = []
  for (let x = 0; x <= station.capacity; x += 1)
    out.push(Math.round(totalAt(station.f, x) * 1000) / 1000)
  return out
}

/**
 * The engine's planner: each live station's expected dissatisfaction over the horizon from the
 * demand model, its service range, and the moves worth most per crew-minute between stations
 * outside their range and their nearest partners.
 */
export async function planEngineMoves(
  db: Database,
  system: SystemRow,
  live: readonly Live[],
  model: DemandModel,
  options: {
    clock: { date: string; minute: number }
    index: ReadonlyMap<string, number>
    vanCapacity: number
    maxMoves: number
    skipPair: (from: number, to: number) => boolean
  },
): Promise<{ proposals: Proposal[]; note: string | null; failures: StationFailures[] }> {
  const { clock, index } = options
  const horizon = DEFAULT_HORIZON_MINUTES
  const segments: RateSegment[][] = []
  const planStations: PlanStation[] = []
  for (const [position, station] of live.entries()) {
    const at = model.index.get(station.row.station_id)
    const ahead =
      at === undefined
        ? []
        : segmentsAhead(model, at, clock.date, clock.minute, horizon, {
            rentals: station.canGive,
            returns: station.canTake,
          })
    segments.push(ahead)
    planStations.push({
      id: station.row.station_id,
      name: station.row.name,
      lat: station.row.lat,
      lon: station.row.lon,
      bikes: station.bikes,
      capacity: station.capacity,
      movable: station.movable,
      canGive: station.canGive,
      canTake: station.canTake,
      f: expectedDissatisfaction(station.capacity, ahead),
    })
    // 2,000 stations take a few hundred ms: let requests in between.
    if (position % 200 === 199) await new Promise((resolve) => setImmediate(resolve))
  }
  const ranges = planStations.map((station) => serviceRange(station.f))
  const urgent = planStations
    .filter((station, position) => {
      const range = ranges[position] as Range
      return (
        (station.canTake && station.bikes < range.low) ||
        (station.canGive && station.bikes > range.high)
      )
    })
    .map((station) => station.id)
  const nearby = await nearestStations(db, system.systemId, urgent, DEFAULT_RADIUS_KM, NEIGHBOURS)
  const neighbours = new Map<number, number[]>()
  for (const pair of nearby) {
    const a = index.get(pair.station_id)
    const b = index.get(pair.neighbour_id)
    if (a === undefined || b === undefined) continue
    const list = neighbours.get(a)
    if (list) list.push(b)
    else neighbours.set(a, [b])
  }
  const moves: Move[] = selectMoves(planStations, {
    vanCapacity: options.vanCapacity,
    maxMoves: options.maxMoves,
    neighbours: (position) => neighbours.get(position) ?? [],
    skipPair: options.skipPair,
    // Value per crew-minute, in the choice of pairs and of each pair's quantity.
    cost: (from, to, qty) =>
      moveMinutes(
        APPROACH_KM,
        distanceKm(planStations[from] as PlanStation, planStations[to] as PlanStation),
        qty,
      ),
    perCost: true,
  })
  const horizonEnd = clockText(clock.minute + horizon)
  // Reasons are told at the counts each move starts from (earlier moves of the run applied).
  const counts = planStations.map((station) => station.bikes)
  const proposals = moves.map((move) => {
    const source = {
      ...(planStations[move.from] as PlanStation),
      bikes: counts[move.from] as number,
    }
    const sink = { ...(planStations[move.to] as PlanStation), bikes: counts[move.to] as number }
    const reason = moveReason(
      move,
      source,
      sink,
      ranges[move.from] as Range,
      ranges[move.to] as Range,
      { source: segments[move.from] ?? [], sink: segments[move.to] ?? [] },
      { horizonEnd, minuteOfDay: clock.minute },
    )
    counts[move.from] = (counts[move.from] as number) - move.qty
    counts[move.to] = (counts[move.to] as number) + move.qty
    return {
      from: live[move.from] as Live,
      to: live[move.to] as Live,
      qty: move.qty,
      value: Math.round(move.gain * 100) / 100,
      reason,
    }
  })
  return {
    proposals,
    failures: planStations.map((station) => ({
      stationId: station.id,
      byBikes: failuresByBikes(station),
    })),
    note: proposals.length
      ? null
      : `every station is within its service range for the next ${horizon / 60} h, or no partner within ${DEFAULT_RADIUS_KM} km can help`,
  }
}
