import { describe, expect, it } from 'vitest'
import { expectedDissatisfaction, totalAt } from '../../src/server/engine/dissatisfaction.js'
import { distanceKm, neighboursWithin } from '../../src/server/engine/geo.js'
import {
  bestMove,
  moveMinutes,
  selectMoves,
  serviceRange,
  type PlanStation,
} from '../../src/server/engine/moves.js'
import { seedHeuristicMoves, type SeedStation } from '../../src/server/engine/seed-heuristic.js'
import { createRandom } from '../../src/server/engine/simulation/random.js'

/** The element at an index, which the test knows is there. */
function get<T>(list: ArrayLike<T>, index: number): T {
  const value = list[index]
  if (value === undefined) throw new Error(`nothing at ${index}`)
  return value
}

function station(
  id: number,
  bikes: number,
  capacity: number,
  rentalsPerHour: number,
  returnsPerHour: number,
  position: { lat: number; lon: number } = { lat: 37.77 + id * 0.002, lon: -122.42 },
): PlanStation {
  return {
    id: String(id),
    name: `Station ${id}`,
    ...position,
    bikes,
    capacity,
    movable: bikes,
    canGive: true,
    canTake: true,
    f: expectedDissatisfaction(capacity, [
      { minutes: 180, rentals: rentalsPerHour / 60, returns: returnsPerHour / 60 },
    ]),
  }
}

const everyone = (stations: readonly PlanStation[]) => {
  const near = neighboursWithin(stations, 5)
  return (index: number) => near[index] ?? []
}

describe('choosing moves', () => {
  it('moves bikes from a station filling up to one running empty, within both ranges', () => {
    const stations = [
      station(0, 1, 20, 10, 2), // busy rentals, nearly empty
      station(1, 18, 20, 2, 10), // busy returns, nearly full
      station(2, 10, 20, 3, 3), // quiet, balanced
    ]
    const moves = selectMoves(stations, {
      vanCapacity: 20,
      maxMoves: 5,
      neighbours: everyone(stations),
    })
    expect(moves[0]).toMatchObject({ from: 1, to: 0 })
    const first = moves[0]
    if (!first) throw new Error('no move')
    const before = totalAt(get(stations, 0).f, 1) + totalAt(get(stations, 1).f, 18)
    const after =
      totalAt(get(stations, 0).f, 1 + first.qty) + totalAt(get(stations, 1).f, 18 - first.qty)
    expect(first.gain).toBeCloseTo(before - after, 9)
    const source = serviceRange(get(stations, 1).f)
    const sink = serviceRange(get(stations, 0).f)
    expect(18 - first.qty).toBeGreaterThanOrEqual(source.low)
    expect(1 + first.qty).toBeLessThanOrEqual(sink.high)
  })

  it('suggests nothing where nothing helps: a balanced system, or partners out of reach', () => {
    const balanced = [station(0, 10, 20, 3, 3), station(1, 10, 20, 3, 3)]
    expect(
      selectMoves(balanced, { vanCapacity: 20, maxMoves: 5, neighbours: everyone(balanced) }),
    ).toEqual([])
    const far = [
      station(0, 0, 20, 10, 2, { lat: 37.7, lon: -122.4 }),
      station(1, 20, 20, 2, 10, { lat: 37.9, lon: -122.4 }),
    ]
    expect(selectMoves(far, { vanCapacity: 20, maxMoves: 5, neighbours: everyone(far) })).toEqual(
      [],
    )
  })

  it('never breaks capacity, the van, or a range, and never suggests a move without value', () => {
    const random = createRandom(11)
    for (let round = 0; round < 60; round += 1) {
      const stations = Array.from({ length: 25 }, (_, id) => {
        const capacity = 5 + random.int(30)
        const s = station(
          id,
          random.int(capacity + 1),
          capacity,
          random.next() * 12,
          random.next() * 12,
          {
            lat: 37.76 + random.next() * 0.03,
            lon: -122.43 + random.next() * 0.03,
          },
        )
        s.movable = Math.max(0, s.bikes - random.int(3))
        return s
      })
      const vanCapacity = 3 + random.int(18)
      const skip = new Set(['0>1', '2>3'])
      const moves = selectMoves(stations, {
        vanCapacity,
        maxMoves: 15,
        neighbours: everyone(stations),
        skipPair: (from, to) => skip.has(`${from}>${to}`),
      })
      const bikes = stations.map((s) => s.bikes)
      const taken = stations.map(() => 0)
      const pairs = new Set<string>()
      for (const move of moves) {
        expect(move.qty).toBeGreaterThanOrEqual(1)
        expect(move.qty).toBeLessThanOrEqual(vanCapacity)
        expect(move.gain).toBeGreaterThan(0.09)
        expect(skip.has(`${move.from}>${move.to}`)).toBe(false)
        expect(pairs.has(`${move.from}>${move.to}`)).toBe(false)
        pairs.add(`${move.from}>${move.to}`)
        const source = get(stations, move.from)
        const sink = get(stations, move.to)
        // The gain is what F says at the counts when the move is made.
        const gain =
          totalAt(source.f, get(bikes, move.from)) -
          totalAt(source.f, get(bikes, move.from) - move.qty) +
          totalAt(sink.f, get(bikes, move.to)) -
          totalAt(sink.f, get(bikes, move.to) + move.qty)
        expect(move.gain).toBeCloseTo(gain, 9)
        bikes[move.from] = get(bikes, move.from) - move.qty
        bikes[move.to] = get(bikes, move.to) + move.qty
        taken[move.from] = get(taken, move.from) + move.qty
        expect(taken[move.from]).toBeLessThanOrEqual(source.movable)
        expect(bikes[move.from]).toBeGreaterThanOrEqual(serviceRange(source.f).low)
        expect(bikes[move.to]).toBeLessThanOrEqual(
          Math.min(sink.capacity, serviceRange(sink.f).high),
        )
      }
    }
  })
})

