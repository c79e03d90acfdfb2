import type { StationLive } from '../../../shared/feeds'
import { csvFileName, type CsvRow } from '../../../shared/csv'
import { fillShare } from '../common/fill'
import { saveCsv } from '../service/save-csv'

/** The columns of the stations CSV: every field of the table, named as the API names them. */
const HEADER = [
  'system_id',
  'system_name',
  'station_id',
  'name',
  'short_name',
  'region_id',
  'region_name',
  'bikes',
  'ebikes',
  'docks',
  'bikes_disabled',
  'docks_disabled',
  'capacity',
  'fill',
  'score',
  'expected_failures',
  'is_installed',
  'is_renting',
  'is_returning',
  'stale',
  'stale_reason',
  'last_reported',
] as const

/** The stations as CSV rows (the header first), in the table's order. */
export function stationsCsvRows(stations: readonly StationLive[]): CsvRow[] {
  return [
    HEADER,
    ...stations.map((station) => {
      const share = fillShare(station)
      return [
        station.systemId,
        station.systemName,
        station.stationId,
        station.name,
        station.shortName,
        station.regionId,
        station.regionName ?? null,
        station.bikes,
        station.ebikes,
        station.docks,
        station.bikesDisabled,
        station.docksDisabled,
        station.capacity,
        share === null ? null : Math.round(share * 1000) / 1000,
        station.score,
        station.expectedFailures ?? null,
        station.isInstalled,
        station.isRenting,
        station.isReturning,
        station.stale,
        station.staleReason,
        station.lastReported,
      ]
    }),
  ]
}

/**
 * Saves the stations the table holds (filtered and sorted, every column) as
 * `stations-<system or all>-<date>.csv`: built from the rows the page already has, so it is the
 * same file in the desktop window and in a browser.
 */
export function saveStationsCsv(stations: readonly StationLive[], systemId: string): void {
  const day = new Date().toISOString().slice(0, 10)
  saveCsv(csvFileName(`stations-${systemId || 'all'}-${day}`), stationsCsvRows(stations))
}
