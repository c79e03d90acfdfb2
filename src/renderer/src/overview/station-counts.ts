import type { StationLive } from '../../../shared/feeds'

export interface StationCounts {
  empty: number
  nearlyEmpty: number
  full: number
  nearlyFull: number
  /** Stations whose numbers are not live: counted apart, never as empty or full. */
  notLive: number
  live: number
}

/**
 * The seed's thresholds (imbalance_scores: bikes <= 2, docks <= 2): empty is no bike to rent,
 * nearly empty one or two; full is no dock to return to, nearly full one or two. Stations of
 * `staleSystems` (their feed stale on the page's clock: see staleSystems in shell/TopBar) are
 * not live whatever flags they were loaded with.
 */
export function countStations(
  stations: Iterable<StationLive>,
  staleSystems: ReadonlySet<string> = new Set(),
): StationCounts {
  const counts: StationCounts = {
    empty: 0,
    nearlyEmpty: 0,
    full: 0,
    nearlyFull: 0,
    notLive: 0,
    live: 0,
  }
  for (const station of stations) {
    if (station.stale || station.bikes === null || staleSystems.has(station.systemId)) {
      counts.notLive += 1
      continue
    }
    counts.live += 1
    if (station.bikes === 0) counts.empty += 1
    else if (station.bikes <= 2) counts.nearlyEmpty += 1
    if (station.docks !== null) {
      if (station.docks === 0) counts.full += 1
      else if (station.docks <= 2) counts.nearlyFull += 1
    }
  }
  return counts
}
