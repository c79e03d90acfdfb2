/**
 * The one internal shape every GBFS version (1.0 to 3.0, and the Lyft "legacy" feeds without a
 * version) is read into. Ids stay strings exactly as the feed gave them.
 */

/** The files of a feed the poller reads. */
export const GBFS_FILES = [
  'gbfs',
  'system_information',
  'station_information',
  'station_status',
  'vehicle_types',
  'system_regions',
] as const
export type GbfsFile = (typeof GBFS_FILES)[number]

export function isGbfsFile(name: string): name is GbfsFile {
  return (GBFS_FILES as readonly string[]).includes(name)
}

/** What every GBFS file carries besides its data. */
export interface FileHeader {
  /** The feed's own time for the data; null when missing or unreadable. */
  lastUpdated: Date | null
  /** Seconds until the feed expects to change; null when missing. */
  ttl: number | null
  /** The `version` field; null for 1.0 and the legacy feeds that have none. */
  version: string | null
}

export interface SystemInfo {
  systemId: string | null
  name: string | null
  /** IANA zone, e.g. America/Los_Angeles: the trips import and the console's clocks use it. */
  timezone: string | null
  /** The language names are shown in (1.x/2.x `language`, 3.0 the first of `languages`). */
  language: string | null
}

export interface StationInfo {
  stationId: string
  name: string
  /** Trip files name stations by these rather than by station_id (see SOURCES.md). */
  shortName: string | null
  legacyId: string | null
  externalId: string | null
  regionId: string | null
  /** Null when the feed gives none, or 0 (a station with docks cannot hold zero bikes). */
  capacity: number | null
  lat: number
  lon: number
}

export interface StationState {
  stationId: string
  /** Null for a sentinel (0, 86400, 18001) or a time after the file's own last_updated. */
  lastReported: Date | null
  bikes: number
  ebikes: number | null
  docks: number
  bikesDisabled: number | null
  docksDisabled: number | null
  isInstalled: boolean
  isRenting: boolean
  isReturning: boolean
}

/** vehicle_type_id -> whether it is an electric bicycle, from vehicle_types (2.1+). */
export type VehicleTypes = ReadonlyMap<string, { electricBike: boolean }>

/**
 * Something about the feed that is not as it should be but does not stop a poll: schema
 * deviations, implausible values, stations the two files disagree on. Grouped, so 5,433 identical
 * schema deviations (Divvy's 0/1 booleans) are one warning with a count.
 */
export interface FeedWarning {
  file: GbfsFile
  code: WarningCode
  message: string
  count: number
  /** A few station ids or JSON paths where it happened. */
  examples: string[]
}

export type WarningCode =
  | 'schema'
  | 'unknown_version'
  | 'numeric_id'
  | 'invalid_station'
  | 'invalid_status'
  | 'duplicate_station'
  | 'missing_name'
  | 'capacity_missing'
  | 'capacity_zero'
  | 'over_capacity'
  | 'fake_last_reported'
  | 'future_last_reported'
  | 'millisecond_time'
  | 'status_unknown_station'
  | 'empty_station_list'
  | 'optional_file_failed'
  | 'discovery_failed'
  | 'system_changed'
  | 'future_last_updated'

/** A region of system_regions (a city, a zone): the stations' region_id in words. */
export interface RegionInfo {
  regionId: string
  name: string
}
