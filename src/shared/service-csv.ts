import { csvFileName, type CsvRow } from './csv.js'
import type {
  CrewPerformance,
  DurationStats,
  ReportStation,
  ServiceCluster,
  ServiceCrews,
  ServiceDay,
  ServiceStation,
  TaskEffect,
} from './service-levels.js'
import { shiftDay } from './service-levels.js'

/** The Service page's tables, by the name their exports carry. */
export type TableName =
  'days' | 'stations' | 'clusters' | 'crews' | 'tasks' | 'durations' | 'effects' | 'report'

/**
 * `service-stations-lyft_bay-2023-07-10-2023-07-16.csv`: the range's first and last day, both
 * inclusive, as a person reads a file name (the API's `to` is the day after).
 */
export function serviceCsvName(
  table: TableName,
  system: string,
  range: { from: string; to: string },
): string {
  return csvFileName(`service-${table}-${system}-${range.from}-${shiftDay(range.to, -1)}`)
}

/*
 * The exports, for the API's `format=csv` and the console's Export buttons alike: every row, every figure as the API gives it (minutes, shares from 0 to 1), under
 * the API's own names, so a spreadsheet made from one lines up with `balancer report --json`.
 */

const FIGURES = [
  'minutes_empty',
  'minutes_full',
  'minutes_unknown',
  'minutes_closed',
  'minutes_known',
  'availability_1',
  'availability_2',
] as const

export function daysCsv(days: readonly ServiceDay[]): CsvRow[] {
  return [
    [
      'day',
      'complete',
      'as_of',
      'stations',
      'snapshots',
      'bridge_minutes',
      ...FIGURES,
      'clusters',
      'cluster_outage_minutes',
      'cluster_outage_dollars',
      'cluster_episodes',
    ],
    ...days.map((day) => [
      day.day,
      day.complete,
      day.as_of,
      day.stations,
      day.snapshots,
      day.bridge_minutes,
      ...FIGURES.map((key) => day[key]),
      day.clusters,
      day.cluster_outage_minutes,
      day.cluster_outage_dollars,
      day.cluster_episodes,
    ]),
  ]
}

export function stationsCsv(systemId: string, stations: readonly ServiceStation[]): CsvRow[] {
  return [
    ['system_id', 'station_id', 'name', 'days', ...FIGURES, 'cluster_outage_minutes'],
    ...stations.map((row) => [
      systemId,
      row.station_id,
      row.name,
      row.days,
      ...FIGURES.map((key) => row[key]),
      row.cluster_outage_minutes,
    ]),
  ]
}

export function clustersCsv(systemId: string, clusters: readonly ServiceCluster[]): CsvRow[] {
  return [
    [
      'system_id',
      'station_id',
      'name',
      'members',
      'member_ids',
      'outage_minutes',
      'outage_dollars',
      'minutes_out',
      'minutes_out_empty',
      'minutes_out_full',
      'episodes',
      'longest_minutes',
    ],
    ...clusters.map((row) => [
      systemId,
      row.station_id,
      row.name,
      row.members.map((member) => member.name).join('; '),
      row.members.map((member) => member.station_id).join('; '),
      row.outage_minutes,
      row.outage_dollars,
      row.minutes_out,
      row.minutes_out_empty,
      row.minutes_out_full,
      row.episodes,
      row.longest_minutes,
    ]),
  ]
}

const STATS = ['count', 'median_minutes', 'p90_minutes', 'mean_minutes'] as const
const stats = (value: DurationStats) => STATS.map((key) => value[key])

export function crewsCsv(crews: readonly CrewPerformance[]): CsvRow[] {
  return [
    [
      'crew_id',
      'name',
      'claimed',
      'completed',
      'released',
      'canceled',
      'bikes_moved',
      'hours_on_shift',
      'bikes_per_hour',
      ...STATS.map((key) => `claim_to_completion_${key}`),
    ],
    ...crews.map((row) => [
      row.crew_id,
      row.name,
      row.claimed,
      row.completed,
      row.released,
      row.canceled,
      row.bikes_moved,
      row.hours_on_shift,
      row.bikes_per_hour,
      ...stats(row.claim_to_completion),
    ]),
  ]
}

export function taskDaysCsv(days: ServiceCrews['days']): CsvRow[] {
  return [
    ['day', 'created', 'dispatched', 'completed', 'canceled', 'released', 'bikes_moved'],
    ...days.map((day) => [
      day.day,
      day.created,
      day.dispatched,
      day.completed,
      day.canceled,
      day.released,
      day.bikes_moved,
    ]),
  ]
}

/** The steps of a task's life the durations table measures, in order. */
export const DURATION_STEPS = [
  { key: 'suggestion_to_approval', label: 'Suggestion → approval' },
  { key: 'approval_to_claim', label: 'Approval → claim' },
  { key: 'claim_to_completion', label: 'Claim → completion' },
] as const

export function durationsCsv(durations: ServiceCrews['durations']): CsvRow[] {
  return [
    ['step', ...STATS],
    ...DURATION_STEPS.map((step) => [step.key, ...stats(durations[step.key])]),
  ]
}

export function effectsCsv(effects: readonly TaskEffect[]): CsvRow[] {
  return [
    [
      'task_id',
      'worker_id',
      'completed_at',
      'qty',
      'bikes_moved',
      'after_minutes',
      'source_station_id',
      'source_name',
      'source_minutes_full_before',
      'source_minutes_full_after',
      'source_minutes_unknown_before',
      'source_minutes_unknown_after',
      'sink_station_id',
      'sink_name',
      'sink_minutes_empty_before',
      'sink_minutes_empty_after',
      'sink_minutes_unknown_before',
      'sink_minutes_unknown_after',
    ],
    ...effects.map((row) => [
      row.task_id,
      row.worker_id,
      row.completed_at,
      row.qty,
      row.bikes_moved,
      row.after_minutes,
      row.from_station.station_id,
      row.from_station.name,
      row.from_station.minutes_full_before,
      row.from_station.minutes_full_after,
      row.from_station.minutes_unknown_before,
      row.from_station.minutes_unknown_after,
      row.to_station.station_id,
      row.to_station.name,
      row.to_station.minutes_empty_before,
      row.to_station.minutes_empty_after,
      row.to_station.minutes_unknown_before,
      row.to_station.minutes_unknown_after,
    ]),
  ]
}

/** A day's report as CSV: its stations, by id. */
export function reportCsv(systemId: string, stations: readonly ReportStation[]): CsvRow[] {
  return [
    ['system_id', 'station_id', 'name', ...FIGURES],
    ...stations.map((row) => [
      systemId,
      row.station_id,
      row.name,
      ...FIGURES.map((key) => row[key]),
    ]),
  ]
}
