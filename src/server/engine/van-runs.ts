import {
  planRuns,
  type PlannedRun,
  type RunStation,
  type RunVan,
  type RunsOptions,
} from './runs.js'

/**
 * The vans' runs from the stations' counts: the stations worth a stop (where one stop now would
 * avoid the most failures, about 30 per van) are the candidates planRuns inserts from. Shared
 * by the simulation's `runs` policy and the benchmark (2,025 stations, 10 vans).
 */

export const DEFAULT_RUN_MINUTES = 60
export const DEFAULT_MAX_STOPS = 15
const CANDIDATES_PER_VAN = 30
const MIN_CANDIDATES = 60

export interface VanRunsOptions extends Pick<
  RunsOptions,
  'handlingMinutes' | 'drive' | 'gain' | 'taken' | 'minGain'
> {
  runMinutes?: number | undefined
  maxStops?: number | undefined
  candidatesPerVan?: number | undefined
}

/** The stations where one stop now (minute 0) would avoid the most, best first. */
export function runCandidates(
  stations: readonly RunStation[],
  vans: readonly RunVan[],
  options: VanRunsOptions,
): number[] {
  const taken = options.taken ?? new Set<number>()
  const room = Math.max(0, ...vans.map((van) => van.capacity))
  const best: { index: number; most: number }[] = []
  for (const [index, station] of stations.entries()) {
    if (taken.has(index)) continue
    let most = 0
    if (station.canGive) {
      for (let q = 1; q <= Math.min(room, station.bikes); q += 1) {
        most = Math.max(most, options.gain(index, -q, 0))
      }
    }
    if (station.canTake) {
      for (let q = 1; q <= Math.min(room, station.capacity - station.bikes); q += 1) {
        most = Math.max(most, options.gain(index, q, 0))
      }
    }
    if (most > 0) best.push({ index, most })
  }
  const wanted = Math.max(
    MIN_CANDIDATES,
    (options.candidatesPerVan ?? CANDIDATES_PER_VAN) * vans.length,
  )
  return best
    .sort((a, b) => b.most - a.most)
    .slice(0, wanted)
    .map((entry) => entry.index)
}

export function planVanRuns(
  stations: readonly RunStation[],
  vans: readonly RunVan[],
  options: VanRunsOptions,
): PlannedRun[] {
  return planRuns(stations, vans, {
    runMinutes: options.runMinutes ?? DEFAULT_RUN_MINUTES,
    maxStops: options.maxStops ?? DEFAULT_MAX_STOPS,
    handlingMinutes: options.handlingMinutes,
    drive: options.drive,
    gain: options.gain,
    ...(options.taken ? { taken: options.taken } : {}),
    ...(options.minGain === undefined ? {} : { minGain: options.minGain }),
    candidates: runCandidates(stations, vans, options),
  })
}