describe('value per crew-minute', () => {
  const sink = station(0, 0, 30, 12, 1) // empties fast
  const source = station(1, 28, 30, 1, 12) // fills fast
  const range = (s: PlanStation) => serviceRange(s.f)

  it("chooses the quantity with the most failures avoided per minute of the crew's time", () => {
    for (const approachKm of [0, 1, 3, 6]) {
      const cost = (qty: number) => moveMinutes(approachKm, distanceKm(source, sink), qty)
      const move = bestMove(source, sink, range(source), range(sink), 20, cost)
      if (!move) throw new Error('no move')
      for (let qty = 1; qty <= 20; qty += 1) {
        if (source.bikes - qty < range(source).low || sink.bikes + qty > range(sink).high) break
        const gain =
          totalAt(source.f, source.bikes) -
          totalAt(source.f, source.bikes - qty) +
          totalAt(sink.f, sink.bikes) -
          totalAt(sink.f, sink.bikes + qty)
        expect(move.gain / cost(move.qty)).toBeGreaterThanOrEqual(gain / cost(qty) - 1e-12)
      }
    }
  })

  it('fills the van further the longer the drive that the load pays for', () => {
    // Milder rates than above: F's returns diminish before the van is full.
    const empty = station(0, 0, 30, 4, 1)
    const full = station(1, 28, 30, 1, 4)
    const qtyFor = (approachKm: number) =>
      bestMove(full, empty, range(full), range(empty), 20, (qty) =>
        moveMinutes(approachKm, distanceKm(full, empty), qty),
      )?.qty ?? 0
    const near = qtyFor(0)
    const far = qtyFor(8)
    expect(near).toBeGreaterThan(0)
    expect(far).toBeGreaterThan(near)
    expect(far).toBeLessThanOrEqual(20)
  })

  it('prefers the nearer of two partners that avoid as much', () => {
    const near = station(2, 28, 30, 1, 12, { lat: sink.lat + 0.004, lon: sink.lon })
    const far = station(3, 28, 30, 1, 12, { lat: sink.lat + 0.03, lon: sink.lon })
    const stations = [{ ...sink }, far, near]
    const [move] = selectMoves(stations, {
      vanCapacity: 20,
      maxMoves: 1,
      neighbours: everyone(stations),
      cost: (from, to, qty) =>
        moveMinutes(0, distanceKm(get(stations, from), get(stations, to)), qty),
      perCost: true,
    })
    expect(move).toMatchObject({ from: 2, to: 0 })
  })

  it('never breaks capacity, the van or a range, and never suggests a move without value', () => {
    const random = createRandom(23)
    for (let round = 0; round < 40; round += 1) {
      const stations = Array.from({ length: 20 }, (_, id) => {
        const capacity = 5 + random.int(30)
        return station(
          id,
          random.int(capacity + 1),
          capacity,
          random.next() * 12,
          random.next() * 12,
          {
            lat: 37.76 + random.next() * 0.04,
            lon: -122.43 + random.next() * 0.04,
          },
        )
      })
      const vanCapacity = 3 + random.int(18)
      const moves = selectMoves(stations, {
        vanCapacity,
        maxMoves: 12,
        neighbours: everyone(stations),
        cost: (from, to, qty) =>
          moveMinutes(2, distanceKm(get(stations, from), get(stations, to)), qty),
        perCost: true,
      })
      const bikes = stations.map((s) => s.bikes)
      for (const move of moves) {
        expect(move.qty).toBeGreaterThanOrEqual(1)
        expect(move.qty).toBeLessThanOrEqual(vanCapacity)
        expect(move.gain).toBeGreaterThan(0.09)
        bikes[move.from] = get(bikes, move.from) - move.qty
        bikes[move.to] = get(bikes, move.to) + move.qty
        expect(bikes[move.from]).toBeGreaterThanOrEqual(
          serviceRange(get(stations, move.from).f).low,
        )
        expect(bikes[move.to]).toBeLessThanOrEqual(
          Math.min(get(stations, move.to).capacity, serviceRange(get(stations, move.to).f).high),
        )
      }
    }
  })
})

