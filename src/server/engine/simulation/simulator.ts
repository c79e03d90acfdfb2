import { distanceKm } from '../geo.js'
import { EventQueue } from './event-queue.js'
import type { Random } from './random.js'
import {
  type SimStation,
  type DayTrip,
  type SimSettings,
  type Rider,
  type LogEntry,
  type Assignment,
  type UnderWay,
  type Policy,
  type SimResult,
  type StopAssignment,
} from './simulator.types.js'

export { DEFAULT_SIM } from './simulator.types.js'
export type {
  SimStation,
  DayTrip,
  SimSettings,
  Rider,
  LogEntry,
  Assignment,
  RunAssignment,
  StopAssignment,
  PendingStop,
  UnderWay,
  CrewView,
  PolicyContext,
  Policy,
  SimResult,
} from './simulator.types.js'

/**
 * A service day replayed minute by minute (event by event): riders rent and return bikes, vans
 * move them, and every change is written to a log that the independent checker replays.
 *
 * Time is minutes after local midnight of the simulated day. Riders arrive at a station at
 * Poisson times (the day's own observed count per station and 15-minute slot as the mean); a
 * rider finding no bike leaves (a failed rental). A rider's destination and duration are those
 * of one of the day's real trips from the same station that started within an hour of the
 * arrival (else any of that station's trips that day). A rider finding the destination full
 * counts a failed return and rides on to the nearest station with a free dock (at bike speed).
 * Every 15 minutes the policy may send idle vans: a van drives to the source (road distance =
 * straight line x detour, at a fixed speed), loads what is there up to the planned quantity
 * (handling time per bike), drives to the sink and unloads what fits; bikes that do not fit go
 * to the nearest station with room. A policy may give one van several moves at once (a chain):
 * the van starts the next as soon as it has finished the one before (as a crew claims its next
 * task), and counts as busy until the chain is done. The same seed gives the same riders whatever the policy
 * (common random numbers), so policies are compared on identical demand.
 */

/** The riders of one day for one seed: a policy-independent stream (common random numbers). */
export function drawRiders(
  trips: readonly DayTrip[],
  stationCount: number,
  settings: Pick<SimSettings, 'startMinute' | 'endMinute'>,
  random: Random,
): Rider[] {
  const byOrigin: DayTrip[][] = Array.from({ length: stationCount }, () => [])
  for (const trip of trips) byOrigin[trip.origin]?.push(trip)
  const riders: Rider[] = []
  for (let origin = 0; origin < stationCount; origin += 1) {
    const own = (byOrigin[origin] as DayTrip[]).sort((a, b) => a.start - b.start)
    if (own.length === 0) continue
    const stream = random.fork(origin)
    for (let slotStart = settings.startMinute; slotStart < settings.endMinute; slotStart += 15) {
      const observed = own.filter((trip) => trip.start >= slotStart && trip.start < slotStart + 15)
      const count = stream.poisson(observed.length)
      for (let k = 0; k < count; k += 1) {
        const at = slotStart + stream.next() * 15
        const near = own.filter((trip) => Math.abs(trip.start - at) <= 60)
        const pool = near.length > 0 ? near : own
        const template = pool[stream.int(pool.length)] as DayTrip
        riders.push({ at, origin, destination: template.destination, minutes: template.minutes })
      }
    }
  }
  return riders.sort((a, b) => a.at - b.at || a.origin - b.origin)
}

interface Crew {
  position: number
  load: number
  /** Unloading takes until then; the van is free for a new move after it. */
  busyUntil: number
  /** The move being carried out, or null when idle. */
  job: (Assignment & { phase: 'to_source' | 'to_sink' | 'to_overflow'; visited: number[] }) | null
  /** Moves given to this van after the current one, done in order without waiting for a tick. */
  next: Assignment[]
  /** A run's stops still to make, the first being driven to (empty: no run). */
  stops: StopAssignment[]
}

export function travelMinutes(a: SimStation, b: SimStation, settings: SimSettings): number {
  return ((distanceKm(a, b) * settings.detour) / settings.speedKmh) * 60
}

