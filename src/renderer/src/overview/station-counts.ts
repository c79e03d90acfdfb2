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
export type StationCountKey = Exclude<keyof StationCounts, 'live'>

/** The counts a station is in (none, one, or nearly empty and nearly full at once). */
export function countsOf(
  station: StationLive,
  staleSystems: ReadonlySet<string> = new Set(),
): StationCountKey[] {
  if (station.stale || station.bikes === null || staleSystems.has(station.systemId)) {
    return ['notLive']
  }
  const keys: StationCountKey[] = []
  if (station.bikes === 0) keys.push('empty')
  else if (station.bikes <= 2) keys.push('nearlyEmpty')
  if (station.docks === 0) keys.push('full')
  else if (station.docks !== null && station.docks <= 2) keys.push('nearlyFull')
  return keys
}

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
    const keys = countsOf(station, staleSystems)
    if (keys[0] !== 'notLive') counts.live += 1
    for (const key of keys) counts[key] += 1
  }
  return counts
}
