import { describe, expect, it } from 'vitest'
import { addTrips, emptyCounts, fitDemand } from '../../src/server/engine/demand.js'
import { checkDay } from '../../src/server/engine/simulation/checker.js'
import { noPolicy, oursPolicy, seedPolicy } from '../../src/server/engine/simulation/policies.js'
import { createRandom } from '../../src/server/engine/simulation/random.js'
import { runsPolicy } from '../../src/server/engine/simulation/runs-policy.js'
import {
  DEFAULT_SIM,
  drawRiders,
  simulateDay,
  type DayTrip,
  type Policy,
  type SimResult,
  type SimSettings,
  type SimStation,
} from '../../src/server/engine/simulation/simulator.js'

/** The element at an index, which the test knows is there. */
function get<T>(list: ArrayLike<T>, index: number): T {
  const value = list[index]
  if (value === undefined) throw new Error(`nothing at ${index}`)
  return value
}

// Six stations in a row 600 m apart; riders flow from the west end (0-2) to the east end (3-5)
// in the morning and back in the evening, so the west empties and the east fills.
const stations: SimStation[] = Array.from({ length: 6 }, (_, index) => ({
  id: String(index),
  name: `Station ${index}`,
  lat: 37.77,
  lon: -122.43 + index * 0.0068,
  capacity: 15,
  bikes: 8,
  canRent: true,
  canReturn: true,
}))

function dayTrips(): DayTrip[] {
  const random = createRandom(99)
  const trips: DayTrip[] = []
  for (let k = 0; k < 400; k += 1) {
    const morning = k < 250
    const origin = morning ? random.int(3) : 3 + random.int(3)
    const destination = morning ? 3 + random.int(3) : random.int(3)
    const start = morning ? 420 + random.next() * 240 : 960 + random.next() * 240
    trips.push({ origin, destination, start, minutes: 8 + random.next() * 10 })
  }
  return trips
}

const settings: SimSettings = { ...DEFAULT_SIM, crews: 2, depot: 2 }
const date = '2018-02-27'

function fit() {
  const counts = emptyCounts(
    stations.map((s) => s.id),
    [1, 0],
  )
  for (const trip of dayTrips()) {
    addTrips(counts, trip.origin, 0, Math.floor(trip.start / 15), 1, 0)
    addTrips(counts, trip.destination, 0, Math.floor((trip.start + trip.minutes) / 15), 0, 1)
  }
  return fitDemand(counts)
}

function policies() {
  const model = fit()
  const seedNetFlow = new Float64Array(stations.length * 7 * 96)
  return [
    noPolicy(),
    seedPolicy({ date, stations, stationIds: model.stationIds, seedNetFlow, index: model.index }),
    oursPolicy({ date, stations, model, horizonMinutes: 180, radiusKm: 5 }),
    runsPolicy({ date, stations, model, horizonMinutes: 180 }),
  ]
}