describe('the seed heuristic, as the seed describes it', () => {
  // Capacity 20, target 10. Net flows make the 15-minute predictions:
  //   0: 19 + 0 = 19, full_soon (>= 17), surplus 9
  //   1: 14 - 1 = 13, surplus 3
  //   2:  1 + 0 = 1, empty_soon (<= 2), need 9, 1.0 km from 0
  //   3:  6 + 0 = 6, need 4, 0.5 km from 0 (nearer than 2, but not empty_soon)
  //   4: 10 + 0 = 10: neither (at target)
  //   5:  0 - 0 = 0, empty_soon, need 10, 8 km away: beyond 5 km
  const at = (km: number) => ({ lat: 37.77 + km / 111.2, lon: -122.42 })
  const stations: SeedStation[] = [
    { ...at(0), bikes: 19, capacity: 20, netFlow: 0, usable: true },
    { ...at(0.2), bikes: 14, capacity: 20, netFlow: -1, usable: true },
    { ...at(1), bikes: 1, capacity: 20, netFlow: 0, usable: true },
    { ...at(-0.5), bikes: 6, capacity: 20, netFlow: 0, usable: true },
    { ...at(0.3), bikes: 10, capacity: 20, netFlow: 0, usable: true },
    { ...at(8), bikes: 0, capacity: 20, netFlow: 0, usable: true },
  ]

  it('pairs full_soon sources first with their nearest empty_soon sink, min(surplus, need)', () => {
    const moves = seedHeuristicMoves(stations, { vanCapacity: 20 })
    expect(moves.map(({ from, to, qty }) => ({ from, to, qty }))).toEqual([
      // 0 is full_soon: first; nearest empty_soon sink within 5 km is 2: min(9, 9) = 9.
      { from: 0, to: 2, qty: 9 },
      // 1 (surplus 3): 2's need is used up; the nearest other sink is 3: min(3, 4) = 3.
      { from: 1, to: 3, qty: 3 },
    ])
    expect(moves[0]).toMatchObject({ fullSoon: true, emptySoon: true, predictedFrom: 19 })
  })

  it('respects the van, and leaves out stations it cannot use', () => {
    expect(seedHeuristicMoves(stations, { vanCapacity: 5 })[0]).toMatchObject({ qty: 5 })
    const closed = stations.map((s, index) => (index === 2 ? { ...s, usable: false } : s))
    expect(seedHeuristicMoves(closed, { vanCapacity: 20 })[0]).toMatchObject({
      from: 0,
      to: 3,
      qty: 4,
    })
  })
})
