import { describe, expect, it } from 'vitest'
import {
  expectedDissatisfaction,
  fluidCrossing,
  totalAt,
  type RateSegment,
} from '../../src/server/engine/dissatisfaction.js'
import { createRandom } from '../../src/server/engine/simulation/random.js'

const constant = (minutes: number, rentals: number, returns: number): RateSegment[] => [
  { minutes, rentals, returns },
]

describe('expected dissatisfaction F_s(x)', () => {
  it('matches the closed form for capacity 1 with constant rates', () => {
    const [lambda, mu, T] = [0.3, 0.2, 180]
    const f = expectedDissatisfaction(1, constant(T, lambda, mu))
    const s = lambda + mu
    const pi1 = mu / s
    for (const x of [0, 1]) {
      const transient = ((x - pi1) * (1 - Math.exp(-s * T))) / s
      const rentals = lambda * ((1 - pi1) * T - transient)
      const returns = mu * (pi1 * T + transient)
      expect(f.failedRentals[x]).toBeCloseTo(rentals, 9)
      expect(f.failedReturns[x]).toBeCloseTo(returns, 9)
    }
  })

  it('matches the closed form for capacity 2 with returns only', () => {
    const [mu, T] = [0.05, 90]
    const f = expectedDissatisfaction(2, constant(T, 0, mu))
    // From empty, a return fails once two have arrived: mu * integral of P(N(t) >= 2).
    const fromEmpty = mu * T - (2 - Math.exp(-mu * T) * (2 + mu * T))
    expect(f.failedReturns[0]).toBeCloseTo(fromEmpty, 9)
    // From one bike: mu * integral of P(N(t) >= 1).
    expect(f.failedReturns[1]).toBeCloseTo(mu * T - (1 - Math.exp(-mu * T)), 9)
    expect(f.failedReturns[2]).toBeCloseTo(mu * T - 0, 9)
    expect([...f.failedRentals]).toEqual([0, 0, 0])
  })

  it('matches the closed form for capacity 2 with equal rates', () => {
    const [r, T] = [0.1, 120]
    const f = expectedDissatisfaction(2, constant(T, r, r))
    expect(totalAt(f, 1)).toBeCloseTo((2 * r * T) / 3 - (2 * (1 - Math.exp(-3 * r * T))) / 9, 9)
    // Symmetry: starting empty and starting full are mirror images.
    expect(f.failedRentals[0]).toBeCloseTo(f.failedReturns[2] as number, 9)
  })

  it('is zero without demand and grows with the horizon', () => {
    expect([...expectedDissatisfaction(5, constant(60, 0, 0)).failedRentals]).toEqual(
      new Array(6).fill(0),
    )
    const short = expectedDissatisfaction(10, constant(60, 0.2, 0.1))
    const long = expectedDissatisfaction(10, constant(180, 0.2, 0.1))
    for (let x = 0; x <= 10; x += 1) expect(totalAt(long, x)).toBeGreaterThan(totalAt(short, x))
  })

  it('agrees with a Monte Carlo estimate under time-varying rates', () => {
    const segments: RateSegment[] = [
      { minutes: 15, rentals: 0.6, returns: 0.1 },
      { minutes: 15, rentals: 0.9, returns: 0.2 },
      { minutes: 30, rentals: 0.2, returns: 0.4 },
      { minutes: 60, rentals: 0.05, returns: 0.7 },
    ]
    const capacity = 12
    const f = expectedDissatisfaction(capacity, segments)
    const random = createRandom(7)
    const runs = 40_000
    for (const start of [0, 3, 8, 12]) {
      const totals = { rentals: { sum: 0, squares: 0 }, returns: { sum: 0, squares: 0 } }
      for (let run = 0; run < runs; run += 1) {
        let bikes = start
        let rentals = 0
        let returns = 0
        for (const segment of segments) {
          const total = segment.rentals + segment.returns
          let t = random.exponential(total)
          while (t < segment.minutes) {
            if (random.next() * total < segment.rentals) {
              if (bikes === 0) rentals += 1
              else bikes -= 1
            } else if (bikes === capacity) returns += 1
            else bikes += 1
            t += random.exponential(total)
          }
        }
        totals.rentals.sum += rentals
        totals.rentals.squares += rentals * rentals
        totals.returns.sum += returns
        totals.returns.squares += returns * returns
      }
      for (const kind of ['rentals', 'returns'] as const) {
        const { sum, squares } = totals[kind]
        const mean = sum / runs
        const standardError = Math.sqrt((squares / runs - mean * mean) / runs)
        const exact = (kind === 'rentals' ? f.failedRentals : f.failedReturns)[start] as number
        // Within four standard errors (a false alarm about once in 16,000 runs of this test).
        expect(Math.abs(mean - exact)).toBeLessThan(4 * standardError + 1e-9)
      }
    }
  })

  it('says when the expected bike count reaches empty or full', () => {
    expect(fluidCrossing(20, 5, constant(120, 0.2, 0.1))).toEqual({ kind: 'empty', minutes: 50 })
    expect(fluidCrossing(20, 18, constant(120, 0, 0.1))?.kind).toBe('full')
    expect(fluidCrossing(20, 10, constant(60, 0.1, 0.1))).toBeNull()
  })
})
