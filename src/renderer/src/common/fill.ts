import type { StationLive } from '../../../shared/feeds'

/**
 * How full a station is, in the seed's thresholds (imbalance_scores: bikes <= 2, docks <= 2), so
 * the table, the map and the overview's counts agree: empty is no bike to rent, low one or two;
 * full is no dock to return to, high one or two. Numbers that are not live are `stale`, whatever
 * they say.
 */
export type FillLevel = 'empty' | 'low' | 'ok' | 'high' | 'full' | 'stale'

export function fillLevel(station: StationLive): FillLevel {
  if (station.stale || station.bikes === null) return 'stale'
  if (station.bikes === 0) return 'empty'
  if (station.docks !== null && station.docks === 0) return 'full'
  if (station.bikes <= 2) return 'low'
  if (station.docks !== null && station.docks <= 2) return 'high'
  return 'ok'
}

/**
 * Bikes as a share of the station's size: its capacity, or bikes + docks where the feed gives
 * none (BCycle) or a capacity of 0. Capped at 1 (bikes + docks can exceed capacity). Null without
 * numbers.
 */
export function fillShare(station: StationLive): number | null {
  if (station.bikes === null) return null
  const size =
    station.capacity !== null && station.capacity > 0
      ? station.capacity
      : station.bikes + (station.docks ?? 0)
  return size > 0 ? Math.min(1, station.bikes / size) : null
}

export interface FillLegendItem {
  level: FillLevel
  label: string
  hint: string
  /** The colour on the map's canvas (and the legend's swatch): legible on light and dark tiles. */
  color: string
}

export const FILL_LEGEND: readonly FillLegendItem[] = [
  { level: 'empty', label: 'Empty', hint: 'No bike to rent', color: '#d62f2f' },
  { level: 'low', label: 'Low', hint: '1 or 2 bikes', color: '#f08c00' },
  { level: 'ok', label: 'OK', hint: 'Bikes and docks to spare', color: '#2f9e44' },
  { level: 'high', label: 'High', hint: '1 or 2 docks free', color: '#4c6ef5' },
  { level: 'full', label: 'Full', hint: 'No dock free', color: '#862e9c' },
  { level: 'stale', label: 'Not live', hint: 'Stale or missing numbers', color: '#8b949e' },
]

export const FILL_COLOR: Record<FillLevel, string> = Object.fromEntries(
  FILL_LEGEND.map((item) => [item.level, item.color]),
) as Record<FillLevel, string>
