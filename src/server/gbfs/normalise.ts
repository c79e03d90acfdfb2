import { FeedError } from './feed-error.js'
import type { GbfsDocument } from './parse.js'
import type {
  FileHeader,
  GbfsFile,
  RegionInfo,
  StationInfo,
  StationState,
  SystemInfo,
  VehicleTypes,
} from './types.js'
import type { WarningCollector } from './warnings.js'

/** Whether this is a station's first entry in the file; a repeat is warned about and skipped. */
function firstListing(
  seen: Set<string>,
  stationId: string,
  file: GbfsFile,
  warnings: WarningCollector,
): boolean {
  if (seen.has(stationId)) {
    warnings.add(file, 'duplicate_station', 'a station listed twice; the first was kept', stationId)
    return false
  }
  seen.add(stationId)
  return true
}

/**
 * Earliest believable feed time: the GBFS schemas' own minimum for last_updated (2015-12-15).
 * Below it are sentinels, not times: Ford GoBike's 0, Bay Wheels' 86400, Citi Bike's 18001.
 */
export const EARLIEST_REAL_TIME = new Date(1_450_155_600_000)

/** How far a station's last_reported may run ahead of its file's last_updated (clock skew). */
const FUTURE_TOLERANCE_MS = 60_000

/** Epoch values above this are milliseconds, not seconds (1e11 s is the year 5138). */
const MILLISECOND_EPOCH = 1e11

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** A time from an epoch in seconds (1.x/2.x, also as digits in a string) or RFC3339 (3.0). */
export function toTime(
  value: unknown,
  onMilliseconds?: () => void,
): { time: Date | null; given: boolean } {
  if (value === undefined || value === null || value === '') return { time: null, given: false }
  let epoch: number | null = null
  if (typeof value === 'number' && Number.isFinite(value)) epoch = value
  else if (typeof value === 'string' && /^\s*\d+(\.\d+)?\s*$/.test(value)) epoch = Number(value)
  if (epoch !== null) {
    if (epoch > MILLISECOND_EPOCH) {
      onMilliseconds?.()
      return { time: new Date(epoch), given: true }
    }
    return { time: new Date(epoch * 1000), given: true }
  }
  if (typeof value === 'string') {
    const ms = Date.parse(value)
    return { time: Number.isNaN(ms) ? null : new Date(ms), given: true }
  }
  return { time: null, given: true }
}

/** GBFS booleans: true/false, or 0/1 as Lyft and Urban Sharing send them even in 2.3. */
export function toBoolean(value: unknown): boolean | null {
  if (value === true || value === 1 || value === '1' || value === 'true') return true
  if (value === false || value === 0 || value === '0' || value === 'false') return false
  return null
}

/** A count of bikes or docks: a whole number, never negative. */
export function toCount(value: unknown): number | null {
  const number = typeof value === 'string' && /^\s*\d+\s*$/.test(value) ? Number(value) : value
  return typeof number === 'number' && Number.isInteger(number) && number >= 0 ? number : null
}

/** An id as given: strings unchanged, numbers (already quoted by the parser) as their digits. */
export function toId(value: unknown): string | null {
  if (typeof value === 'string') return value === '' ? null : value
  if (typeof value === 'number' && Number.isFinite(value)) return String(value)
  return null
}

/**
 * Text that is a plain string (1.x/2.x) or, in 3.0, an array of `{text, language}`: the entry in
 * the system's language, else one whose language starts the same ("en" for "en-CA"), else the
 * first.
 */
export function localizedText(value: unknown, language: string | null): string | null {
  if (typeof value === 'string') return value
  if (!Array.isArray(value)) return null
  const entries = value.filter(
    (entry): entry is { text: string; language?: unknown } =>
      isRecord(entry) && typeof entry.text === 'string',
  )
  if (entries.length === 0) return null
  const wanted = language?.toLowerCase() ?? null
  const lang = (entry: { language?: unknown }) =>
    typeof entry.language === 'string' ? entry.language.toLowerCase() : ''
  const exact = wanted ? entries.find((entry) => lang(entry) === wanted) : undefined
  const prefix = wanted
    ? entries.find((entry) => lang(entry).split('-')[0] === wanted.split('-')[0])
    : undefined
  return (exact ?? prefix ?? entries[0])?.text ?? null
}

function optionalText(value: unknown, language: string | null): string | null {
  const text = toId(value) ?? localizedText(value, language)
  return text === null || text.trim() === '' ? null : text
}

