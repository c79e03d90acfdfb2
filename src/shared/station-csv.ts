import { csvFileName, type CsvRow } from './csv.js'
import type { FlowSeries, StationProfile } from './flows.js'
import { historyTimeline } from './station-history.js'
import type { StationHistory } from './stations.js'

/**
 * A station's flows, profile and history as CSV: what the API sends for `format=csv` and what the
 * station page's Export buttons save (on the desktop too, where IPC carries only JSON), so both
 * give the same file.
 */
export interface CsvFile {
  fileName: string
  rows: CsvRow[]
}

/** Whose flows (two columns), when (two columns), then the trips out and in. */
function flowsFile<P extends { outflow: number; inflow: number }>(
  name: string,
  of: { systemId: string; stationId: string | null },
  when: [string, string, (point: P) => [string | number, string | number]],
  points: readonly P[],
): CsvFile {
  return {
    fileName: csvFileName(name),
    rows: [
      ['system_id', 'station_id', when[0], when[1], 'outflow', 'inflow'],
      ...points.map((p) => [of.systemId, of.stationId, ...when[2](p), p.outflow, p.inflow]),
    ],
  }
}

export function flowSeriesCsv(series: FlowSeries): CsvFile {
  return flowsFile(
    `flows-${series.systemId}-${series.stationId ?? 'all'}-${series.bin}-${series.from.slice(0, 10)}`,
    series,
    ['bin_start_utc', 'bin_start_local', (p) => [p.start, p.local]],
    series.points,
  )
}

export function profileCsv(profile: StationProfile): CsvFile {
  return flowsFile(
    `profile-${profile.systemId}-${profile.stationId}-${profile.bin}`,
    profile,
    ['day_of_week', 'minute_of_day', (c) => [c.dayOfWeek, c.minuteOfDay]],
    profile.cells,
  )
}

/**
 * Each state from its instant on; a gap in the status history is a row with empty figures (from
 * then on nothing is known), never the last state carried across it.
 */
export function historyCsv(history: StationHistory): CsvFile {
  return {
    fileName: csvFileName(
      `history-${history.systemId}-${history.stationId}-${history.from.slice(0, 10)}-${history.to.slice(0, 10)}`,
    ),
    rows: [
      [
        'system_id',
        'station_id',
        'from_utc',
        'bikes',
        'ebikes',
        'docks',
        'min_bikes',
        'max_bikes',
        'is_renting',
      ],
      ...historyTimeline(history).map((row) => [
        history.systemId,
        history.stationId,
        new Date(row.at).toISOString(),
        row.bikes,
        row.ebikes,
        row.docks,
        row.minBikes,
        row.maxBikes,
        row.isRenting,
      ]),
    ],
  }
}