export function simulateDay(
  stations: readonly SimStation[],
  riders: readonly Rider[],
  policy: Policy,
  settings: SimSettings,
): SimResult {
  const bikes = Int32Array.from(stations.map((station) => station.bikes))
  const log: LogEntry[] = []
  const queue = new EventQueue()
  const crews: Crew[] = Array.from({ length: settings.crews }, () => ({
    position: settings.depot,
    load: 0,
    busyUntil: 0,
    job: null,
    next: [],
    stops: [],
  }))
  let failedRentals = 0
  let failedReturns = 0
  let rentals = 0
  let moves = 0
  let bikesMoved = 0
  let ridersOut = 0

  for (const rider of riders) queue.push({ t: rider.at, kind: 'rider', rider })
  for (let t = settings.startMinute; t < settings.endMinute; t += settings.policyEvery) {
    queue.push({ t, kind: 'tick' })
  }

  const station = (index: number) => stations[index] as SimStation
  const drive = (crewIndex: number, to: number, depart: number, now: number) => {
    const crew = crews[crewIndex] as Crew
    const arrive = depart + travelMinutes(station(crew.position), station(to), settings)
    log.push({ t: now, kind: 'travel', crew: crewIndex, from: crew.position, to, depart, arrive })
    crew.position = to
    queue.push({ t: arrive, kind: 'crew', crew: crewIndex })
  }
  const start = (crewIndex: number, assignment: Assignment, depart: number, now: number) => {
    const crew = crews[crewIndex] as Crew
    crew.job = { ...assignment, phase: 'to_source', visited: [] }
    drive(crewIndex, assignment.from, depart, now)
  }
  /** The van is free at `at`: on to its next move, if it has one. */
  const nextMove = (crewIndex: number, at: number, now: number) => {
    const crew = crews[crewIndex] as Crew
    crew.job = null
    const following = crew.next.shift()
    if (following) start(crewIndex, following, at, now)
  }
  const nearestWithRoom = (from: number, excluded: readonly number[]): number | null => {
    let best: number | null = null
    let bestKm = Infinity
    for (let index = 0; index < stations.length; index += 1) {
      if (excluded.includes(index) || !station(index).canReturn) continue
      if ((bikes[index] as number) >= station(index).capacity) continue
      const km = distanceKm(station(from), station(index))
      if (km < bestKm) {
        bestKm = km
        best = index
      }
    }
    return best
  }

  /** A run's van at its stop: loads or unloads what it can, then drives on to the next. */
  const makeStop = (crewIndex: number, t: number) => {
    const crew = crews[crewIndex] as Crew
    const stop = crew.stops.shift() as StopAssignment
    const here = crew.position
    const qty =
      stop.qty > 0
        ? Math.min(stop.qty, bikes[here] as number, settings.vanCapacity - crew.load)
        : Math.min(-stop.qty, crew.load, station(here).capacity - (bikes[here] as number))
    let end = t
    if (qty > 0) {
      const sign = stop.qty > 0 ? 1 : -1
      bikes[here] = (bikes[here] as number) - sign * qty
      crew.load += sign * qty
      end = t + qty * settings.handlingMinutes
      if (sign > 0) moves += 1
      else bikesMoved += qty
      log.push({
        t,
        kind: sign > 0 ? 'pickup' : 'dropoff',
        crew: crewIndex,
        station: here,
        qty,
        end,
      })
    }
    crew.busyUntil = end
    const next = crew.stops[0]
    if (next) drive(crewIndex, next.station, end, t)
  }

  for (let event = queue.pop(); event && event.t < settings.endMinute; event = queue.pop()) {
    const t = event.t
    switch (event.kind) {
      case 'rider': {
        const { origin, destination, minutes } = event.rider
        if ((bikes[origin] as number) > 0 && station(origin).canRent) {
          bikes[origin] = (bikes[origin] as number) - 1
          rentals += 1
          ridersOut += 1
          log.push({ t, kind: 'rent', station: origin })
          queue.push({ t: t + minutes, kind: 'arrive', station: destination, tried: [] })
        } else {
          failedRentals += 1
          log.push({ t, kind: 'failed_rental', station: origin })
        }
        break
      }
      case 'arrive': {
        const here = event.station
        if ((bikes[here] as number) < station(here).capacity && station(here).canReturn) {
          bikes[here] = (bikes[here] as number) + 1
          ridersOut -= 1
          log.push({ t, kind: 'return', station: here })
        } else {
          failedReturns += 1
          log.push({ t, kind: 'failed_return', station: here })
          const tried = [...event.tried, here]
          const next = nearestWithRoom(here, tried)
          if (next !== null) {
            const minutes = (distanceKm(station(here), station(next)) / settings.bikeSpeedKmh) * 60
            queue.push({ t: t + minutes, kind: 'arrive', station: next, tried })
          }
        }
        break
      }
      case 'tick': {
        const idleCrews = crews.flatMap((crew, index) =>
          crew.job === null &&
          crew.next.length === 0 &&
          crew.stops.length === 0 &&
          crew.busyUntil <= t
            ? [{ crew: index, position: crew.position, load: crew.load }]
            : [],
        )
        if (idleCrews.length === 0) break
        const underWay = crews.flatMap((crew, index): UnderWay[] => [
          ...(crew.job && crew.job.phase !== 'to_overflow'
            ? [
                {
                  crew: index,
                  from: crew.job.from,
                  to: crew.job.to,
                  // Loaded bikes are off the source already; the plan still owes the sink.
                  qty: crew.job.phase === 'to_sink' ? crew.load : crew.job.qty,
                  loaded: crew.job.phase === 'to_sink',
                },
              ]
            : []),
          ...crew.next.map((move) => ({ ...move, crew: index, loaded: false })),
        ])
        const assignments = policy.decide({
          minute: t,
          bikes,
          stations,
          idleCrews,
          underWay,
          pendingStops: crews.flatMap((crew, index) =>
            crew.stops.map((stop) => ({ ...stop, crew: index })),
          ),
          settings,
        })
        const idle = new Set(idleCrews.map((crew) => crew.crew))
        for (const assignment of assignments) {
          const crew = crews[assignment.crew]
          if ('stops' in assignment) {
            const stops = assignment.stops.filter((stop) => stop.qty !== 0)
            if (!crew || !idle.has(assignment.crew) || stops.length === 0) continue
            idle.delete(assignment.crew)
            crew.stops = stops
            drive(assignment.crew, (stops[0] as StopAssignment).station, t, t)
            continue
          }
          if (
            !crew ||
            !idle.has(assignment.crew) ||
            assignment.qty < 1 ||
            assignment.from === assignment.to
          ) {
            continue
          }
          // The van's first move starts now; any further ones follow it in order.
          if (crew.job === null) start(assignment.crew, assignment, t, t)
          else crew.next.push({ ...assignment })
        }
        break
      }
      case 'crew': {
        const crew = crews[event.crew] as Crew
        const job = crew.job
        if (!job && crew.stops.length > 0) {
          makeStop(event.crew, t)
          break
        }
        if (!job) break
        if (job.phase === 'to_source') {
          const qty = Math.min(job.qty, bikes[job.from] as number, settings.vanCapacity - crew.load)
          if (qty < 1) {
            nextMove(event.crew, t, t)
            break
          }
          bikes[job.from] = (bikes[job.from] as number) - qty
          crew.load += qty
          const end = t + qty * settings.handlingMinutes
          log.push({ t, kind: 'pickup', crew: event.crew, station: job.from, qty, end })
          moves += 1
          job.phase = 'to_sink'
          drive(event.crew, job.to, end, t)
          break
        }
        const room = station(crew.position).capacity - (bikes[crew.position] as number)
        const qty = Math.min(crew.load, Math.max(0, room))
        let end = t
        if (qty > 0) {
          bikes[crew.position] = (bikes[crew.position] as number) + qty
          crew.load -= qty
          bikesMoved += qty
          end = t + qty * settings.handlingMinutes
          log.push({ t, kind: 'dropoff', crew: event.crew, station: crew.position, qty, end })
        }
        crew.busyUntil = end
        if (crew.load === 0) {
          nextMove(event.crew, end, t)
          break
        }
        job.visited.push(crew.position)
        job.phase = 'to_overflow'
        const next = nearestWithRoom(crew.position, job.visited)
        if (next === null) break
        drive(event.crew, next, end, t)
        break
      }
    }
  }
  return {
    failedRentals,
    failedReturns,
    rentals,
    moves,
    bikesMoved,
    log,
    finalBikes: bikes,
    vanLoads: crews.map((crew) => crew.load),
    ridersOut,
  }
}
