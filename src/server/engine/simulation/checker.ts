import type { SimStation } from './simulator.types.js'
/**
 * The independent check of a simulated day: replays the simulator's log from the starting state
 * alone, with its own arithmetic (it imports nothing from the simulator or the engine), and
 * verifies that
 *   - no station ever holds fewer than 0 or more than its capacity bikes, a failed rental
 *     happened only at an empty (or not renting) station and a failed return only at a full (or
 *     not returning) one;
 *   - every van drive lasts at least road distance / speed, starts where the van is and not
 *     before it is free; loading and unloading happen where the van is and take at least the
 *     handling time per bike; no van ever carries more than its capacity or less than nothing;
 *   - bikes are conserved: at the end, bikes in stations + in vans + with riders = at the start;
 *   - the counts the simulator reported are the ones the log shows.
 */

/** A station as the check needs it: the simulator's, without its names. */
export type CheckStation = Omit<SimStation, 'id' | 'name'>

export interface CheckSettings {
  crews: number
  vanCapacity: number
  speedKmh: number
  detour: number
  handlingMinutes: number
  depot: number
}

export interface CheckEntry {
  t: number
  kind: string
  station?: number
  crew?: number
  from?: number
  to?: number
  depart?: number
  arrive?: number
  qty?: number
  end?: number
}

export interface Reported {
  failedRentals: number
  failedReturns: number
  moves: number
  bikesMoved: number
  /** The simulator's own end state: must add up to the start, and agree with the replay. */
  finalBikes?: ArrayLike<number>
  vanLoads?: readonly number[]
  ridersOut?: number
}

export interface CheckReport {
  ok: boolean
  errors: string[]
  entries: number
  bikesAtStart: number
  bikesAtEnd: { stations: number; vans: number; riders: number }
}

const EPSILON = 1e-6

function kilometres(a: { lat: number; lon: number }, b: { lat: number; lon: number }): number {
  const rad = Math.PI / 180
  const x = Math.sin(((b.lat - a.lat) * rad) / 2)
  const y = Math.sin(((b.lon - a.lon) * rad) / 2)
  const h = x * x + Math.cos(a.lat * rad) * Math.cos(b.lat * rad) * y * y
  return 2 * 6371.0088 * Math.atan2(Math.sqrt(h), Math.sqrt(Math.max(0, 1 - h)))
}

