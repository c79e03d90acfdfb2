import { describe, expect, it } from 'vitest'
import { distanceKm } from '../../src/server/engine/geo.js'
import { driveMinutes } from '../../src/server/engine/moves.js'
import {
  evaluateRoute,
  planRuns,
  type PlannedRun,
  type RunStation,
  type RunVan,
  type RunsOptions,
} from '../../src/server/engine/runs.js'

/**
 * The run planner: load-feasible at every stop, stops valued at the van's arrival, the most
 * failures avoided per crew-minute, and vans that never share a station.
 */

const drive: RunsOptions['drive'] = (a, b) => driveMinutes(distanceKm(a, b))

function station(lat: number, lon: number, bikes: number, capacity = 20): RunStation {
  return { lat, lon, bikes, capacity, canGive: true, canTake: true }
}

/** A need per station: `target` bikes is best, each bike away from it costs `weight` failures. */
function targetGain(stations: readonly RunStation[], targets: readonly number[], weight = 0.5) {
  return (index: number, delta: number): number => {
    const at = stations[index] as RunStation
    const after = at.bikes + delta
    if (after < 0 || after > at.capacity) return -Infinity
    const target = targets[index] as number
    return weight * (Math.abs(at.bikes - target) - Math.abs(after - target))
  }
}

function options(
  stations: readonly RunStation[],
  gain: RunsOptions['gain'],
  more: Partial<RunsOptions> = {},
): RunsOptions {
  return {
    runMinutes: 90,
    maxStops: 15,
    handlingMinutes: 0.5,
    drive,
    candidates: stations.map((_, index) => index),
    gain,
    ...more,
  }
}

/** Replays a run: the load after each stop, and what each station would hold after it. */
function replay(run: PlannedRun, van: RunVan, stations: readonly RunStation[]) {
  let load = van.load
  const loads: number[] = []
  const counts = stations.map((s) => s.bikes)
  for (const stop of run.stops) {
    load += stop.load
    counts[stop.station] = (counts[stop.station] as number) - stop.load
    loads.push(load)
  }
  return { loads, counts }
}

// A line of stations ~0.5 km apart: full ones in the west, empty ones in the east.
const line = [
  station(37.77, -122.43, 19),
  station(37.77, -122.424, 18),
  station(37.77, -122.418, 2),
  station(37.77, -122.412, 1),
  station(37.77, -122.406, 10),
  station(37.77, -122.4, 20),
]
const targets = [8, 8, 12, 12, 10, 9]