describe('the simulated service day', () => {
  const riders = drawRiders(dayTrips(), stations.length, settings, createRandom(1))

  it('conserves bikes and passes the independent checker under every policy', () => {
    for (const policy of policies()) {
      const result = simulateDay(stations, riders, policy, settings)
      const check = checkDay(stations, settings, result.log, result)
      expect(check.errors).toEqual([])
      expect(check.bikesAtEnd.stations + check.bikesAtEnd.vans + check.bikesAtEnd.riders).toBe(48)
      expect(result.finalBikes.reduce((a, b) => a + b, 0) + result.ridersOut).toBe(
        48 - result.vanLoads.reduce((a, b) => a + b, 0),
      )
      if (policy.name !== 'none') expect(result.moves).toBeGreaterThan(0)
    }
  })

  it('fails fewer riders with the engine, pair moves or runs, than without rebalancing', () => {
    const [none, , ours, runs] = policies().map((policy) =>
      simulateDay(stations, riders, policy, settings),
    )
    const total = (r: { failedRentals: number; failedReturns: number }) =>
      r.failedRentals + r.failedReturns
    expect(total(ours as SimResult)).toBeLessThan(total(none as SimResult))
    expect(total(runs as SimResult)).toBeLessThan(total(none as SimResult))
  })

  it("makes a run's stops in order and keeps what is left on board for the van's next run", () => {
    const loads: number[] = []
    let given = false
    const policy: Policy = {
      name: 'two pickups, one drop-off',
      decide(context) {
        if (given) {
          loads.push(...context.idleCrews.map((crew) => crew.load))
          return []
        }
        given = true
        expect(context.pendingStops).toEqual([])
        return [
          {
            crew: 0,
            stops: [
              { station: 4, qty: 3 },
              { station: 5, qty: 3 },
              { station: 0, qty: -4 },
            ],
          },
        ]
      },
    }
    const result = simulateDay(stations, [], policy, { ...settings, crews: 1 })
    const work = result.log.filter((entry) => entry.kind === 'pickup' || entry.kind === 'dropoff')
    expect(work.map((entry) => [entry.kind, 'station' in entry ? entry.station : -1])).toEqual([
      ['pickup', 4],
      ['pickup', 5],
      ['dropoff', 0],
    ])
    expect(result.vanLoads).toEqual([2])
    expect(loads.every((load) => load === 2)).toBe(true)
    expect(loads.length).toBeGreaterThan(0)
    expect(checkDay(stations, { ...settings, crews: 1 }, result.log, result).errors).toEqual([])
  })

  it('gives the same day for the same seed, and another for another seed', () => {
    const again = drawRiders(dayTrips(), stations.length, settings, createRandom(1))
    expect(again).toEqual(riders)
    const other = drawRiders(dayTrips(), stations.length, settings, createRandom(2))
    expect(other).not.toEqual(riders)
    const ours = get(policies(), 2)
    const a = simulateDay(stations, riders, ours, settings)
    const b = simulateDay(stations, riders, get(policies(), 2), settings)
    expect(b.log).toEqual(a.log)
  })

  it('lets a van do a chain of moves without waiting for the next decision', () => {
    let asked = 0
    let busyTicks = 0
    const chain = {
      name: 'chain',
      decide: (context: Parameters<Policy['decide']>[0]) => {
        asked += 1
        if (asked > 1) {
          // A van with a chain under way is not idle.
          if (context.underWay.length > 0) busyTicks += 1
          expect(context.underWay.length > 0 && context.idleCrews.length > 0).toBe(false)
          return []
        }
        return [
          { crew: 0, from: 5, to: 0, qty: 5 },
          { crew: 0, from: 4, to: 1, qty: 5 },
          { crew: 0, from: 3, to: 2, qty: 30 }, // more than the van: it loads what fits
        ]
      },
    }
    const quiet = { ...settings, crews: 1, handlingMinutes: 2 }
    const result = simulateDay(stations, [], chain, quiet)
    expect(checkDay(stations, quiet, result.log, result).errors).toEqual([])
    const pickups = result.log.flatMap((entry) => (entry.kind === 'pickup' ? [entry] : []))
    expect(pickups.map((entry) => entry.station)).toEqual([5, 4, 3])
    expect(pickups.map((entry) => entry.qty)).toEqual([5, 5, 8])
    // Each move starts when the one before ends, not at a decision (every 15 minutes).
    const travels = result.log.flatMap((entry) => (entry.kind === 'travel' ? [entry] : []))
    const dropoffs = result.log.flatMap((entry) => (entry.kind === 'dropoff' ? [entry] : []))
    // Station 2 has room for 7 of the last 8: the eighth goes on to the nearest with room.
    expect(travels.map((entry) => entry.to)).toEqual([5, 0, 4, 1, 3, 2, 1])
    expect(get(travels, 2).depart).toBe(get(dropoffs, 0).end)
    expect(get(travels, 4).depart).toBe(get(dropoffs, 1).end)
    expect(get(travels, 2).depart % settings.policyEvery).not.toBe(0)
    expect(result.vanLoads).toEqual([0])
    expect(busyTicks).toBe(0)
  })

  it('gives a van more than one move when it would otherwise wait for the next decision', () => {
    const ours = get(policies(), 2)
    const result = simulateDay(stations, riders, ours, settings)
    const departs = result.log.flatMap((entry) =>
      entry.kind === 'travel' && entry.depart % settings.policyEvery !== 0 ? [entry] : [],
    )
    expect(departs.length).toBeGreaterThan(0)
    expect(checkDay(stations, settings, result.log, result).errors).toEqual([])
  })

  it('catches a log that breaks the rules: a fast van, an overfull van, a lost bike', () => {
    const result = simulateDay(stations, riders, get(policies(), 2), settings)
    const reported = { ...result }
    const travel = result.log.findIndex(
      (entry) => entry.kind === 'travel' && entry.from !== entry.to,
    )
    const fast = result.log.map((entry, index) =>
      index === travel && entry.kind === 'travel'
        ? { ...entry, arrive: entry.depart + 0.01 }
        : entry,
    )
    expect(checkDay(stations, settings, fast, reported).errors.join()).toMatch(/shorter than/)
    const pickup = result.log.findIndex((entry) => entry.kind === 'pickup')
    const heavy = result.log.map((entry, index) =>
      index === pickup && entry.kind === 'pickup'
        ? { ...entry, qty: 99, end: entry.end + 99 }
        : entry,
    )
    expect(checkDay(stations, settings, heavy, reported).errors.join()).toMatch(
      /van carries 99|bikes/,
    )
    const rent = result.log.findIndex((entry) => entry.kind === 'rent')
    const lost = result.log.filter((_, index) => index !== rent)
    expect(checkDay(stations, settings, lost, reported).errors.join()).toMatch(/does not replay/)
    const finalBikes = Int32Array.from(result.finalBikes)
    finalBikes[0] = (finalBikes[0] ?? 0) + 1
    expect(
      checkDay(stations, settings, result.log, { ...reported, finalBikes }).errors.join(),
    ).toMatch(/not conserved by the simulator/)
  })
})