export function checkDay(
  stations: readonly CheckStation[],
  settings: CheckSettings,
  log: readonly CheckEntry[],
  reported: Reported,
): CheckReport {
  const errors: string[] = []
  const fail = (entry: CheckEntry, index: number, problem: string) => {
    if (errors.length < 50)
      errors.push(`entry ${index} (t=${entry.t.toFixed(2)} ${entry.kind}): ${problem}`)
  }
  const bikes = stations.map((station) => station.bikes)
  const bikesAtStart = bikes.reduce((sum, count) => sum + count, 0)
  const vans = Array.from({ length: settings.crews }, () => ({
    at: settings.depot,
    load: 0,
    freeFrom: -Infinity,
  }))
  let riders = 0
  let lastT = -Infinity
  const counts = { failedRentals: 0, failedReturns: 0, moves: 0, bikesMoved: 0 }

  log.forEach((entry, index) => {
    if (entry.t < lastT - EPSILON) fail(entry, index, `out of time order (after ${lastT})`)
    lastT = Math.max(lastT, entry.t)
    const s = entry.station
    const station = s === undefined ? undefined : stations[s]
    const van = entry.crew === undefined ? undefined : vans[entry.crew]
    switch (entry.kind) {
      case 'rent':
        if (!station || s === undefined) {
          fail(entry, index, 'no such station')
          return
        }
        if (!station.canRent) fail(entry, index, 'rented at a station that is not renting')
        bikes[s] = (bikes[s] as number) - 1
        riders += 1
        break
      case 'return':
        if (!station || s === undefined) {
          fail(entry, index, 'no such station')
          return
        }
        if (!station.canReturn) fail(entry, index, 'returned at a station that is not returning')
        bikes[s] = (bikes[s] as number) + 1
        riders -= 1
        if (riders < 0) fail(entry, index, 'more returns than rentals')
        break
      case 'failed_rental':
        if (!station || s === undefined) {
          fail(entry, index, 'no such station')
          return
        }
        if ((bikes[s] as number) > 0 && station.canRent) {
          fail(entry, index, `failed rental with ${bikes[s]} bikes there`)
        }
        counts.failedRentals += 1
        break
      case 'failed_return':
        if (!station || s === undefined) {
          fail(entry, index, 'no such station')
          return
        }
        if ((bikes[s] as number) < station.capacity && station.canReturn) {
          fail(
            entry,
            index,
            `failed return with ${station.capacity - (bikes[s] as number)} free docks`,
          )
        }
        counts.failedReturns += 1
        break
      case 'travel': {
        if (!van) {
          fail(entry, index, 'no such van')
          return
        }
        const from = entry.from as number
        const to = entry.to as number
        const depart = entry.depart as number
        const arrive = entry.arrive as number
        if (from !== van.at) fail(entry, index, `van is at ${van.at}, not ${from}`)
        if (depart < van.freeFrom - EPSILON)
          fail(entry, index, `leaves at ${depart}, busy until ${van.freeFrom}`)
        const a = stations[from]
        const b = stations[to]
        if (!a || !b) {
          fail(entry, index, 'no such station')
          return
        }
        const least = ((kilometres(a, b) * settings.detour) / settings.speedKmh) * 60
        if (arrive - depart < least - EPSILON) {
          fail(
            entry,
            index,
            `drive of ${(arrive - depart).toFixed(3)} min is shorter than ${least.toFixed(3)}`,
          )
        }
        van.at = to
        van.freeFrom = arrive
        break
      }
      case 'pickup':
      case 'dropoff': {
        if (!van || !station || s === undefined) {
          fail(entry, index, 'no such van or station')
          return
        }
        const qty = entry.qty as number
        if (!(qty >= 1) || !Number.isInteger(qty)) fail(entry, index, `quantity ${qty}`)
        if (van.at !== s) fail(entry, index, `van is at ${van.at}, not ${s}`)
        if (entry.t < van.freeFrom - EPSILON) fail(entry, index, `starts before the van arrives`)
        if ((entry.end as number) - entry.t < qty * settings.handlingMinutes - EPSILON) {
          fail(entry, index, 'handling faster than allowed')
        }
        if (entry.kind === 'pickup') {
          bikes[s] = (bikes[s] as number) - qty
          van.load += qty
          counts.moves += 1
        } else {
          bikes[s] = (bikes[s] as number) + qty
          van.load -= qty
          counts.bikesMoved += qty
        }
        if (van.load > settings.vanCapacity) fail(entry, index, `van carries ${van.load}`)
        if (van.load < 0) fail(entry, index, `van carries ${van.load}`)
        van.freeFrom = entry.end as number
        break
      }
      default:
        fail(entry, index, 'unknown kind')
    }
    if (s !== undefined && station) {
      if ((bikes[s] as number) < 0) fail(entry, index, `station ${s} has ${bikes[s]} bikes`)
      if ((bikes[s] as number) > station.capacity) {
        fail(entry, index, `station ${s} has ${bikes[s]} bikes for ${station.capacity} docks`)
      }
    }
  })

  const atEnd = {
    stations: bikes.reduce((sum, count) => sum + count, 0),
    vans: vans.reduce((sum, van) => sum + van.load, 0),
    riders,
  }
  if (atEnd.stations + atEnd.vans + atEnd.riders !== bikesAtStart) {
    errors.push(
      `bikes not conserved: ${bikesAtStart} at the start, ${atEnd.stations} in stations + ${atEnd.vans} in vans + ${atEnd.riders} with riders at the end`,
    )
  }
  if (reported.finalBikes && reported.vanLoads && reported.ridersOut !== undefined) {
    const claimed =
      Array.from(reported.finalBikes).reduce((sum, count) => sum + count, 0) +
      reported.vanLoads.reduce((sum, load) => sum + load, 0) +
      reported.ridersOut
    if (claimed !== bikesAtStart) {
      errors.push(
        `bikes not conserved by the simulator: ${bikesAtStart} at the start, ${claimed} at the end`,
      )
    }
    const differing = bikes.filter((count, index) => count !== reported.finalBikes?.[index]).length
    if (differing > 0 || riders !== reported.ridersOut) {
      errors.push(
        `the log does not replay to the simulator's end state: ${differing} station(s) differ, riders ${riders} vs ${reported.ridersOut}`,
      )
    }
  }
  for (const key of ['failedRentals', 'failedReturns', 'moves', 'bikesMoved'] as const) {
    if (counts[key] !== reported[key]) {
      errors.push(`${key}: reported ${reported[key]}, the log shows ${counts[key]}`)
    }
  }
  return { ok: errors.length === 0, errors, entries: log.length, bikesAtStart, bikesAtEnd: atEnd }
}