describe('planRuns', () => {
  it('plans runs that are load-feasible at every stop and within the stations', () => {
    const vans: RunVan[] = [
      { at: line[0] as RunStation, load: 0, capacity: 10, freeIn: 0 },
      { at: line[5] as RunStation, load: 4, capacity: 10, freeIn: 0 },
    ]
    const runs = planRuns(line, vans, options(line, targetGain(line, targets)))
    expect(runs.some((run) => run.stops.length > 0)).toBe(true)
    for (const run of runs) {
      const van = vans[run.van] as RunVan
      const { loads, counts } = replay(run, van, line)
      for (const load of loads) {
        expect(load).toBeGreaterThanOrEqual(0)
        expect(load).toBeLessThanOrEqual(van.capacity)
      }
      counts.forEach((count, index) => {
        expect(count).toBeGreaterThanOrEqual(0)
        expect(count).toBeLessThanOrEqual((line[index] as RunStation).capacity)
      })
      expect(run.minutes).toBeLessThanOrEqual(90)
      for (const stop of run.stops) expect(stop.load).not.toBe(0)
    }
  })

  it('never sends two vans to the same station, nor one van twice', () => {
    const vans: RunVan[] = [0, 1, 2].map(() => ({
      at: line[2] as RunStation,
      load: 0,
      capacity: 20,
      freeIn: 0,
    }))
    const runs = planRuns(line, vans, options(line, targetGain(line, targets)))
    const visited = runs.flatMap((run) => run.stops.map((stop) => stop.station))
    expect(visited.length).toBeGreaterThan(1)
    expect(new Set(visited).size).toBe(visited.length)
  })

  it('leaves alone the stations another van already covers', () => {
    const van: RunVan = { at: line[0] as RunStation, load: 0, capacity: 20, freeIn: 0 }
    const runs = planRuns(line, [van], {
      ...options(line, targetGain(line, targets)),
      taken: new Set([0, 3]),
    })
    const visited = (runs[0] as PlannedRun).stops.map((stop) => stop.station)
    expect(visited).not.toContain(0)
    expect(visited).not.toContain(3)
  })

  it('makes several pickups before one drop-off when that serves best', () => {
    // Two stations 3 bikes over their best, close together; one 6 short across town.
    const stations = [
      station(37.77, -122.43, 13),
      station(37.7705, -122.4295, 13),
      station(37.79, -122.4, 4),
    ]
    const van: RunVan = { at: stations[0] as RunStation, load: 0, capacity: 20, freeIn: 0 }
    const [run] = planRuns(stations, [van], options(stations, targetGain(stations, [10, 10, 10])))
    const kinds = (run as PlannedRun).stops.map((stop) => Math.sign(stop.load))
    expect(kinds).toEqual([1, 1, -1])
    expect((run as PlannedRun).stops.map((stop) => stop.load)).toEqual([3, 3, -6])
  })

  it('unloads the bikes on board without first loading more', () => {
    const stations = [station(37.77, -122.43, 2), station(37.771, -122.43, 3)]
    const van: RunVan = { at: stations[0] as RunStation, load: 6, capacity: 20, freeIn: 0 }
    const [run] = planRuns(stations, [van], options(stations, targetGain(stations, [5, 6])))
    const { loads } = replay(run as PlannedRun, van, stations)
    expect((run as PlannedRun).stops.every((stop) => stop.load < 0)).toBe(true)
    expect(loads.at(-1)).toBe(0)
  })

  it('values each stop at the time the van arrives there', () => {
    // The need at station 1 is gone after 5 minutes: a van 10 minutes away does not go.
    const stations = [station(37.77, -122.43, 10), station(37.8, -122.43, 0)]
    const gain: RunsOptions['gain'] = (index, delta, minute) => {
      if (index !== 1 || minute > 5) return 0
      return delta > 0 ? Math.min(delta, 5) * 0.5 : -Infinity
    }
    const far: RunVan = { at: stations[0] as RunStation, load: 5, capacity: 20, freeIn: 0 }
    expect(drive(stations[0] as RunStation, stations[1] as RunStation)).toBeGreaterThan(5)
    expect(planRuns(stations, [far], options(stations, gain))[0]?.stops).toEqual([])
    const near: RunVan = { ...far, at: { lat: 37.7995, lon: -122.43 } }
    const [run] = planRuns(stations, [near], options(stations, gain))
    expect(run?.stops.map((stop) => [stop.station, stop.load])).toEqual([[1, -5]])
  })

  it("times stops by drive and handling, from when the van is free, and counts each stop's gain there", () => {
    const asked: number[] = []
    const gain: RunsOptions['gain'] = (_index, delta, minute) => {
      asked.push(minute)
      return Math.abs(delta)
    }
    const van: RunVan = { at: line[0] as RunStation, load: 0, capacity: 20, freeIn: 3 }
    const result = evaluateRoute(
      line,
      { van, stations: [1, 3], loads: [4, -4] },
      {
        drive,
        handlingMinutes: 0.5,
        gain,
      },
    )
    const first = 3 + drive(line[0] as RunStation, line[1] as RunStation)
    const second = first + 2 + drive(line[1] as RunStation, line[3] as RunStation)
    expect(result.feasible).toBe(true)
    expect(result.stops.map((stop) => stop.arrive)).toEqual([first, second])
    expect(asked).toEqual([first, second])
    expect(result.minutes).toBeCloseTo(second + 2 - 3, 9)
    expect(result.gain).toBe(8)
    const over = evaluateRoute(
      line,
      { van, stations: [1], loads: [-1] },
      {
        drive,
        handlingMinutes: 0.5,
        gain,
      },
    )
    expect(over.feasible).toBe(false)
  })
})