export function readHeader(
  file: GbfsFile,
  document: GbfsDocument,
  warnings: WarningCollector,
): FileHeader {
  const { time } = toTime(document.last_updated, () =>
    warnings.add(file, 'millisecond_time', 'last_updated is in milliseconds, not seconds'),
  )
  const ttl = toCount(document.ttl)
  const version = typeof document.version === 'string' ? document.version : null
  return { lastUpdated: time, ttl, version }
}

export function normaliseSystemInformation(document: GbfsDocument): SystemInfo {
  const data = document.data
  const languages = Array.isArray(data.languages)
    ? data.languages.filter((l): l is string => typeof l === 'string')
    : []
  const language = typeof data.language === 'string' ? data.language : (languages[0] ?? null)
  return {
    systemId: toId(data.system_id),
    name: localizedText(data.name, language),
    timezone: typeof data.timezone === 'string' && data.timezone !== '' ? data.timezone : null,
    language,
  }
}

/** system_regions (2.x and 3.0): each region's id and name; entries without both are left out. */
export function normaliseSystemRegions(
  document: GbfsDocument,
  language: string | null,
): RegionInfo[] {
  const list = document.data.regions
  if (!Array.isArray(list)) return []
  const regions: RegionInfo[] = []
  for (const entry of list) {
    if (!isRecord(entry)) continue
    const regionId = toId(entry.region_id)
    const name = localizedText(entry.name, language)
    if (regionId !== null && name) regions.push({ regionId, name })
  }
  return regions
}

/** Which vehicle types are electric bicycles, for counting e-bikes from vehicle_types_available. */
export function normaliseVehicleTypes(document: GbfsDocument): VehicleTypes {
  const types = new Map<string, { electricBike: boolean }>()
  const list = document.data.vehicle_types
  if (!Array.isArray(list)) return types
  for (const entry of list) {
    if (!isRecord(entry)) continue
    const id = toId(entry.vehicle_type_id)
    if (id === null) continue
    const bicycle = entry.form_factor === 'bicycle' || entry.form_factor === 'cargo_bicycle'
    const electric =
      entry.propulsion_type === 'electric_assist' || entry.propulsion_type === 'electric'
    types.set(id, { electricBike: bicycle && electric })
  }
  return types
}

function stationList(file: GbfsFile, document: GbfsDocument): unknown[] {
  const stations = document.data.stations
  if (!Array.isArray(stations)) {
    throw new FeedError(file, 'not a GBFS station file: data.stations is not a list')
  }
  return stations
}

export function normaliseStationInformation(
  document: GbfsDocument,
  language: string | null,
  warnings: WarningCollector,
): StationInfo[] {
  const file = 'station_information'
  const stations: StationInfo[] = []
  const seen = new Set<string>()
  for (const [index, entry] of stationList(file, document).entries()) {
    const raw = isRecord(entry) ? entry : {}
    const stationId = toId(raw.station_id)
    if (stationId === null) {
      warnings.add(
        file,
        'invalid_station',
        'a station without a station_id was skipped',
        `#${index}`,
      )
      continue
    }
    const lat = typeof raw.lat === 'number' ? raw.lat : Number.NaN
    const lon = typeof raw.lon === 'number' ? raw.lon : Number.NaN
    if (!(lat >= -90 && lat <= 90 && lon >= -180 && lon <= 180)) {
      warnings.add(
        file,
        'invalid_station',
        'a station without a valid lat/lon was skipped: it cannot be placed on the map',
        stationId,
      )
      continue
    }
    if (!firstListing(seen, stationId, file, warnings)) continue
    let name = optionalText(raw.name, language)
    if (name === null) {
      warnings.add(file, 'missing_name', 'a station without a name is shown by its id', stationId)
      name = stationId
    }
    let capacity = toCount(raw.capacity)
    if (raw.capacity === undefined) {
      warnings.add(
        file,
        'capacity_missing',
        'no capacity published: fill levels are unknown',
        stationId,
      )
    } else if (capacity === 0) {
      // A docked station reporting bikes and docks cannot hold zero: the feed does not know.
      warnings.add(file, 'capacity_zero', 'capacity 0 is stored as unknown', stationId)
      capacity = null
    } else if (capacity === null) {
      warnings.add(
        file,
        'capacity_missing',
        'capacity is not a whole number; stored as unknown',
        stationId,
      )
    }
    stations.push({
      stationId,
      name,
      shortName: optionalText(raw.short_name, language),
      legacyId: toId(raw.legacy_id),
      externalId: toId(raw.external_id),
      regionId: toId(raw.region_id),
      capacity,
      lat,
      lon,
    })
  }
  return stations
}

