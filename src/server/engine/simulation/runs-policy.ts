import type { DemandModel } from '../demand.js'
import type { Dissatisfaction } from '../dissatisfaction.js'
import { arrivalValue } from '../run-value.js'
import { planVanRuns } from '../van-runs.js'
import {
  travelMinutes,
  type Policy,
  type PolicyContext,
  type RunAssignment,
  type SimStation,
} from './simulator.js'

export interface RunsPolicyOptions {
  date: string
  stations: readonly SimStation[]
  model: DemandModel
  horizonMinutes: number
  /** The length of a planned run (minutes of a van's time). */
  runMinutes?: number
  maxStops?: number
}

/** As ours: a van's committed stops end within two decisions, or this close before one. */
const IDLE_MINUTES = 4

/**
 * Runs as a simulation policy: at each decision, every idle van gets a run planned from where it
 * is with what it carries (planRuns, stops valued at the van's arrival), the vans together; the
 * van makes the run's first stops, up to the decision when it would next be free (as ours
 * chains moves), and the rest is planned again from there with what is known then.
 */
export function runsPolicy(options: RunsPolicyOptions): Policy {
  const modelIndex = options.stations.map((station) => options.model.index.get(station.id))
  const cache = new Map<number, Dissatisfaction>()
  return {
    name: 'runs',
    decide(context: PolicyContext): RunAssignment[] {
      const { stations, settings } = context
      if (context.idleCrews.length === 0) return []
      const bikes = Array.from(context.bikes)
      const taken = new Set<number>()
      for (const move of context.underWay) {
        if (!move.loaded) bikes[move.from] = (bikes[move.from] as number) - move.qty
        bikes[move.to] = (bikes[move.to] as number) + move.qty
        taken.add(move.from).add(move.to)
      }
      for (const stop of context.pendingStops) {
        bikes[stop.station] = (bikes[stop.station] as number) - stop.qty
        taken.add(stop.station)
      }
      const counts = stations.map((station, index) =>
        Math.max(0, Math.min(station.capacity, bikes[index] as number)),
      )
      const gain = arrivalValue({
        model: options.model,
        date: options.date,
        minute: context.minute,
        horizonMinutes: options.horizonMinutes,
        stations,
        modelIndex,
        bikes: counts,
        cache,
      })
      const runs = planVanRuns(
        stations.map((station, index) => ({
          lat: station.lat,
          lon: station.lon,
          bikes: counts[index] as number,
          capacity: station.capacity,
          canGive: station.canRent,
          canTake: station.canReturn,
        })),
        context.idleCrews.map((crew) => ({
          at: stations[crew.position] as SimStation,
          load: crew.load,
          capacity: settings.vanCapacity,
          freeIn: 0,
        })),
        {
          runMinutes: options.runMinutes,
          maxStops: options.maxStops,
          handlingMinutes: settings.handlingMinutes,
          drive: (a, b) => travelMinutes(a as SimStation, b as SimStation, settings),
          gain,
          taken,
        },
      )
      return runs.flatMap((run) => {
        const crew = context.idleCrews[run.van]
        if (!crew || run.stops.length === 0) return []
        // The first stops, up to the decision when the van is next free.
        const stops: RunAssignment['stops'] = []
        for (const stop of run.stops) {
          stops.push({ station: stop.station, qty: stop.load })
          const busy = stop.leave
          const idle = Math.ceil(busy / settings.policyEvery) * settings.policyEvery - busy
          if (
            busy >= settings.policyEvery &&
            (idle <= IDLE_MINUTES || busy >= 2 * settings.policyEvery)
          ) {
            break
          }
        }
        return [{ crew: crew.crew, stops }]
      })
    },
  }
}
