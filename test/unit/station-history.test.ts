import { describe, expect, it } from 'vitest'
import { historyPoints, type HeldState } from '../../src/server/stations/history.js'

const state = (at: number, bikes: number): HeldState => ({
  at,
  bikes,
  ebikes: null,
  docks: 20 - bikes,
  isRenting: true,
})

describe('a station history as chart points', () => {
  it('keeps every change when few, clamps the held state to from and repeats the last at the end', () => {
    const { points, bucketSeconds } = historyPoints(
      [state(-500, 3), state(100, 5), state(400, 0)],
      0,
      1_000,
      2_000,
    )
    expect(bucketSeconds).toBeNull()
    expect(points.map((p) => [Date.parse(p.at), p.bikes])).toEqual([
      [0, 3],
      [100, 5],
      [400, 0],
      [1_000, 0],
    ])
  })

  it('samples many changes at regular instants, never more than the cap, with the band', () => {
    // 10,000 changes over 10,000 s; one lone zero.
    const states = Array.from({ length: 10_000 }, (_, i) => state(i * 1_000, i === 4_321 ? 0 : 8))
    const { points, bucketSeconds } = historyPoints(states, 0, 10_000_000, 100)
    expect(points).toHaveLength(100)
    expect(bucketSeconds).toBeCloseTo(10_000 / 99, 6)
    expect(points.filter((p) => p.minBikes === 0)).toHaveLength(1)
    expect(points.every((p) => p.maxBikes === 8)).toBe(true)
    expect(points.at(-1)).toMatchObject({ at: new Date(10_000_000).toISOString(), bikes: 8 })
  })

  it('draws nothing before the first state, and nothing at all without one', () => {
    expect(historyPoints([], 0, 1_000, 10).points).toEqual([])
    const states = Array.from({ length: 50 }, (_, i) => state(500 + i * 10, i % 5))
    const { points } = historyPoints(states, 0, 1_000, 10)
    expect(points.length).toBeLessThanOrEqual(10)
    expect(Date.parse(points[0]?.at ?? '')).toBeGreaterThanOrEqual(444)
  })
})
