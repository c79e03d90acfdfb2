import { countsOf, type StationCountKey } from '../overview/station-counts'
import type { StationLive } from '../../../shared/feeds'
import { fillShare } from '../common/fill'
import {
  compareNames,
  sortRows,
  type Sort,
  type SortDirection,
  type SortValue,
} from '../common/sort'

/** The station table's columns that sort, in the order shown. */
export const SORT_KEYS = [
  'name',
  'system',
  'region',
  'bikes',
  'ebikes',
  'docks',
  'disabled',
  'capacity',
  'fill',
  'score',
  'status',
  'lastReported',
] as const
export type SortKey = (typeof SORT_KEYS)[number]
export type StationSort = Sort<SortKey>

/** Most urgent first: what a dispatcher opens the table for. */
export const DEFAULT_SORT: StationSort = { key: 'score', direction: 'desc' }

/** Which way a column sorts on its first click: numbers that matter most when high, first. */
export function firstDirection(key: SortKey): SortDirection {
  return key === 'name' || key === 'system' || key === 'region' ? 'asc' : 'desc'
}

export interface StationFilter {
  /** Name, station id or short name contains it (any case). */
  text: string
  /** Live stations the seed's score flags (1 or 2 bikes or docks, or none). */
  criticalOnly: boolean
  /** '' for every system. */
  systemId: string
  /** Only the stations an Overview count names (empty, nearly full, ...); '' for all. */
  level: StationCountKey | ''
  /** '' for every region. */
  regionId: string
}

export const NO_FILTER: StationFilter = {
  text: '',
  criticalOnly: false,
  systemId: '',
  level: '',
  regionId: '',
}

/**
 * What the table shows and where it was scrolled, kept while the console is open: a dispatcher
 * who opens a station and comes Back finds the table as it was.
 */
export const remembered = {
  sort: DEFAULT_SORT,
  filter: NO_FILTER,
  scrollTop: 0,
  cursor: null as string | null,
}

/** The table as a fresh console shows it (a new sign-in; tests). */
export function forgetStationsTable(): void {
  Object.assign(remembered, { sort: DEFAULT_SORT, filter: NO_FILTER, scrollTop: 0, cursor: null })
}

/** The table opened on these stations alone (an Overview count's link), from the top. */
export function showStations(filter: Partial<StationFilter>): void {
  forgetStationsTable()
  remembered.filter = { ...NO_FILTER, ...filter }
}

export function disabledOf(station: StationLive): number | null {
  if (station.bikesDisabled === null && station.docksDisabled === null) return null
  return (station.bikesDisabled ?? 0) + (station.docksDisabled ?? 0)
}

export function isCritical(station: StationLive): boolean {
  return !station.stale && (station.score ?? 0) > 0
}

/**
 * How much a station's state needs a look, for sorting the status column: out of service first,
 * then not live, then refusing returns, then fine.
 */
export function statusRank(station: StationLive): number {
  if (station.isInstalled === false) return 4
  if (station.isRenting === false) return 3
  if (station.stale) return 2
  if (station.isReturning === false) return 1
  return 0
}

/**
 * What "most urgent" orders by: the engine's expected failures when any station shown has them
 * (a system with a demand model and a run in the last 2 h), else how empty or full.
 */
export type UrgencyBasis = 'failures' | 'fill'

export function urgencyBasis(stations: Iterable<StationLive>): UrgencyBasis {
  for (const station of stations) {
    if (!station.stale && typeof station.expectedFailures === 'number') return 'failures'
  }
  return 'fill'
}

/** A live station's expected failures, or null (not live, or no model for its system). */
export function expectedFailuresOf(station: StationLive): number | null {
  return station.stale ? null : (station.expectedFailures ?? null)
}

/**
 * How empty or full a live station is, higher first: the fewest bikes or free docks it has (an empty or a
 * full station before one with 1 left, before one with 2), then the seed's score (empty, 70,
 * before full, 30). Not the score alone: that puts a station with 2 bikes level with an empty one.
 * Null for a station not live or without numbers (they sort last).
 */
export function fillUrgencyOf(station: StationLive): number | null {
  if (station.stale) return null
  const known = [station.bikes, station.docks].filter((value) => value !== null)
  if (known.length === 0) return null
  return -Math.min(...known) * 100 + (station.score ?? 0)
}

function valueOf(station: StationLive, key: SortKey, basis: UrgencyBasis): SortValue {
  switch (key) {
    case 'name':
      return station.name
    case 'system':
      return station.systemName
    case 'region':
      return station.regionName ?? station.regionId
    case 'bikes':
      return station.bikes
    case 'ebikes':
      return station.ebikes
    case 'docks':
      return station.docks
    case 'disabled':
      return disabledOf(station)
    case 'capacity':
      return station.capacity
    case 'fill':
      return fillShare(station)
    case 'score':
      return basis === 'failures' ? expectedFailuresOf(station) : fillUrgencyOf(station)
    case 'status':
      return statusRank(station)
    case 'lastReported':
      return station.lastReported === null ? null : Date.parse(station.lastReported)
  }
}

/** Equal expected failures (or none, another system's stations) ordered by how empty or full. */
function compareFill(x: StationLive, y: StationLive, sign: number): number {
  const a = fillUrgencyOf(x)
  const b = fillUrgencyOf(y)
  if (a === null || b === null) return a === b ? 0 : a === null ? 1 : -1
  return sign * (a - b)
}

/**
 * Sorted by `sort`, stations without a value last either way, ties by name and id: equal rows
 * keep their places when a poll brings new numbers. Urgency sorts by `basis` (by default what
 * the stations carry, urgencyBasis), ties by how empty or full.
 */
export function sortStations(
  stations: readonly StationLive[],
  sort: StationSort,
  basis: UrgencyBasis = sort.key === 'score' ? urgencyBasis(stations) : 'fill',
): StationLive[] {
  const sign = sort.direction === 'asc' ? 1 : -1
  return sortRows(
    stations,
    (station) => valueOf(station, sort.key, basis),
    sort.direction,
    (x, y) =>
      (sort.key === 'score' && basis === 'failures' ? compareFill(x, y, sign) : 0) ||
      compareNames(x.name, y.name) ||
      (x.stationId < y.stationId ? -1 : x.stationId > y.stationId ? 1 : 0),
  )
}

function fold(text: string): string {
  return text
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
}

export function filterStations(
  stations: Iterable<StationLive>,
  filter: StationFilter,
): StationLive[] {
  const needle = fold(filter.text.trim())
  const out: StationLive[] = []
  for (const station of stations) {
    if (filter.systemId && station.systemId !== filter.systemId) continue
    if (filter.regionId && station.regionId !== filter.regionId) continue
    if (filter.criticalOnly && !isCritical(station)) continue
    if (filter.level && !countsOf(station).includes(filter.level)) continue
    if (
      needle &&
      !fold(station.name).includes(needle) &&
      !fold(station.stationId).includes(needle) &&
      !(station.shortName !== null && fold(station.shortName).includes(needle))
    ) {
      continue
    }
    out.push(station)
  }
  return out
}

export function stationRowKey(station: StationLive): string {
  return `${station.systemId}\u0000${station.stationId}`
}