function electricBikes(
  raw: Record<string, unknown>,
  vehicleTypes: VehicleTypes | null,
): number | null {
  // Lyft publishes e-bikes directly, also in 2.3.
  const lyft = toCount(raw.num_ebikes_available)
  if (lyft !== null) return lyft
  if (Array.isArray(raw.vehicle_types_available) && vehicleTypes && vehicleTypes.size > 0) {
    let total = 0
    for (const entry of raw.vehicle_types_available) {
      if (!isRecord(entry)) continue
      const id = toId(entry.vehicle_type_id)
      if (id !== null && vehicleTypes.get(id)?.electricBike) total += toCount(entry.count) ?? 0
    }
    return total
  }
  // Pre-2.1 operators' own breakdowns: BCycle {electric, smart, classic}, Bicing {mechanical, ebike}.
  if (isRecord(raw.num_bikes_available_types)) {
    const types = raw.num_bikes_available_types
    return toCount(types.electric ?? types.ebike ?? types.ebikes)
  }
  return null
}

export interface StatusContext {
  vehicleTypes: VehicleTypes | null
  /** The status file's own last_updated; a last_reported after it is not believable. */
  lastUpdated: Date | null
  /** When we polled, for files without a last_updated. */
  polledAt: Date
}

export function normaliseStationStatus(
  document: GbfsDocument,
  context: StatusContext,
  warnings: WarningCollector,
): StationState[] {
  const file = 'station_status'
  const latest = (context.lastUpdated ?? context.polledAt).getTime() + FUTURE_TOLERANCE_MS
  const states: StationState[] = []
  const seen = new Set<string>()
  for (const [index, entry] of stationList(file, document).entries()) {
    const raw = isRecord(entry) ? entry : {}
    const stationId = toId(raw.station_id)
    if (stationId === null) {
      warnings.add(file, 'invalid_status', 'a status without a station_id was skipped', `#${index}`)
      continue
    }
    if (!firstListing(seen, stationId, file, warnings)) continue
    // 3.0 counts vehicles; 1.x/2.x count bikes (Oslo 2.3 sends both, and they agree).
    const bikes = toCount(raw.num_bikes_available ?? raw.num_vehicles_available)
    const docks = toCount(raw.num_docks_available)
    const isInstalled = toBoolean(raw.is_installed)
    const isRenting = toBoolean(raw.is_renting)
    const isReturning = toBoolean(raw.is_returning)
    const missing = [
      bikes === null ? 'num_bikes_available' : null,
      docks === null ? 'num_docks_available' : null,
      isInstalled === null ? 'is_installed' : null,
      isRenting === null ? 'is_renting' : null,
      isReturning === null ? 'is_returning' : null,
    ].filter((field): field is string => field !== null)
    if (
      bikes === null ||
      docks === null ||
      isInstalled === null ||
      isRenting === null ||
      isReturning === null
    ) {
      warnings.add(
        file,
        'invalid_status',
        `a status without a usable ${missing.join(', ')} was skipped`,
        stationId,
      )
      continue
    }
    const reported = toTime(raw.last_reported, () =>
      warnings.add(
        file,
        'millisecond_time',
        'last_reported is in milliseconds, not seconds',
        stationId,
      ),
    )
    let lastReported = reported.time
    if (lastReported !== null && lastReported < EARLIEST_REAL_TIME) {
      warnings.add(
        file,
        'fake_last_reported',
        'last_reported is a placeholder from before GBFS existed (0, 86400, ...), not a time: stored as unknown',
        `${stationId}=${JSON.stringify(raw.last_reported)}`,
      )
      lastReported = null
    } else if (lastReported !== null && lastReported.getTime() > latest) {
      warnings.add(
        file,
        'future_last_reported',
        "last_reported is later than the file's own last_updated: stored as unknown",
        `${stationId}=${JSON.stringify(raw.last_reported)}`,
      )
      lastReported = null
    } else if (lastReported === null) {
      warnings.add(file, 'fake_last_reported', 'last_reported is missing or unreadable', stationId)
    }
    states.push({
      stationId,
      lastReported,
      bikes,
      ebikes: electricBikes(raw, context.vehicleTypes),
      docks,
      bikesDisabled: toCount(raw.num_bikes_disabled ?? raw.num_vehicles_disabled),
      docksDisabled: toCount(raw.num_docks_disabled),
      isInstalled,
      isRenting,
      isReturning,
    })
  }
  return states
}
